"""The Search area and the connections dialog, driven like an officer would."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from privdesk.discovery.search import SearchResult
from privdesk.services import discovery as svc
from privdesk.services.context import AppContext
from privdesk.ui.connections_dialog import ConnectionsDialog
from privdesk.ui.search_pane import (
    COL_VALUES,
    COL_WHY,
    HtmlRole,
    KindRole,
    SearchPane,
    split_values,
)
from tests.integration.discovery.conftest import build_company


def _pane(qtbot: QtBot, ctx: AppContext) -> SearchPane:
    pane = SearchPane(ctx)
    qtbot.addWidget(pane)
    pane.resize(1200, 700)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def _company(ctx: AppContext, tmp_path: Path, name: str = "crm") -> Path:
    path = tmp_path / f"{name}.sqlite3"
    build_company(f"sqlite:///{path}")
    svc.add_connection(ctx, name, f"sqlite:///{path}")
    return path


def test_split_values() -> None:
    assert split_values(" a@x.example ; b@y.example\nc ;; ") == ["a@x.example", "b@y.example", "c"]


def test_search_fills_the_tree(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    _company(ctx, tmp_path)
    svc.add_connection(ctx, "down", "postgresql://u:p@127.0.0.1:1/x")
    pane = _pane(qtbot, ctx)
    assert pane.selected_connections() == ["crm", "down"]
    qtbot.keyClicks(pane.email_edit, "Aisha.Khan@example.co.uk")
    with qtbot.waitSignal(pane.finished, timeout=15000) as blocker:
        qtbot.mouseClick(pane.search_button, Qt.MouseButton.LeftButton)
        assert not pane.search_button.isEnabled() and pane.cancel_button.isEnabled()
    result: SearchResult = blocker.args[0]
    qtbot.waitUntil(lambda: pane.search_button.isEnabled())
    assert not pane.cancel_button.isEnabled()
    model = pane.model
    tops = {model.item(r).text().split(" — ")[0]: model.item(r) for r in range(model.rowCount())}
    assert set(tops) == {"crm", "down", "Left out"}
    left = tops["Left out"]
    assert left.text() == "Left out — 2 rows of other people, not shown"
    assert left.child(0, COL_VALUES).text() == "2 rows of table employees belong to other people"
    assert "error" in tops["down"].text()
    assert "cannot be reached" in tops["down"].child(0, COL_VALUES).text()
    crm = tops["crm"]
    tables = {crm.child(i).text().split(" — ")[0]: crm.child(i) for i in range(crm.rowCount())}
    assert {"customers", "orders", "order_items", "employees"} <= set(tables)
    assert tables["orders"].text() == "orders — 2 rows"
    cust = tables["customers"]
    assert cust.child(0).data(KindRole) == "row"
    assert cust.child(0).text() == "customer C-1"  # its reference, not its key
    assert cust.child(0, COL_WHY).text() == "Found because the e-mail matches"
    assert cust.child(0, COL_WHY).toolTip() == "Columns that matched: email"
    assert "<span style='background:" in cust.child(0, COL_VALUES).data(HtmlRole)
    assert "email" in cust.child(0, COL_VALUES).data(HtmlRole).split("<span")[1]
    assert tables["orders"].child(0, COL_WHY).text() == "Linked through customer C-1"
    items = tables["order_items"]
    paths = {items.child(i, COL_WHY).toolTip() for i in range(items.rowCount())}
    assert paths == {"Path: customer C-1 › order 10", "Path: customer C-1 › order 11"}
    assert pane.depth_spin.suffix() == " steps"
    assert "rows in" in pane.status.text() and "down" in pane.status.text()
    assert len(result.matches) == model.rows
    assert pane.attach_preview.text().startswith("Attaching saves ")
    snap = pane.snapshot()
    assert snap is not None and snap.identifiers["emails"] == ["Aisha.Khan@example.co.uk"]
    assert snap.sources["crm"] == "sqlite"
    pane.tree.grab().save(str(tmp_path / "search.png"))


def test_empty_input_says_what_to_do(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    _company(ctx, tmp_path)
    pane = _pane(qtbot, ctx)
    qtbot.mouseClick(pane.search_button, Qt.MouseButton.LeftButton)
    assert "at least one" in pane.status.text()
    assert pane.task is None


def test_cancel_and_the_gui_keeps_breathing(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "slow.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, phone TEXT)")
        conn.executemany("INSERT INTO people (email, phone) VALUES (?, ?)",
                         [(f"user{i}@example.com", f"+44 20 7946 {i % 10000:04d}") for i in range(300_000)])
    svc.add_connection(ctx, "slow", f"sqlite:///{path}")
    svc.get_map(ctx, "slow")
    pane = _pane(qtbot, ctx)
    pane.email_edit.setText("nobody@example.com")
    pane.phone_edit.setText("+1 202 555 0100")
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    # a full search first: the event loop keeps ticking while it runs
    with qtbot.waitSignal(pane.finished, timeout=20000):
        pane.start_search()
    qtbot.waitUntil(lambda: pane.task is None, timeout=10000)
    timer.stop()
    assert pane.status.text().startswith("Nothing found in 1 connection (")  # nobody@ is in no row
    # then one cancelled straight away
    pane.start_search()
    assert pane.cancel_button.isEnabled()
    qtbot.mouseClick(pane.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.task is None, timeout=10000)
    assert pane.search_button.isEnabled() and not pane.cancel_button.isEnabled()
    assert "cancelled" in pane.status.text().lower(), pane.status.text()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert gaps and max(gaps) < 0.25  # generous for a shared CI machine; the benchmark measures it tightly


def test_connections_dialog(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    build_company(f"sqlite:///{path}")
    dlg = ConnectionsDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.name_edit, "crm")
    qtbot.keyClicks(dlg.url_edit, f"sqlite:///{path}")
    dlg.timeout_spin.setValue(12)
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    assert [c.name for c in svc.list_connections(ctx)] == ["crm"]
    assert svc.get_connection(ctx, "crm").options == {"statement_timeout_s": 12}
    qtbot.waitUntil(lambda: dlg.map_tree.topLevelItemCount() > 0, timeout=10000)
    tops = {dlg.map_tree.topLevelItem(i).text(0): dlg.map_tree.topLevelItem(i)
            for i in range(dlg.map_tree.topLevelItemCount())}
    assert {"customers", "orders", "employees"} <= set(tops)
    # untick a table: excluded in the case database
    tops["employees"].setCheckState(0, Qt.CheckState.Unchecked)
    cmap = svc.cached_map(ctx, "crm")
    assert cmap is not None and cmap.table("employees").excluded  # type: ignore[union-attr]
    # override a column's kind through its combo box
    note = next(tops["orders"].child(i) for i in range(tops["orders"].childCount())
                if tops["orders"].child(i).text(0) == "note")
    combo = dlg.map_tree.itemWidget(note, 2)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData("email"))
    cmap = svc.cached_map(ctx, "crm")
    col = next(c for c in cmap.table("orders").columns if c.column == "note")  # type: ignore[union-attr]
    assert col.kind == "email" and col.source == "override"
    # test: answers with a plain sentence
    qtbot.mouseClick(dlg.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Connected" in dlg.status.text(), timeout=10000)
    dlg.grab().save(str(tmp_path / "connections.png"))
    qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)
    assert svc.list_connections(ctx) == []
    assert dlg.list.count() == 0


def test_bad_url_is_explained(qtbot: QtBot, ctx: AppContext) -> None:
    dlg = ConnectionsDialog(ctx)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.name_edit, "x")
    qtbot.keyClicks(dlg.url_edit, "not a url")
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    assert "not a database URL" in dlg.status.text()
    box = dlg.findChild(object, "errorBox")
    assert box is not None
    box.close()


def test_results_model_passes_qtmodeltester(qtmodeltester: object) -> None:
    from privdesk.discovery.search import Excluded, Match, SearchError, TableCount, Via
    from privdesk.ui.search_pane import ResultsModel

    model = ResultsModel()
    model.add_match(Match("crm", "customers", {"id": 1}, {"id": 1, "email": "a@example.com"}, ("email",)))
    model.add_match(Match("crm", "orders", {"id": 9}, {"id": 9, "customer_id": 1}, (), Via("customers", {"id": 1}), 1))
    model.mark_more(TableCount("crm", "orders", 1, True))
    model.add_error(SearchError("shop", "The database server cannot be reached."))
    model.add_match(Match("crm", "customers", {"id": 3}, {"id": 3, "phone": "0207"}, ("phone",), role="candidate",
                          reason="the phone matches, but the row holds another e-mail", owner="customer 3"))
    model.add_match(Match("crm", "orders", {"id": 30}, {"id": 30}, (), Via("customers", {"id": 3}), 1,
                          role="candidate", reason="Linked through customer 3", owner="customer 3"))
    model.add_match(Match("crm", "products", {"id": 5}, {"id": 5}, (), Via("orders", {"id": 9}), 2, role="context",
                          reason="Linked through order 9 (catalogue, not personal data)"))
    model.add_excluded(Excluded("crm", "employees", 21, "belong to other people"))
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.rows == 5 and model.table_count() == 2
    assert model.item(0).text() == "crm — 2 rows"
    assert model.item(0).child(1).text() == "orders — 1 row (more rows than the cap)"
    tops = [model.item(r).text() for r in range(model.rowCount())]
    assert tops == ["crm — 2 rows", "shop — 1 error", "Candidates — check before including — 2 rows",
                    "Context — catalogue rows, not the subject's data — 1 row",
                    "Left out — 21 rows of other people, not shown"]
    assert model.unticked() == {("crm", "customers", repr([("id", 3)])), ("crm", "orders", repr([("id", 30)]))}


@pytest.mark.postgres
def test_password_asked_when_no_keyring(qtbot: QtBot, ctx: AppContext, postgres_db: str) -> None:
    import keyring
    from PySide6.QtWidgets import QInputDialog

    from privdesk.discovery import secrets
    from tests.keyring_backend import NoKeyring

    keyring.set_keyring(NoKeyring())
    svc.add_connection(ctx, "pg", postgres_db)
    secrets.forget_session()  # a new session; the server asks for the password, so the pane asks
    pane = _pane(qtbot, ctx)
    pane.email_edit.setText("a@example.com")
    pane.start_search()
    qtbot.waitUntil(lambda: isinstance(getattr(pane, "password_dialog", None), QInputDialog), timeout=10000)
    first = pane.password_dialog
    assert "Enter it for this session" in first.labelText()
    first.setTextValue("not-the-password")  # refused: asked again, not reported at every search
    first.accept()
    qtbot.waitUntil(lambda: pane.password_dialog is not first and pane.password_dialog.isVisible(), timeout=15000)
    again = pane.password_dialog
    assert "Enter the password again" in again.labelText() and "'pg'" in again.labelText()
    assert secrets.get_password("pg") is None
    again.reject()
    assert "no password was given" in pane.status.text()
    qtbot.waitUntil(pane.search_button.isEnabled, timeout=5000)  # the refused round's task has ended
    pane.start_search()
    qtbot.waitUntil(lambda: pane.password_dialog is not again and pane.password_dialog.isVisible(), timeout=15000)
    dlg = pane.password_dialog
    dlg.setTextValue("privdesk-test")
    with qtbot.waitSignal(pane.finished, timeout=15000) as blocker:
        dlg.accept()
    assert secrets.get_password("pg") == "privdesk-test"
    assert not blocker.args[0].errors
    secrets.forget_session()


def test_connection_list_follows_the_registry(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    _company(ctx, tmp_path, "a")
    pane = _pane(qtbot, ctx)
    pane.conn_list.item(0).setCheckState(Qt.CheckState.Unchecked)
    _company(ctx, tmp_path, "b")  # added elsewhere (dialog, demo, command line)
    pane.hide()
    pane.show()
    assert [pane.conn_list.item(i).text() for i in range(pane.conn_list.count())] == ["a", "b"]
    assert pane.selected_connections() == ["b"]


def test_back_to_back_searches(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    """Starting the next search the moment one finishes must work (a script, an impatient officer)."""
    _company(ctx, tmp_path)
    pane = _pane(qtbot, ctx)
    results: list[SearchResult] = []
    for email in ("aisha.khan@example.co.uk", "zoe.odegard@example.com", "james.carter@example.com"):
        pane.email_edit.setText(email)
        with qtbot.waitSignal(pane.finished, timeout=15000) as blocker:
            pane.start_search()
            assert pane.task is not None  # really started, not ignored as "still running"
        results.append(blocker.args[0])
    assert [r.query.emails for r in results] == [("aisha.khan@example.co.uk",), ("zoe.odegard@example.com",),
                                                  ("james.carter@example.com",)]
    assert pane.model.item(0).child(0).child(0).data(KindRole) == "row"
    shown = {pane.model.item(0).child(i).text().split(" — ")[0] for i in range(pane.model.item(0).rowCount())}
    assert shown == {"customers"}  # only the last search's rows (James has no orders)


def test_candidates_apart_and_attach_preview(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    """A customer sharing the subject's phone with another e-mail is shown apart, unticked, with
    the conflict named; what attaching saves and leaves out is shown before the click."""
    import os

    from privdesk.ui.search_pane import CANDIDATES, MatchRole
    from tests.integration.discovery.shop import ANA, ANA_PHONE, build_shop

    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    build_shop(url, declare=True)
    svc.add_connection(ctx, "shop", url)
    svc.get_map(ctx, "shop")
    pane = _pane(qtbot, ctx)
    pane.resize(1280, 760)
    pane.email_edit.setText(ANA)
    pane.phone_edit.setText(ANA_PHONE)
    with qtbot.waitSignal(pane.finished, timeout=15000):
        pane.start_search()
    qtbot.waitUntil(lambda: pane.task is None and not pane._pending, timeout=10000)
    model = pane.model
    tops = {model.item(r).text().split(" — ")[0]: model.item(r) for r in range(model.rowCount())}
    assert list(tops)[0] == "shop"
    cands = tops[CANDIDATES.split(" — ")[0]]
    owner = cands.child(0)
    assert owner.text() == "Perhaps customer 3 (shop)"
    assert "another e-mail" in cands.child(0, COL_WHY).text()
    rows = [owner.child(i) for i in range(owner.rowCount())]
    assert {r.text() for r in rows} >= {"customer 3", "order 30"}
    assert all(r.checkState() == Qt.CheckState.Unchecked for r in rows)
    preview = pane.attach_preview.text()
    assert "Left out: 2 rows of other people; 5 candidate rows not ticked." in preview
    assert "2 rows of table employees belong to other people" in pane.attach_preview.toolTip()
    assert "1 row of table orders is a candidate the officer did not include" in pane.attach_preview.toolTip()
    # untick one of the subject's rows: the preview and the snapshot leave it out, with the reason
    shop = tops["shop"]
    logins = next(shop.child(i) for i in range(shop.rowCount()) if shop.child(i).text().startswith("logins"))
    for i in range(logins.rowCount()):
        logins.child(i).setCheckState(Qt.CheckState.Unchecked)
    assert "2 rows you unticked" in pane.attach_preview.text()
    assert "2 rows of table logins were excluded by the officer" in pane.attach_preview.toolTip()
    snap = pane.snapshot()
    assert snap is not None
    assert not any(m.role == "candidate" for m in snap.matches)
    assert ("logins", 2, "were excluded by the officer") in {(x.table, x.rows, x.reason) for x in snap.excluded}
    # tick the candidate person row: it is attached as the officer chose
    next(r for r in rows if r.text() == "customer 3").setCheckState(Qt.CheckState.Checked)
    snap = pane.snapshot()
    assert snap is not None and {(m.table, m.key["id"]) for m in snap.matches if m.role == "candidate"} == {
        ("customers", 3)}
    # ticking the person ticks all their rows
    owner.setCheckState(Qt.CheckState.Checked)
    assert all(r.checkState() == Qt.CheckState.Checked for r in rows)
    snap = pane.snapshot()
    assert snap is not None and sum(1 for m in snap.matches if m.role == "candidate") == len(rows)
    assert rows[0].data(MatchRole) is not None
    for i in range(model.rowCount()):
        pane.tree.expand(model.index(i, 0))
    pane.tree.expand(owner.index())
    if os.environ.get("PRIVDESK_SHOTS"):
        pane.grab().save(os.path.join(os.environ["PRIVDESK_SHOTS"], "search.png"))


def test_server_error_text_is_not_rich_text(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    """Issue 11 point 5: the server's error text is shown literally, never as markup."""
    hostile = tmp_path / "<img src=x><b>Connected OK<b><table border=1>.db"
    svc.add_connection(ctx, "evil", f"sqlite:///{hostile}")
    dlg = ConnectionsDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    # the map load fails first with the same sentence; then the test gives its own answer
    qtbot.waitUntil(lambda: "does not exist" in dlg.status.text(), timeout=20000)
    qtbot.mouseClick(dlg.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.status.text().startswith("\u2716 "), timeout=20000)
    assert dlg.status.textFormat() == Qt.TextFormat.PlainText
    assert dlg.status.text().startswith("\u2716 ") and "<b>Connected OK<b><table border=1>" in dlg.status.text()
    assert not dlg.status.openExternalLinks()
    dlg.grab().save(str(tmp_path / "hostile-status.png"))
