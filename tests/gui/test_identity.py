"""One current officer in the window: shown in title and status bar, used by every area."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from privdesk.services import audit, identity
from privdesk.services.context import AppContext
from privdesk.ui.main_window import MainWindow
from privdesk.ui.requests.pane import RequestsPane


def test_chosen_officer_is_shown_and_recorded_by_every_area(qtbot: QtBot, queue_ctx: AppContext) -> None:
    assert identity.start(queue_ctx) is None  # the test's OS account matches no demo officer
    win = MainWindow(queue_ctx)
    qtbot.addWidget(win)
    assert "none chosen" in win.officer_button.text()
    # no combo box per area that silently picks the first officer
    assert win.findChild(object, "actingAs") is None

    dlg = win.officer_button.choose()
    qtbot.addWidget(dlg)
    rows = [dlg.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dlg.list.count())]
    dlg.list.setCurrentRow(rows.index("jonas.becker@northwind.example"))
    dlg.accept()
    assert win.officer_button.text() == "Officer: Jonas Becker"
    assert win.windowTitle().endswith("Jonas Becker")

    requests = win.pages["requests"]
    assert isinstance(requests, RequestsPane)
    assert requests.actor() == "jonas.becker@northwind.example"
    from privdesk.ui.breaches.dialogs import NewBreachDialog

    breach_dlg = NewBreachDialog(queue_ctx, win)
    qtbot.addWidget(breach_dlg)
    assert breach_dlg.ctx.actor() == "jonas.becker@northwind.example"
    row = requests.model.row_at(0)
    assert row is not None
    from privdesk.services import requests as svc

    svc.add_note(queue_ctx, row.reference, "Called the subject.", requests.actor())
    last = audit.history(queue_ctx, "request", row.reference)[-1]
    assert (last.action, last.actor) == ("note", "jonas.becker@northwind.example")


def test_search_area_alone_records_the_current_officer(qtbot: QtBot, queue_ctx: AppContext) -> None:
    from privdesk.ui.search_pane import SearchPane

    identity.choose(queue_ctx, "priya.natarajan@northwind.example")
    pane = SearchPane(queue_ctx)  # opened without the requests area
    qtbot.addWidget(pane)
    assert pane.actor() == "priya.natarajan@northwind.example"
