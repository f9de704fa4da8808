"""From a request to the search and back: prefilled identifiers, Attach to request, the case
file updated, the audit trail written."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from privdesk.services import audit, casefile
from privdesk.services import discovery as ds
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.demo import seed_profile
from privdesk.ui.main_window import MainWindow
from privdesk.ui.requests.pane import RequestsPane
from privdesk.ui.search_pane import SearchPane


def test_search_a_requests_subject_and_attach(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    seed_profile(ctx)
    crm = tmp_path / "crm.sqlite"
    with sqlite3.connect(crm) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, phone TEXT)")
        c.executemany("INSERT INTO customers VALUES (?,?,?,?)", [
            (1, "James Carter", "JAMES.CARTER@example.com", "(415) 555-0142"),
            (2, "Jane Doe", "jane@example.com", "+1 415 555 0199"),
        ])
    ds.add_connection(ctx, "crm", f"sqlite:///{crm}")
    ref = rq.open_request(ctx, rq.NewRequest(type="access", law="ccpa", received=date.today(), name="James Carter",
                                             emails=("james.carter@example.com",)), actor="t").reference

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    requests = win.pages["requests"]
    search = win.pages["search"]
    assert isinstance(requests, RequestsPane) and isinstance(search, SearchPane)
    requests.detail.load(ref)
    qtbot.mouseClick(requests.detail.search_button, Qt.MouseButton.LeftButton)
    assert win.current_area() == "search"
    assert search.email_edit.text() == "james.carter@example.com"
    assert search.attach_ref.currentText() == ref
    assert not search.attach_button.isEnabled(), "nothing to attach before a search"

    with qtbot.waitSignal(search.finished, timeout=15000):
        qtbot.mouseClick(search.search_button, Qt.MouseButton.LeftButton)
    assert search.attach_button.isEnabled()
    with qtbot.waitSignal(search.attached, timeout=5000):
        qtbot.mouseClick(search.attach_button, Qt.MouseButton.LeftButton)

    info, snap = casefile.latest_snapshot(ctx, ref)
    assert [m.row["full_name"] for m in snap.matches] == ["James Carter"]
    assert info.attached_by == requests.actor()
    assert any(e.action == "attach_search" for e in audit.history(ctx, "request", ref))
    assert "1 rows" in requests.detail.snapshot_label.text()
    assert requests.detail.export_button.isEnabled()
