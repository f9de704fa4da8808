"""The Dashboard area: the manager's review of the queue and of a chosen period.

Every figure, bar and officer row opens the queue filtered to exactly the requests it counts
(:class:`~privdesk.services.dashboard.Drill`); "Save report…" writes the period's compliance
report in a worker.

Signals:
    drill_requested(object, str): a :class:`Drill` and the words describing it, for the queue.
    area_requested(str): another area to show (the breach register from the breach clock).
    report_saved(object): a :class:`~privdesk.services.report.WrittenReport`.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QCursor, QKeyEvent, QMouseEvent, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from privdesk.domain.dashboard import rate_band
from privdesk.domain.periods import DUE_SOON_DAYS, PRESETS, Period, period_between, preset
from privdesk.errors import PrivDeskError
from privdesk.services.context import AppContext
from privdesk.services.dashboard import (
    FIGURE_LABELS,
    Dashboard,
    Drill,
    dashboard,
    law_label,
    type_label,
)
from privdesk.ui.dialogs import show_error
from privdesk.ui.workers import run_task

RED, AMBER, GREEN, BLUE, GREY = "#b91c1c", "#b45309", "#15803d", "#1d4ed8", "#374151"
CUSTOM = "custom"
RATE_COLOURS = {"good": GREEN, "fair": AMBER, "poor": RED, "none": GREY}
# Counts that are news when above zero: (colour then, colour at zero). An extension is lawful, so
# none is neutral rather than good.
WARN_WHEN_ANY = {"overdue": (RED, GREEN), "due_soon": (AMBER, GREEN), "unassigned": (AMBER, GREEN),
                 "closed_late": (RED, GREEN), "extended": (AMBER, GREY)}


class Tile(QFrame):
    """One key figure with a caption; clicking it (or Enter on it) asks for its requests.

    Signals:
        clicked(): the officer wants to see what the figure counts.
    """

    clicked = Signal()

    def __init__(self, caption: str, colour: str, clickable: bool = True) -> None:
        super().__init__()
        self.setObjectName("tile")
        self.value = QLabel("–")
        self.value.setObjectName("tileValue")
        self.caption = QLabel(caption)
        self.caption.setObjectName("tileCaption")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #374151;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        self.value_size = 19
        layout.addWidget(self.value)
        layout.addWidget(self.caption, 1)
        self.clickable = clickable
        if clickable:
            self.setCursor(QCursor(Qt.CursorShape.PointingHandCursor))
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.setToolTip(self.tr("Show these requests in the queue"))
        self.set_colour(colour)

    def set_colour(self, colour: str) -> None:
        self.colour = colour
        self.setStyleSheet(
            f"QFrame#tile {{ background: white; border: 1px solid #d1d5db; border-left: 5px solid {colour};"
            " border-radius: 4px; } QFrame#tile:focus { border: 2px solid #2563eb;"
            f" border-left: 5px solid {colour}; }}")
        self.value.setStyleSheet(f"font-size: {self.value_size}pt; font-weight: bold; color: {colour};")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.clickable and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.clickable and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class DashboardPane(QWidget):
    """Tiles for the figures a manager asks first (now, and in the chosen period), the deadlines
    ahead with an overdue bar, the workload per officer, and the breakdowns. Figures come from a
    worker and are refreshed whenever shown and every five minutes."""

    drill_requested = Signal(object, str)
    area_requested = Signal(str)
    report_saved = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._today = today
        self.data: Dashboard | None = None
        self.last_report: object | None = None
        self._generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(self._build_top())

        grid = QGridLayout()
        grid.setSpacing(6)
        now = [
            ("open", self.tr("Open requests"), BLUE),
            ("overdue", self.tr("Overdue now"), RED),
            ("due_soon", self.tr("Due within {0} days").format(DUE_SOON_DAYS), AMBER),
            ("unassigned", self.tr("Open and unassigned"), AMBER),
            ("deadlines_met", self.tr("Deadlines met"), GREEN),
            ("breach", self.tr("Nearest breach deadline"), GREY),
        ]
        period = [
            ("received", self.tr("Received"), BLUE),
            ("closed_on_time", self.tr("Answered on time"), GREEN),
            ("closed_late", self.tr("Answered late"), RED),
            ("extended", self.tr("Extended"), AMBER),
            ("denied", self.tr("Denied"), GREY),
            ("median", self.tr("Median days to answer"), GREY),
        ]
        self.tiles: dict[str, Tile] = {}
        now_label = QLabel(self.tr("<b>Now</b>"))
        self.period_label = QLabel()
        self.period_label.setObjectName("periodLabel")
        grid.addWidget(now_label, 0, 0, 1, 6)
        for col, (key, caption, colour) in enumerate(now):
            self.tiles[key] = Tile(caption, colour, clickable=key != "deadlines_met")
            grid.addWidget(self.tiles[key], 1, col)
        grid.addWidget(self.period_label, 2, 0, 1, 6)
        for col, (key, caption, colour) in enumerate(period):
            self.tiles[key] = Tile(caption, colour, clickable=key != "median")
            grid.addWidget(self.tiles[key], 3, col)
        for col in range(6):
            grid.setColumnStretch(col, 1)
        layout.addLayout(grid)
        self.tiles["breach"].setToolTip(self.tr("Open the breach register"))
        self.tiles["breach"].value_size = 15
        self.tiles["deadlines_met"].setToolTip(self.tr(
            "Answered on time, out of those answered in the period plus those open past their deadline now"))
        self.tiles["median"].setToolTip(self.tr("Days from receipt to answer, for requests answered in the period"))
        tile_figures = {"open": "open", "overdue": "overdue", "due_soon": "due_soon", "unassigned": "unassigned",
                        "received": "received", "closed_on_time": "closed_on_time", "closed_late": "closed_late",
                        "extended": "extended", "denied": "denied"}
        for key, figure in tile_figures.items():
            self.tiles[key].clicked.connect(lambda f=figure: self.drill(f))
        self.tiles["breach"].clicked.connect(lambda: self.area_requested.emit("breaches"))

        middle = QHBoxLayout()
        self.chart = QChart()
        self.chart.setTitle(self.tr("Open requests by deadline: overdue now, this week, the weeks after"))
        self.chart.legend().hide()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setMargins(self.chart.margins() * 0)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setObjectName("deadlineChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(200)
        self.chart_view.setToolTip(self.tr("Click a bar to see its requests"))
        middle.addWidget(self.chart_view, 2)

        self.workload = QTableWidget(0, 4)
        self.workload.setObjectName("workloadTable")
        self.workload.setHorizontalHeaderLabels(
            [self.tr("On whose desk"), self.tr("Open"), self.tr("Overdue"), self.tr("Due soon")])
        soon_header = self.workload.horizontalHeaderItem(3)
        if soon_header is not None:
            soon_header.setToolTip(self.tr("Due within {0} days").format(DUE_SOON_DAYS))
        header = self.workload.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.workload.verticalHeader().hide()
        self.workload.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.workload.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.workload.setToolTip(self.tr("Click a number to see those requests"))
        self.workload.cellActivated.connect(self._workload_clicked)
        self.workload.cellClicked.connect(self._workload_clicked)
        middle.addWidget(self.workload, 1)
        layout.addLayout(middle, 1)

        self.breakdown = QLabel()
        self.breakdown.setObjectName("breakdown")
        self.breakdown.setWordWrap(True)
        self.breakdown.setTextFormat(Qt.TextFormat.RichText)
        self.breakdown.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                               | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.breakdown.linkActivated.connect(self._link)
        layout.addWidget(self.breakdown)
        self._timer = QTimer(self)
        self._timer.setInterval(5 * 60 * 1000)
        self._timer.timeout.connect(self.refresh)

    def _build_top(self) -> QHBoxLayout:
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("<h2>Dashboard</h2>")))
        top.addStretch()
        top.addWidget(QLabel(self.tr("Period:")))
        self.period_combo = QComboBox()
        self.period_combo.setObjectName("periodCombo")
        for key, label in PRESETS:
            self.period_combo.addItem(self.tr(label), key)
        self.period_combo.addItem(self.tr("Date range…"), CUSTOM)
        top.addWidget(self.period_combo)
        self.from_edit, self.to_edit = QDateEdit(), QDateEdit()
        for edit, name in ((self.from_edit, "periodFrom"), (self.to_edit, "periodTo")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.hide()
        month = preset("this-month", self.today)
        self.from_edit.setDate(QDate(month.start.year, month.start.month, month.start.day))
        self.to_edit.setDate(QDate(month.end.year, month.end.month, month.end.day))
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(lambda _d: self.refresh())
        self.from_edit.setToolTip(self.tr("First day of the period"))
        self.to_edit.setToolTip(self.tr("Last day of the period"))
        self.dash = QLabel("–")
        self.dash.hide()
        top.addWidget(self.from_edit)
        top.addWidget(self.dash)
        top.addWidget(self.to_edit)
        self.period_combo.currentIndexChanged.connect(self._period_changed)
        self.stamp = QLabel()
        self.stamp.setObjectName("stamp")
        self.stamp.setStyleSheet("color: #6b7280;")
        top.addWidget(self.stamp)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        self.save_button = QPushButton(self.tr("Save report…"))
        self.save_button.setObjectName("saveReport")
        self.save_button.setToolTip(self.tr("The period's compliance report as a PDF (or CSV for spreadsheets)"))
        self.save_button.clicked.connect(self._ask_save)
        top.addWidget(self.save_button)
        return top

    # -- period --------------------------------------------------------------------------------
    @property
    def today(self) -> date:
        return self._today or date.today()

    def period(self) -> Period:
        key = self.period_combo.currentData()
        if key == CUSTOM:
            start = self.from_edit.date().toPython()
            end = self.to_edit.date().toPython()
            assert isinstance(start, date) and isinstance(end, date)
            return period_between(start, end, self.today)
        return preset(str(key), self.today)

    def set_period(self, key: str, start: date | None = None, end: date | None = None) -> None:
        """Choose a preset, or ``custom`` with its dates (tests, and a remembered choice)."""
        for edit, value in ((self.from_edit, start), (self.to_edit, end)):
            if value is not None:
                edit.blockSignals(True)
                edit.setDate(QDate(value.year, value.month, value.day))
                edit.blockSignals(False)
        index = self.period_combo.findData(key)
        if index == self.period_combo.currentIndex():
            self.refresh()
        self.period_combo.setCurrentIndex(index)

    def _period_changed(self) -> None:
        custom = self.period_combo.currentData() == CUSTOM
        for w in (self.from_edit, self.dash, self.to_edit):
            w.setVisible(custom)
        self.refresh()

    # -- loading -------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def refresh(self) -> None:
        try:
            period = self.period()
        except PrivDeskError as exc:
            self.stamp.setText(exc.message)
            return
        self.refresh_button.setEnabled(False)
        today = self.today
        self._generation += 1
        generation = self._generation

        def done(data: Dashboard) -> None:
            if generation == self._generation:  # a later choice of period wins over an earlier one
                self.show_data(data)

        run_task(lambda _control: dashboard(self.ctx, today=today, period=period), on_done=done,
                 on_error=self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.stamp.setText(self.tr("Could not load: {0}").format(exc))

    def show_data(self, data: Dashboard) -> None:
        self.data = data
        self.refresh_button.setEnabled(True)
        c = data.counts
        self.stamp.setText(self.tr("As of {0}").format(data.today.strftime("%d %b %Y")))
        self.period_label.setText(self.tr("<b>In the period</b> {0}").format(data.period.describe()))
        for key in ("open", "overdue", "due_soon", "unassigned", "received", "closed_on_time", "closed_late",
                    "extended", "denied"):
            self.tiles[key].value.setText(str(c[key]))
            if key in WARN_WHEN_ANY:  # a warning colour only when there is something to warn about
                self.tiles[key].set_colour(WARN_WHEN_ANY[key][0 if c[key] else 1])
        met = data.deadlines_met_rate
        # no-break spaces: a narrow tile wraps before "(18 of 36)", not inside it ("(90" / "%: 87)")
        self.tiles["deadlines_met"].value.setText("–" if met is None else f"{met:.0%}")
        self.tiles["deadlines_met"].set_colour(RATE_COLOURS[rate_band(met)])
        self.tiles["deadlines_met"].caption.setText(self.tr("Deadlines met ({0}\u00a0of\u00a0{1})").format(
            c["closed_on_time"], c["closed"] + c["overdue"]))
        self.tiles["deadlines_met"].setToolTip(self.tr(
            "{0} answered on time, out of {1} answered in the period plus {2} open past their deadline now. "
            "\"Answered on time\" alone would hide the overdue ones.").format(
                c["closed_on_time"], c["closed"], c["overdue"]))
        rate = data.on_time_rate
        self.tiles["closed_on_time"].set_colour(RATE_COLOURS[rate_band(rate)])
        self.tiles["closed_on_time"].caption.setText(
            self.tr("Answered on time ({0}\u00a0of\u00a0{1} answered)").format(c["closed_on_time"], c["closed"])
            if rate is not None else self.tr("Answered on time (none answered)"))
        median = data.median_days_to_close
        self.tiles["median"].value.setText("–" if median is None else f"{median:g}")
        self.tiles["median"].caption.setText(
            self.tr("Median days to answer (90\u00a0%: {0})").format(data.p90_days_to_close)
            if data.p90_days_to_close is not None else self.tr("Median days to answer"))
        self._show_breach(data)
        self._show_chart(data)
        self._show_workload(data)
        self._show_breakdown(data)

    def _show_breach(self, data: Dashboard) -> None:
        tile, clock = self.tiles["breach"], data.breach_clock
        if clock is None:
            tile.value.setText(self.tr("None"))
            tile.caption.setText(self.tr("No breach notice pending"))
            tile.set_colour(GREEN)
            return
        tile.value.setText(self.tr(clock.left()))
        tile.caption.setText(self.tr("Breach {0}: {1} notice").format(clock.reference, clock.notice.lower()))
        tile.setToolTip(self.tr("{0}. Open the breach register.").format(clock.title))
        tile.set_colour({"red": RED, "amber": AMBER}.get(clock.state, GREY))

    def _show_chart(self, data: Dashboard) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        overdue, due = QBarSet(self.tr("Overdue")), QBarSet(self.tr("Due"))
        overdue.setColor(QColor(RED))
        due.setColor(QColor(BLUE))
        labels = []
        for week in data.weeks:
            overdue.append(week.due if week.overdue else 0)
            due.append(0 if week.overdue else week.due)
            labels.append(self.tr(week.label) if week.start is None or week.label == "This week"
                          else week.label.lstrip("0"))
        series = QStackedBarSeries()
        series.append(overdue)
        series.append(due)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        series.clicked.connect(lambda index, _set: self.drill_week(index))
        series.hovered.connect(self._bar_hovered)
        self.chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(labels)
        font = x.labelsFont()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        x.setLabelsFont(font)
        x.setTruncateLabels(False)
        y = QValueAxis()
        highest = max([w.due for w in data.weeks] + [1])
        step = max(1, math.ceil(highest / 5))
        top = step * math.ceil(highest * 1.1 / step)
        y.setRange(0, top)
        y.setTickCount(top // step + 1)
        y.setLabelFormat("%d")
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)

    def _bar_hovered(self, status: bool, index: int, _bars: QBarSet) -> None:
        if not status or self.data is None or not 0 <= index < len(self.data.weeks):
            QToolTip.hideText()
            return
        week = self.data.weeks[index]
        what = self.tr("overdue now") if week.overdue else self.tr("deadline from {0} to {1}").format(
            week.start, week.end - timedelta(days=1))
        QToolTip.showText(QCursor.pos(), self.tr("{0} open requests, {1}. Click to list them.").format(week.due, what))

    def _show_workload(self, data: Dashboard) -> None:
        self.workload.setRowCount(len(data.workload))
        for row, w in enumerate(data.workload):
            for col, value in enumerate((w.officer, w.open, w.overdue, w.due_soon)):
                item = QTableWidgetItem(str(value))
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == 2 and w.overdue:
                    item.setForeground(QColor(RED))
                self.workload.setItem(row, col, item)

    def _show_breakdown(self, data: Dashboard) -> None:
        def links(title: str, figure: str, field: str, counts: dict[str, int], label: object) -> str:
            parts = ", ".join(f'<a href="{figure}:{field}:{k}">{label(k)}</a>&nbsp;{v}'  # type: ignore[operator]
                              for k, v in counts.items())
            return f"<b>{title}:</b> {parts or '–'}"

        def status_label(s: str) -> str:
            return s.replace("_", " ")

        rates = ", ".join(
            f'<a href="closed:law:{r.key}">{law_label(r.key)}</a>&nbsp;{r.on_time}/{r.closed}'
            + (f' (<a href="closed_late:law:{r.key}" style="color:{RED}">{r.late} late</a>)' if r.late else "")
            for r in data.rates_by_law)
        denied = ", ".join(f"{reason[:40]}{'…' if len(reason) > 40 else ''} ({n})" for reason, n in
                           data.denied_grounds[:2])
        self.breakdown.setToolTip("\n".join(f"Denied ({n}): {reason}" for reason, n in data.denied_grounds))
        self.breakdown.setText("<br>".join([
            links(self.tr("Open by type"), "open", "type", dict(data.open_by_type), type_label),
            links(self.tr("Open by law"), "open", "law", dict(data.open_by_law), law_label),
            links(self.tr("Open by status"), "open", "status", dict(data.open_by_status), status_label),
            f"<b>{self.tr('Answered on time by law')}:</b> {rates or '–'}",
            f"<b>{self.tr('Denied')}:</b> <a href=\"denied::\">{data.counts['denied']}</a>"
            + (f" — {denied}" if denied else "")
            + f" · <b>{self.tr('Withdrawn')}:</b> <a href=\"withdrawn::\">{data.counts['withdrawn']}</a>"
            + f" · <b>{self.tr('Clock stopped')}:</b> <a href=\"paused::\">{data.counts['paused']}</a>",
            self._breach_line(data),
        ]))

    def _breach_line(self, data: Dashboard) -> str:
        """The period's breaches and how their authority notices went (the register has the rest)."""
        notices = Counter(b.notice for b in data.breaches)
        parts = ", ".join(f'<span style="color:{RED if n in ("late", "overdue") else GREY}">{k} {self.tr(n)}</span>'
                          for n, k in sorted(notices.items()))
        return (f"<b>{self.tr('Breaches in the period')}:</b> <a href=\"area:breaches\">{len(data.breaches)}</a>"
                + (f" — {self.tr('authority notice')}: {parts}" if parts else ""))

    # -- drill-down ----------------------------------------------------------------------------
    def drill(self, figure: str, count: int | None = None, what: str = "", **narrow: object) -> Drill | None:
        """Ask for the queue filtered to one figure (optionally narrowed); returns the drill."""
        if self.data is None:
            return None
        drill = self.data.drill(figure, **narrow)
        n = self.data.counts[figure] if count is None else count
        label = FIGURE_LABELS[figure] + (f" — {what}" if what else "")
        if figure not in ("open", "overdue", "due_soon", "unassigned", "paused"):
            label += f", {self.data.period.describe()}"
        text = self.tr("{0}: {1} requests").format(label, n)
        self.drill_requested.emit(drill, text)
        return drill

    def drill_week(self, index: int) -> Drill | None:
        if self.data is None or not 0 <= index < len(self.data.weeks):
            return None
        week = self.data.weeks[index]
        if week.overdue:
            return self.drill("overdue")
        return self.drill("open", week.due, self.tr("deadline from {0} to {1}").format(
            week.start, week.end - timedelta(days=1)), deadline_from=week.start, deadline_before=week.end,
            running=True)

    def _workload_clicked(self, row: int, col: int) -> None:
        if self.data is None or not 0 <= row < len(self.data.workload):
            return
        w = self.data.workload[row]
        figure, count = {2: ("overdue", w.overdue), 3: ("due_soon", w.due_soon)}.get(col, ("open", w.open))
        narrow: dict[str, object] = {"unassigned": True} if w.officer_id is None else {"officer_id": w.officer_id}
        self.drill(figure, count, w.officer, **narrow)

    def _link(self, href: str) -> None:
        if href.startswith("area:"):
            self.area_requested.emit(href.removeprefix("area:"))
            return
        if self.data is None:
            return
        figure, field, value = (href.split(":", 2) + ["", ""])[:3]
        if not field:
            self.drill(figure)
            return
        label = {"law": law_label, "type": type_label}.get(field, lambda s: s.replace("_", " "))(value)
        if figure == "open":
            source = {"type": self.data.open_by_type, "law": self.data.open_by_law,
                      "status": self.data.open_by_status}[field]
            count = source.get(value, 0)
        else:
            rate = next((r for r in self.data.rates_by_law if r.key == value), None)
            count = 0 if rate is None else (rate.late if figure == "closed_late" else rate.closed)
        self.drill(figure, count, label, **{field: value})

    # -- report --------------------------------------------------------------------------------
    def _ask_save(self) -> None:
        p = self.period()
        name = f"compliance-report-{p.start.isoformat()}-to-{p.end.isoformat()}.pdf"
        path, chosen = QFileDialog.getSaveFileName(
            self, self.tr("Save report"), name, self.tr("PDF report (*.pdf);;CSV figures for spreadsheets (*.csv)"))
        if not path:
            return
        wanted = ".csv" if "*.csv" in chosen else ".pdf"
        if not path.lower().endswith((".pdf", ".csv")):
            path += wanted
        self.save_report(path)

    def save_report(self, path: str) -> None:
        """Write the chosen period's report in a worker; the window stays usable meanwhile."""
        from privdesk.services.report import write_report

        try:
            period = self.period()
        except PrivDeskError as exc:
            show_error(self, exc)
            return
        self.save_button.setEnabled(False)
        self.save_button.setText(self.tr("Saving report…"))
        today = self.today
        run_task(lambda _c: write_report(self.ctx, period, path, today=today),
                 on_done=self._report_done, on_error=self._report_failed)

    def _report_done(self, written: object) -> None:
        self.save_button.setEnabled(True)
        self.save_button.setText(self.tr("Save report…"))
        self.last_report = written
        self._status(self.tr("Report saved: {0}").format(getattr(written, "path", "")))
        self.report_saved.emit(written)

    def _report_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.save_button.setText(self.tr("Save report…"))
        show_error(self, exc)

    def _status(self, text: str) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 8000)
