"""Forms as an officer uses them: Tab leaves multi-line fields and follows reading order,
errors appear beside a field once it was touched, duplicates are warned inside the dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPlainTextEdit
from pytestqt.qtbot import QtBot

from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.ui import forms
from privdesk.ui.breaches.dialogs import NewBreachDialog
from privdesk.ui.requests.new_request_dialog import NewRequestDialog


def _show(qtbot: QtBot, dlg: QDialog) -> QDialog:
    forms.install()
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow)
    return dlg


def test_tab_leaves_the_postal_address(qtbot: QtBot, queue_ctx: AppContext) -> None:
    dlg = _show(qtbot, NewRequestDialog(queue_ctx, "dpo@northwind.example"))
    assert isinstance(dlg, NewRequestDialog)
    dlg.address.setFocus()
    qtbot.keyClicks(dlg.address, "1 High Street")
    qtbot.keyClick(dlg.address, Qt.Key.Key_Tab)
    assert dlg.address.toPlainText() == "1 High Street"  # no tab character typed
    assert QApplication.focusWidget() is dlg.requester  # the next field in reading order
    qtbot.keyClick(dlg.requester, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is dlg.address


def test_tab_order_is_reading_order_in_dialogs(qtbot: QtBot, queue_ctx: AppContext) -> None:
    for dlg in (NewRequestDialog(queue_ctx, "dpo@northwind.example"), NewBreachDialog(queue_ctx)):
        _show(qtbot, dlg)
        first = dlg.focusWidget() or dlg.nextInFocusChain()
        chain, w = [], first
        for _ in range(60):
            w = w.nextInFocusChain()
            if w is first:
                break
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisible() and w.isEnabled() \
                    and w.window() is dlg and w.parentWidget().focusProxy() is not w:
                chain.append(w)
        tops = [w.mapTo(dlg, w.rect().center()).y() for w in chain]
        assert len(chain) > 8
        # top to bottom: a field never comes after one lower on the form
        assert all(b >= a - 4 for a, b in zip(tops, tops[1:], strict=False)), str(list(zip([w.objectName() for w in chain], tops, strict=True)))[-1500:]
        for edit in dlg.findChildren(QPlainTextEdit):
            assert edit.tabChangesFocus(), edit.objectName()


def test_duplicate_is_warned_inside_the_dialog_and_merge_asks_first(qtbot: QtBot, queue_ctx: AppContext) -> None:
    existing = svc.get_request(queue_ctx, "DSR-2026-0001")
    dlg = _show(qtbot, NewRequestDialog(queue_ctx, "dpo@northwind.example"))
    assert isinstance(dlg, NewRequestDialog)
    dlg.name.setText(existing.subject_name)
    qtbot.keyClicks(dlg.emails, existing.emails[0].upper())
    qtbot.waitUntil(lambda: dlg.dup_box.isVisible())
    qtbot.wait(10)
    # the warning makes the dialog taller; it never squeezes the fields onto each other
    assert dlg.requester.geometry().top() > dlg.address.geometry().bottom()
    text = dlg.dup_box.text()
    assert existing.reference in text and existing.subject_name.split()[0] in text
    compare = dlg.compare(existing.reference)
    qtbot.addWidget(compare)
    heads = [compare.table.horizontalHeaderItem(i).text() for i in range(3)]
    assert heads == ["Field", "This new request", existing.reference]
    assert "Name" not in compare.differing() and "E-mail" not in compare.differing()
    before = svc.count_requests(queue_ctx)
    questions: list[str] = []
    dlg.confirm = lambda _t, q: questions.append(q) is None and False
    assert compare.action_button is not None
    qtbot.mouseClick(compare.action_button, Qt.MouseButton.LeftButton)
    assert questions and svc.count_requests(queue_ctx) == before  # declined: nothing written
    dlg.confirm = lambda _t, _q: True
    with qtbot.waitSignal(dlg.opened) as blocker:
        assert dlg.save_and_merge(existing.reference)
    assert blocker.args[0].reference == existing.reference


def test_disabled_buttons_say_why(qtbot: QtBot, queue_ctx: AppContext) -> None:
    from privdesk.ui.requests.pane import RequestsPane

    pane = RequestsPane(queue_ctx)
    qtbot.addWidget(pane)
    detail = pane.detail
    assert not detail.letters_button.isEnabled() and detail.letters_button.toolTip() == "Select a request first."
    assert detail.letters_button.isHidden()
    detail.load("DSR-2026-0001")
    assert detail.letters_button.isEnabled() and "letter" in detail.letters_button.toolTip()
    assert not detail.letters_button.isHidden()
    if not detail.export_button.isEnabled():
        assert "Export needs a search attached" in detail.export_button.toolTip()


def test_screenshot_command_renders_an_area_at_a_size(qtbot: QtBot, queue_ctx: AppContext, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    from privdesk.cli import main

    out = tmp_path / "shot.png"
    data_dir = str(queue_ctx.paths.data_dir)
    assert main(["--data-dir", data_dir, "gui", "--screenshot", str(out), "--area", "breaches",
                 "--size", "1024x768"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 768)
    assert main(["--data-dir", data_dir, "gui", "--screenshot", str(out), "--size", "big"]) == 2
    assert main(["--data-dir", data_dir, "gui", "--screenshot", str(out), "--as", "nobody@example.com"]) == 2


def test_case_database_is_named_never_given_as_a_url(queue_ctx: AppContext) -> None:
    from types import SimpleNamespace

    from sqlalchemy import make_url

    from privdesk.ui.vocabulary import database_place

    assert database_place(queue_ctx.db, short=True) == "privdesk.sqlite3"
    assert database_place(queue_ctx.db) == str(queue_ctx.db.sqlite_file)
    server = SimpleNamespace(sqlite_file=None, dialect="postgresql",
                             engine=SimpleNamespace(url=make_url("postgresql://priv:secret@db.internal:5433/cases")))
    assert database_place(server, short=True) == "cases on db.internal"
    assert database_place(server) == "cases on db.internal:5433 (postgresql, as priv)"
    assert "secret" not in database_place(server) and "://" not in database_place(server)


def test_empty_queue_says_why_and_what_to_do(qtbot: QtBot, queue_ctx: AppContext) -> None:
    from PySide6.QtWidgets import QLabel

    from privdesk.ui.requests.pane import RequestsPane

    pane = RequestsPane(queue_ctx)
    qtbot.addWidget(pane)
    pane.show()
    hint = pane.view.viewport().findChild(QLabel, "emptyHint")
    assert hint is not None and not hint.isVisible()
    pane.model.set_filter(svc.RequestQuery(text="no-such-person-anywhere"))
    assert pane.model.rowCount() == 0 and hint.isVisible() and "No requests match" in hint.text()
