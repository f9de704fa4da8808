"""The queue model: SQL paging behind QAbstractTableModel, colours, sorting and filtering."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.ui.requests.queue_model import (
    COL_DAYS,
    COL_DUE,
    COL_REFERENCE,
    COL_STATUS,
    COL_SUBJECT,
    OVERDUE,
    PAUSED,
    SOON,
    QueueModel,
    RequestRole,
    SortRole,
)

ACTOR = "dpo@northwind.example"




def test_qtmodeltester_on_paged_model(qtmodeltester: ModelTester, queue_ctx: AppContext) -> None:
    model = QueueModel(queue_ctx, page_size=7, max_pages=3)
    qtmodeltester.check(model)
    model.sort(COL_SUBJECT, Qt.SortOrder.DescendingOrder)
    model.set_filter(svc.RequestQuery(text="a"))
    qtmodeltester.check(model)


def test_rows_come_from_sql_pages(queue_ctx: AppContext) -> None:
    model = QueueModel(queue_ctx, page_size=25, max_pages=2)
    total = svc.count_requests(queue_ctx)
    assert model.rowCount() == total and model.columnCount() == 9
    assert model.page_loads == 0  # nothing fetched until a row is painted
    first = model.data(model.index(0, COL_REFERENCE))
    assert model.page_loads == 1
    last = model.data(model.index(total - 1, COL_REFERENCE))
    assert model.page_loads == 2 and first != last
    model.data(model.index(30, COL_REFERENCE))
    assert model.page_loads == 3 and len(model._pages) == 2  # bounded cache
    assert model.headerData(COL_DUE, Qt.Orientation.Horizontal) == "Due"


def test_sort_and_filter_are_pushed_to_sql(queue_ctx: AppContext) -> None:
    model = QueueModel(queue_ctx)
    model.sort(COL_DUE, Qt.SortOrder.AscendingOrder)
    dues = [model.data(model.index(r, COL_DUE), SortRole) for r in range(model.rowCount())]
    assert dues == sorted(dues)
    model.sort(COL_DUE, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, COL_DUE), SortRole) == dues[-1]
    model.set_filter(svc.RequestQuery(text="ødegård"))
    assert model.rowCount() == 1
    assert model.data(model.index(0, COL_SUBJECT)) == "Zoë Ødegård"
    assert model.query.descending  # a new filter keeps the sort
    model.set_filter(svc.RequestQuery(overdue=True))
    assert model.rowCount() == svc.due_summary(queue_ctx).overdue > 0
    row = model.data(model.index(0, COL_DAYS), RequestRole)
    assert isinstance(row, svc.RequestRow) and row.days_left() < 0
    assert model.data(model.index(0, COL_DAYS), SortRole) == row.days_left()


def test_days_left_colours(ctx: AppContext) -> None:
    today = date.today()

    def add(name: str, law: str, days_ago: int, email: str) -> str:
        return svc.open_request(ctx, svc.NewRequest(type="access", law=law, received=today - timedelta(days=days_ago),
                                                    name=name, emails=(email,)), ACTOR).reference

    overdue = add("Late Person", "gdpr", 60, "late@example.com")
    soon = add("Soon Person", "ccpa", 40, "soon@example.com")
    later = add("Calm Person", "ccpa", 1, "calm@example.com")
    paused = add("Waiting Person", "uk-gdpr", 2, "wait@example.com")
    closed = add("Done Person", "gdpr", 60, "done@example.com")
    svc.withdraw(ctx, closed, ACTOR)
    model = QueueModel(ctx)
    model.sort(COL_REFERENCE, Qt.SortOrder.AscendingOrder)
    by_ref = {model.data(model.index(r, COL_REFERENCE)): r for r in range(model.rowCount())}

    def colour(ref: str) -> object:
        brush = model.data(model.index(by_ref[ref], COL_DAYS), Qt.ItemDataRole.ForegroundRole)
        return brush.color() if isinstance(brush, QBrush) else None

    assert colour(overdue) == OVERDUE
    assert colour(soon) == SOON
    assert colour(later) is None
    assert colour(paused) == PAUSED
    assert model.data(model.index(by_ref[paused], COL_DAYS)) == "paused"
    assert colour(closed) is None and model.data(model.index(by_ref[closed], COL_DAYS)) == "—"
    assert model.data(model.index(by_ref[closed], COL_STATUS)) == "Withdrawn"
    assert int(model.data(model.index(by_ref[overdue], COL_DAYS))) < 0


def test_painted_rows_follow_the_day_and_the_database(ctx: AppContext) -> None:
    """A row's texts are worked out once per paint cycle, not per cell: a new day, an edit read
    back by refresh and a row paged out and in again each show what is true now."""
    received = date(2026, 3, 2)
    ref = svc.open_request(ctx, svc.NewRequest(type="access", law="gdpr", received=received,
                                               name="Day Person", emails=("day@example.com",)), ACTOR).reference
    model = QueueModel(ctx, today=received + timedelta(days=1))
    row = next(r for r in range(model.rowCount()) if model.data(model.index(r, COL_REFERENCE)) == ref)
    before = int(model.data(model.index(row, COL_DAYS)))
    assert model.data(model.index(row, COL_DAYS), Qt.ItemDataRole.ForegroundRole) is None
    model._today = received + timedelta(days=40)  # weeks later, the same model
    assert int(model.data(model.index(row, COL_DAYS))) == before - 39
    assert model.data(model.index(row, COL_DAYS), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(row, COL_DAYS), Qt.ItemDataRole.TextAlignmentRole) is not None
    assert model.data(model.index(row, COL_DAYS), Qt.ItemDataRole.DecorationRole) is None
    assert model.data(model.index(row, COL_STATUS)) == "Received"
    svc.withdraw(ctx, ref, ACTOR)
    assert model.data(model.index(row, COL_STATUS)) == "Received"  # not re-read until refreshed
    model.refresh()
    assert model.data(model.index(row, COL_STATUS)) == "Withdrawn"
    assert model.data(model.index(row, COL_DAYS)) == "—"
    assert model.data(model.index(row, COL_SUBJECT), Qt.ItemDataRole.ToolTipRole) == "Day Person — day@example.com"


def test_model_in_a_view(qtbot: QtBot, queue_ctx: AppContext) -> None:
    from PySide6.QtWidgets import QTableView

    view = QTableView()
    qtbot.addWidget(view)
    model = QueueModel(queue_ctx, page_size=50)
    view.setModel(model)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: model.page_loads >= 1)
    view.grab()
    assert model.page_loads == 1  # only the visible page
