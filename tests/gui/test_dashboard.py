"""The Dashboard area: figures of a chosen period, drill-down into the queue (the count shown is
the count listed), the breach clock in the status bar, and "Save report…" in a worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from privdesk.services.context import AppContext
from privdesk.services.dashboard import nearest_breach_clock
from privdesk.ui.dashboard_pane import AMBER, BLUE, GREY, RED, DashboardPane
from privdesk.ui.main_window import MainWindow
from privdesk.ui.requests.pane import RequestsPane
from tests.integration.dashboard.conftest import OCTOBER, TODAY, Case, seed_case


@pytest.fixture
def case(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[Case]:
    monkeypatch.setenv("TZ", "UTC")
    yield seed_case(ctx)


def show_october(qtbot: QtBot, pane: DashboardPane) -> None:
    pane._today = TODAY
    pane.set_period("custom", OCTOBER.start, OCTOBER.end)
    qtbot.waitUntil(lambda: pane.data is not None and pane.data.period.start == OCTOBER.start
                    and pane.data.today == TODAY, timeout=5000)


def test_pane_shows_the_period_and_does_not_reassure_falsely(qtbot: QtBot, case: Case) -> None:
    pane = DashboardPane(case.ctx, today=TODAY)
    qtbot.addWidget(pane)
    pane.resize(1100, 720)
    pane.show()
    show_october(qtbot, pane)
    assert pane.from_edit.isVisible() and pane.to_edit.isVisible()
    t = {k: tile.value.text() for k, tile in pane.tiles.items()}
    assert (t["open"], t["overdue"], t["due_soon"], t["received"], t["closed_on_time"], t["closed_late"]) == (
        "5", "1", "1", "6", "2", "1")
    assert t["deadlines_met"] == "50%" and pane.tiles["deadlines_met"].caption.text() == "Deadlines met (2\u00a0of\u00a04)"
    assert pane.tiles["closed_on_time"].caption.text() == "Answered on time (2\u00a0of\u00a03 answered)"
    # colours say how good a figure is: 50 % met is red, not green; counts warn only above zero
    colours = {k: tile.colour for k, tile in pane.tiles.items()}
    assert colours["deadlines_met"] == RED and RED in pane.tiles["deadlines_met"].value.styleSheet()
    assert (colours["overdue"], colours["due_soon"], colours["closed_late"]) == (RED, AMBER, RED)
    assert colours["closed_on_time"] == RED  # 2 of 3 answered on time is 67 %
    assert colours["open"] == BLUE and colours["median"] == GREY
    assert t["median"] == "25"
    series = pane.chart.series()[0]
    overdue_bar, due_bars = series.barSets()
    assert overdue_bar.label() == "Overdue" and overdue_bar.at(0) == 1 and due_bars.at(0) == 0
    assert pane.workload.item(0, 0).text() == "Olga Reviewer" and pane.workload.item(0, 2).text() == "1"
    assert 'href="open:law:uk-gdpr">UK GDPR</a>&nbsp;1' in pane.breakdown.text()
    assert 'href="area:breaches">2</a>' in pane.breakdown.text() and "1 late" in pane.breakdown.text()


def test_every_figure_opens_the_queue_with_its_count(qtbot: QtBot, case: Case) -> None:
    win = MainWindow(case.ctx)
    qtbot.addWidget(win)
    win.show()
    pane = win.show_area("dashboard")
    assert isinstance(pane, DashboardPane)
    show_october(qtbot, pane)
    requests = win.pages["requests"]
    assert isinstance(requests, RequestsPane)
    data = pane.data
    assert data is not None

    def queue_count() -> int:
        return requests.model.rowCount()

    for key in ("open", "overdue", "due_soon", "unassigned", "received", "closed_on_time", "closed_late",
                "extended", "denied"):
        win.show_area("dashboard")
        qtbot.mouseClick(pane.tiles[key], Qt.MouseButton.LeftButton)
        assert win.current_area() == "requests"
        assert queue_count() == data.counts[key], key
        assert requests.drill_banner.isVisible()
        assert f": {data.counts[key]} requests" in requests.drill_banner.label.text()
    for index, week in enumerate(data.weeks):
        pane.drill_week(index)
        assert queue_count() == week.due, week.label
    for row, w in enumerate(data.workload):
        for col, expected in ((1, w.open), (2, w.overdue), (3, w.due_soon)):
            pane.workload.cellClicked.emit(row, col)
            assert queue_count() == expected, (w.officer, col)
    win.show_area("dashboard")
    pane.tiles["overdue"].setFocus()
    qtbot.keyClick(pane.tiles["overdue"], Qt.Key.Key_Return)  # tiles work from the keyboard too
    assert win.current_area() == "requests" and queue_count() == data.counts["overdue"]
    pane.breakdown.linkActivated.emit("closed_late:law:gdpr")
    assert [requests.model.row_at(0).reference] == [case.refs["B"]]  # type: ignore[union-attr]
    qtbot.mouseClick(requests.drill_banner.clear_button, Qt.MouseButton.LeftButton)
    assert not requests.drill_banner.isVisible() and requests.model.query.drill is None
    assert requests.model.query.open_only and queue_count() == data.counts["open"]


def test_breach_clock_badge_in_the_status_bar(qtbot: QtBot, case: Case) -> None:
    win = MainWindow(case.ctx)
    qtbot.addWidget(win)
    win.show()
    win.show_area("requests")
    clock = nearest_breach_clock(case.ctx)
    assert clock is not None and clock.reference == "BR-2026-0003"
    qtbot.waitUntil(lambda: any(w.objectName() == "statusBreachBadge" and w.isVisible()
                                for w in win.statusBar().findChildren(QLabel)), timeout=3000)
    badge = next(w for w in win.statusBar().findChildren(QLabel) if w.objectName() == "statusBreachBadge")
    assert badge.text().startswith("Breach BR-2026-0003, authority:")
    colour = {"red": "#b91c1c", "amber": "#b45309"}.get(clock.state, "#374151")
    assert colour in badge.styleSheet()
    due = next(w for w in win.statusBar().findChildren(QLabel) if w.objectName() == "statusDueBadge")
    assert "due within 7 days" in due.text()
    requests = win.pages["requests"]
    assert isinstance(requests, RequestsPane) and requests.last_summary is not None
    assert "Breach BR-2026-0003" in requests._summary_text(requests.last_summary)  # the hourly reminder


def test_save_report_runs_in_a_worker(qtbot: QtBot, case: Case, tmp_path: Path) -> None:
    pane = DashboardPane(case.ctx, today=TODAY)
    qtbot.addWidget(pane)
    pane.show()
    show_october(qtbot, pane)
    target = tmp_path / "october.pdf"
    with qtbot.waitSignal(pane.report_saved, timeout=20000) as blocker:
        pane.save_report(str(target))
        assert not pane.save_button.isEnabled()
    assert blocker.args[0].path == target and pane.save_button.isEnabled()
    text = " ".join((p.extract_text() or "") for p in PdfReader(target).pages)
    assert "Compliance report" in text and case.refs["B"] in text


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_dashboard_renders_at_both_sizes(qtbot: QtBot, case: Case, size: tuple[int, int]) -> None:
    win = MainWindow(case.ctx)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    pane = win.show_area("dashboard")
    assert isinstance(pane, DashboardPane)
    show_october(qtbot, pane)
    qtbot.wait(300)  # let the layout settle around the new texts before measuring
    for tile in pane.tiles.values():
        assert tile.isVisible() and tile.width() >= 80
        assert tile.caption.sizeHint().width() <= tile.caption.width() or tile.caption.wordWrap()
    image = win.grab()
    assert (image.width(), image.height()) == size
    image.save(str(Path(case.ctx.paths.data_dir) / f"dashboard-{size[0]}.png"))
    assert date.today() is not None
