"""The demo in the window: the first request of the queue, "Search this subject", Search, Attach;
and a request whose subject the systems do not know, where the search says it found nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from privdesk.discovery import ownership
from privdesk.services import casefile
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.demo_cast import OPEN_STATES, demo_cases
from privdesk.ui.main_window import MainWindow
from privdesk.ui.requests.pane import RequestsPane
from privdesk.ui.search_pane import SearchPane


def _search_from_request(qtbot: QtBot, win: MainWindow, reference: str) -> SearchPane:
    requests, search = win.pages["requests"], win.pages["search"]
    assert isinstance(requests, RequestsPane) and isinstance(search, SearchPane)
    requests.detail.load(reference)
    qtbot.mouseClick(requests.detail.search_button, Qt.MouseButton.LeftButton)
    assert win.current_area() == "search" and search.attach_ref.currentText() == reference
    with qtbot.waitSignal(search.finished, timeout=20000):
        qtbot.mouseClick(search.search_button, Qt.MouseButton.LeftButton)
    return search


def test_the_first_requests_of_the_queue_search_well(qtbot: QtBot, demo_ctx: AppContext) -> None:
    ctx = demo_ctx
    held = {c.email: c for c in demo_cases()}
    first = rq.list_requests(ctx, rq.RequestQuery(open_only=True), limit=10)  # the queue as it opens
    assert all(held[r.primary_email].has_data for r in first), [r.subject_name for r in first]
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()

    case = held[first[0].primary_email]
    search = _search_from_request(qtbot, win, first[0].reference)
    assert search.result is not None
    subject = [m for m in search.result.matches if m.role == ownership.SUBJECT]
    assert {m.connection for m in subject} == {f"demo-{s}" for s in case.held.systems}
    assert search.attach_button.isEnabled()
    with qtbot.waitSignal(search.attached, timeout=5000):
        qtbot.mouseClick(search.attach_button, Qt.MouseButton.LeftButton)
    _info, snap = casefile.latest_snapshot(ctx, first[0].reference)
    assert snap.row_count == len(subject)

    # one ticket, one agent left out: said in the singular before attaching
    one = next(c for c in demo_cases() if c.held.tickets == 1 and not c.held.namesake and not c.held.partner
               and c.held.first != "Zoë")
    [row] = rq.list_requests(ctx, rq.RequestQuery(text=one.email))
    search = _search_from_request(qtbot, win, row.reference)
    assert search.attach_preview.text().endswith("Left out: 1 row of another person.")

    nobody = next(c for c in demo_cases() if not c.has_data and not c.held.namesake and c.state in OPEN_STATES)
    [row] = rq.list_requests(ctx, rq.RequestQuery(text=nobody.email))
    search = _search_from_request(qtbot, win, row.reference)
    assert search.result is not None and search.result.matches == ()
    assert search.status.text().startswith("Nothing found in 3 connections")
    assert "we hold no data about them" in search.status.text()
