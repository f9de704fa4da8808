"""The breach's "Add from search…" over a connection whose server asks for a password nobody
saved: asked in the Search area's prompt before the search runs, searched with it, asked again
after a wrong one, and named among the connections not searched when the officer cancels. Real
widgets offscreen and the real PostgreSQL server the suite starts (password authentication)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from privdesk.discovery import secrets
from privdesk.services import breaches as svc
from privdesk.services import discovery, settings
from privdesk.services.context import AppContext
from privdesk.ui.breaches import BreachesPane
from privdesk.ui.breaches.review_dialog import AffectedReviewDialog
from tests.gui.breach_pane import shown_pane
from tests.integration.breaches.conftest import (
    ALICE,
    BOB,
    HOUSEHOLD_PHONE,
    NOW,
    PROFILE,
    breach_input,
    household_crm,
    household_pg,
)
from tests.keyring_backend import NoKeyring
from tests.servers import Server

pytestmark = pytest.mark.postgres


@pytest.fixture
def pane(qtbot: QtBot, ctx: AppContext) -> Iterator[BreachesPane]:
    """The Breaches area on one breach, in a new session (no password typed yet)."""
    settings.update_settings(ctx, PROFILE)
    svc.add_breach(ctx, breach_input(), "dpo@northwind.example", now=NOW)
    secrets.forget_session()
    p = shown_pane(qtbot, ctx, NOW)
    p.table.selectRow(0)
    yield p
    secrets.forget_session()


@pytest.fixture
def errors_shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The error dialogs the pane would show (none may appear: a password is asked, not failed)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: shown.append(self.text()))
    return shown


def _prompt(qtbot: QtBot, pane: BreachesPane, after: object = None) -> QInputDialog:
    """The password prompt the breach search opens (a new one, not ``after``)."""
    def shown() -> bool:
        dlg = getattr(pane.detail, "password_dialog", None)
        return isinstance(dlg, QInputDialog) and dlg is not after and dlg.isVisible()

    qtbot.waitUntil(shown, timeout=15000)
    dlg = pane.detail.password_dialog
    assert isinstance(dlg, QInputDialog)
    return dlg


def _review(qtbot: QtBot, pane: BreachesPane) -> AffectedReviewDialog:
    qtbot.waitUntil(lambda: pane.detail.review_dialog is not None and pane.detail.review_dialog.isVisible(),
                    timeout=30000)
    dlg = pane.detail.review_dialog
    assert isinstance(dlg, AffectedReviewDialog)
    qtbot.addWidget(dlg)
    return dlg


def _nothing_written(ctx: AppContext, password: str, caplog: pytest.LogCaptureFixture) -> None:
    secret = password.encode()
    files = [f for d in (ctx.paths.data_dir, ctx.paths.log_dir) if d.exists() for f in d.rglob("*") if f.is_file()]
    assert files and not [f for f in files if secret in f.read_bytes()]
    assert password not in caplog.text


def test_asks_for_the_password_without_a_keyring_then_finds_the_household(
        qtbot: QtBot, pane: BreachesPane, postgres_server: Server, postgres_db: str, tmp_path: Path,
        errors_shown: list[str], caplog: pytest.LogCaptureFixture) -> None:
    keyring.set_keyring(NoKeyring())
    caplog.set_level(logging.DEBUG)
    household_pg(pane.ctx, postgres_server, postgres_db)
    ref = pane.detail.detail.reference  # type: ignore[union-attr]
    task = pane.detail.add_from_search(f"{ALICE[1]}\n{HOUSEHOLD_PHONE}\n")
    assert task is not None and not pane.detail.search_button.isEnabled()
    dlg = _prompt(qtbot, pane)
    assert dlg.windowTitle() == "Password for pg"
    assert "No system keyring is available" in dlg.labelText() and "'pg'" in dlg.labelText()
    assert not pane.detail.search_button.isEnabled(), "no second search while the officer is asked"
    dlg.grab().save(str(tmp_path / "breach-password.png"))
    dlg.setTextValue(postgres_server.password)
    dlg.accept()

    review = _review(qtbot, pane)
    assert [review.confirmed.item(0, c).text() for c in range(3)] == [*ALICE, "pg customer 1"]  # type: ignore[union-attr]
    assert review.candidates.rowCount() == 1
    assert [review.candidates.item(0, c).text() for c in (1, 2, 3)] == [*BOB, "pg customer 2"]  # type: ignore[union-attr]
    assert review.found.errors == () and errors_shown == []
    review.add_button.click()
    assert [pane.detail.affected.item(0, 1).text()] == [ALICE[1]]  # type: ignore[union-attr]
    assert svc.count_affected(pane.ctx, ref) == 1
    assert pane.detail.search_button.isEnabled()
    _nothing_written(pane.ctx, postgres_server.password, caplog)


def test_a_wrong_password_is_said_plainly_and_asked_again(
        qtbot: QtBot, pane: BreachesPane, postgres_server: Server, postgres_db: str, tmp_path: Path,
        errors_shown: list[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    household_pg(pane.ctx, postgres_server, postgres_db)
    pane.detail.add_from_search(f"{ALICE[1]}\n")
    first = _prompt(qtbot, pane)
    assert "asks for a password and none is saved" in first.labelText()
    first.setTextValue("not-the-password")
    first.accept()

    again = _prompt(qtbot, pane, after=first)
    said = again.labelText()
    assert said.startswith("Wrong user name or password for connection 'pg'."), said
    assert "Cancel to leave it out of this search" in said
    assert errors_shown == [] and pane.detail.review_dialog is None
    again.grab().save(str(tmp_path / "breach-password-again.png"))
    again.setTextValue(postgres_server.password)
    again.accept()
    qtbot.waitUntil(lambda: "added" in pane.detail.message.text(), timeout=30000)
    assert [pane.detail.affected.item(0, 1).text()] == [ALICE[1]]  # type: ignore[union-attr]
    assert errors_shown == []
    # the keyring works here, yet a typed password stays in this session only
    assert keyring.get_password("privdesk", secrets.entry_name("pg", discovery.keyring_scope(pane.ctx))) is None
    _nothing_written(pane.ctx, postgres_server.password, caplog)
    assert "not-the-password" not in caplog.text


def test_a_cancelled_prompt_leaves_the_connection_out_and_names_it(
        qtbot: QtBot, pane: BreachesPane, postgres_server: Server, postgres_db: str, tmp_path: Path,
        errors_shown: list[str]) -> None:
    household_crm(pane.ctx, tmp_path)
    household_pg(pane.ctx, postgres_server, postgres_db)
    ref = pane.detail.detail.reference  # type: ignore[union-attr]
    pane.detail.add_from_search(f"{ALICE[1]}\n")
    _prompt(qtbot, pane).reject()

    review = _review(qtbot, pane)
    assert review.found.not_searched() == ["pg: not searched, because the password prompt was cancelled"]
    label = review.findChild(type(review.summary), "notSearchedLabel")
    assert label is not None and "pg: not searched, because the password prompt was cancelled" in label.text()
    assert [review.confirmed.item(0, c).text() for c in range(3)] == [*ALICE, "crm customer 1"]  # type: ignore[union-attr]
    review.grab().save(str(tmp_path / "review-cancelled.png"))
    review.add_button.click()
    assert "Not searched: pg: not searched, because the password prompt was cancelled" in pane.detail.message.text()
    entry = [e for e in svc.history(pane.ctx, ref) if e.action == "affected-add"][-1]
    assert "pg: not searched, because the password prompt was cancelled" in str(
        entry.changes["connections_not_searched"][1])
    assert errors_shown == []


def test_a_csv_of_e_mails_asks_for_the_password_too(
        qtbot: QtBot, pane: BreachesPane, postgres_server: Server, postgres_db: str, tmp_path: Path,
        errors_shown: list[str]) -> None:
    """A CSV of e-mails/phones goes through the same search, so it asks the same way; a CSV of
    people with names is taken as it is and asks nothing."""
    household_pg(pane.ctx, postgres_server, postgres_db)
    people = tmp_path / "people.csv"
    people.write_text(f"name,email\n{BOB[0]},{BOB[1]}\n", encoding="utf-8")
    task = pane.detail.add_affected(people)
    assert task is not None
    qtbot.waitUntil(lambda: "added" in pane.detail.message.text(), timeout=15000)
    assert getattr(pane.detail, "password_dialog", None) is None

    leaked = tmp_path / "leaked.csv"
    leaked.write_text(f"email\n{ALICE[1]}\n", encoding="utf-8")
    pane.detail.add_affected(leaked)
    dlg = _prompt(qtbot, pane)
    dlg.setTextValue(postgres_server.password)
    dlg.accept()
    qtbot.waitUntil(lambda: pane.detail.affected.rowCount() == 2, timeout=30000)
    assert sorted(pane.detail.affected.item(i, 1).text() for i in range(2)) == [ALICE[1], BOB[1]]  # type: ignore[union-attr]
    assert errors_shown == []
