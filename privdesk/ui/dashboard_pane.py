"""The Dashboard area: the manager's review of the queue at a glance."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.services.context import AppContext
from privdesk.services.dashboard import Dashboard, dashboard
from privdesk.ui.workers import run_task

RED, AMBER, GREEN, BLUE = "#b91c1c", "#b45309", "#15803d", "#1d4ed8"


class Tile(QFrame):
    """One key figure with a caption."""

    def __init__(self, caption: str, colour: str) -> None:
        super().__init__()
        self.setObjectName("tile")
        self.setStyleSheet(
            f"QFrame#tile {{ background: white; border: 1px solid #d1d5db; border-left: 5px solid {colour};"
            " border-radius: 4px; }")
        layout = QVBoxLayout(self)
        self.value = QLabel("–")
        self.value.setStyleSheet(f"font-size: 24pt; font-weight: bold; color: {colour};")
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #374151;")
        self.caption.setWordWrap(True)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)


class DashboardPane(QWidget):
    """Tiles for the numbers a manager asks first, the due dates of the coming weeks and the
    workload per officer. Figures are computed in a worker and refreshed whenever shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: Dashboard | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("<h2>Dashboard</h2>")))
        top.addStretch()
        self.stamp = QLabel()
        self.stamp.setStyleSheet("color: #6b7280;")
        top.addWidget(self.stamp)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)

        tiles = QGridLayout()
        self.tiles = {
            "open": Tile(self.tr("Open requests"), BLUE),
            "overdue": Tile(self.tr("Overdue"), RED),
            "soon": Tile(self.tr("Due within 7 days"), AMBER),
            "unassigned": Tile(self.tr("Open and unassigned"), AMBER),
            "ontime": Tile(self.tr("Answered on time"), GREEN),
        }
        for i, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, i)
        layout.addLayout(tiles)

        middle = QHBoxLayout()
        self.chart = QChart()
        self.chart.setTitle(self.tr("Open requests by the week their deadline falls in (weeks from Monday)"))
        self.chart.legend().hide()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(260)
        middle.addWidget(self.chart_view, 3)

        self.workload = QTableWidget(0, 4)
        self.workload.setObjectName("workloadTable")
        self.workload.setHorizontalHeaderLabels(
            [self.tr("On whose desk"), self.tr("Open"), self.tr("Overdue"), self.tr("Due ≤ 7 days")])
        self.workload.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.workload.verticalHeader().hide()
        self.workload.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        middle.addWidget(self.workload, 2)
        layout.addLayout(middle, 1)

        self.breakdown = QLabel()
        self.breakdown.setObjectName("breakdown")
        self.breakdown.setWordWrap(True)
        self.breakdown.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.breakdown)
        self._timer = QTimer(self)
        self._timer.setInterval(5 * 60 * 1000)
        self._timer.timeout.connect(self.refresh)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        run_task(lambda _control: dashboard(self.ctx), on_done=self.show_data,
                 on_error=lambda exc: self.stamp.setText(self.tr("Could not load: {0}").format(exc)))

    def show_data(self, data: Dashboard) -> None:
        self.data = data
        self.refresh_button.setEnabled(True)
        self.stamp.setText(self.tr("As of {0}").format(data.today.strftime("%d %b %Y")))
        self.tiles["open"].value.setText(str(data.open))
        self.tiles["overdue"].value.setText(str(data.overdue))
        self.tiles["soon"].value.setText(str(data.due_within_7))
        self.tiles["unassigned"].value.setText(str(data.unassigned))
        rate = data.on_time_rate
        self.tiles["ontime"].value.setText("–" if rate is None else f"{rate:.0%}")
        self.tiles["ontime"].caption.setText(
            self.tr("Answered on time ({0} of {1})").format(data.answered_on_time, data.answered))

        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        bars = QBarSet(self.tr("Due"))
        bars.setColor(QColor(BLUE))
        labels = []
        for week in data.weeks:
            bars.append(week.due)
            labels.append(week.start.strftime("%d %b"))
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        self.chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(labels)
        y = QValueAxis()
        y.setRange(0, max([w.due for w in data.weeks] + [1]) * 1.15)
        y.setLabelFormat("%d")
        y.applyNiceNumbers()
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)

        self.workload.setRowCount(len(data.workload))
        for row, w in enumerate(data.workload):
            for col, value in enumerate((w.officer, w.open, w.overdue, w.due_soon)):
                item = QTableWidgetItem(str(value))
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == 2 and w.overdue:
                    item.setForeground(QColor(RED))
                self.workload.setItem(row, col, item)

        def line(title: str, counts: dict[str, int]) -> str:
            parts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
            return f"<b>{title}:</b> {parts or '–'}"

        self.breakdown.setText("<br>".join([
            line(self.tr("Open by type"), data.by_type),
            line(self.tr("Open by law"), {k.upper(): v for k, v in data.by_law.items()}),
            line(self.tr("All by status"), data.by_status),
        ]))
