"""The manager's dashboard: figures from SQL, shown in tiles, a chart and a workload table."""

from __future__ import annotations

from datetime import date, timedelta

from pytestqt.qtbot import QtBot

from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.dashboard import dashboard
from privdesk.ui.dashboard_pane import DashboardPane


def seed(ctx: AppContext, today: date) -> None:
    def new(name: str, received: date, law: str = "gdpr") -> str:
        return rq.open_request(ctx, rq.NewRequest(type="access", law=law, received=received, name=name,
                                                  emails=(f"{name.split()[0].lower()}@example.com",)),
                               actor="test", today=today).reference

    new("Ada Late", today - timedelta(days=60))            # overdue (one month long gone)
    new("Ben Soon", today - timedelta(days=27))            # due within a week
    new("Cy Later", today - timedelta(days=2))             # due in about a month
    done = new("Dee Done", today - timedelta(days=10))
    rq.change_status(ctx, done, "in_progress", actor="test")
    rq.complete(ctx, done, reason="All data sent", actor="test", today=today)


def test_dashboard_figures(ctx: AppContext) -> None:
    today = date(2026, 11, 25)
    seed(ctx, today)
    d = dashboard(ctx, today=today)
    assert d.open == 3
    assert d.overdue == 1
    assert d.due_within_7 == 1
    assert d.unassigned == 3
    assert (d.answered, d.answered_on_time, d.on_time_rate) == (1, 1, 1.0)
    assert d.by_type == {"access": 3}
    assert sum(w.due for w in d.weeks) == 2  # the overdue one is before this week
    assert [w.officer for w in d.workload] == ["Unassigned"]
    assert d.workload[0].overdue == 1


def test_dashboard_pane_shows_the_figures(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx, date.today())
    pane = DashboardPane(ctx)
    qtbot.addWidget(pane)
    pane.resize(1100, 700)
    pane.show()
    qtbot.waitUntil(lambda: pane.data is not None, timeout=5000)
    assert pane.tiles["open"].value.text() == "3"
    assert pane.tiles["overdue"].value.text() == "1"
    assert pane.tiles["ontime"].value.text() == "100%"
    assert pane.workload.rowCount() == 1 and pane.workload.item(0, 0).text() == "Unassigned"
    assert len(pane.chart.series()) == 1
    assert "access 3" in pane.breakdown.text()
