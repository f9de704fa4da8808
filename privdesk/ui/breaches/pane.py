"""The Breaches area: the register with its clocks beside the selected breach's detail."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QThreadPool, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from privdesk.errors import PrivDeskError
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from privdesk.ui.breaches.detail import BreachDetailView
from privdesk.ui.breaches.dialogs import NewBreachDialog
from privdesk.ui.breaches.model import (
    COL_AWARE,
    COL_CLOCK,
    COL_REFERENCE,
    COL_TITLE,
    BreachTableModel,
)
from privdesk.ui.dialogs import show_error
from privdesk.ui.empty import set_empty_text

CLOCK_FILTERS = (("All clocks", ""), ("Late", "late"), ("Due within 24 h or late", "due-soon"),
                 ("Notice pending", "pending"))


class BreachesPane(QWidget):
    """The register (Art. 33(5)): every breach with the clock of its most urgent notice, to the
    minute, amber within 24 hours and red when late; refreshed every minute."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.now: datetime | None = None  # tests freeze the clock
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("<h2>Breaches</h2>")))
        top.addStretch()
        self.new_button = QPushButton(self.tr("Record a breach…"))
        self.new_button.setObjectName("newBreachButton")
        self.new_button.clicked.connect(lambda: self.new_breach())
        self.export_button = QPushButton(self.tr("Export register…"))
        self.export_button.setObjectName("exportButton")
        self.export_button.clicked.connect(lambda: self.export_register())
        top.addWidget(self.new_button)
        top.addWidget(self.export_button)
        layout.addLayout(top)
        filters = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setObjectName("breachFilter")
        self.filter.setPlaceholderText(self.tr("Filter by reference or title"))
        self.filter.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        for label, value in (("Open and contained", "active"), ("All statuses", ""), ("Open", "open"),
                             ("Contained", "contained"), ("Closed", "closed")):
            self.status_filter.addItem(self.tr(label), value)
        self.risk_filter = QComboBox()
        self.risk_filter.setObjectName("riskFilter")
        for label, value in (("Any risk", ""), ("High risk", "high"), ("Risk", "risk"), ("None", "none")):
            self.risk_filter.addItem(self.tr(label), value)
        self.clock_filter = QComboBox()
        self.clock_filter.setObjectName("clockFilter")
        for label, value in CLOCK_FILTERS:
            self.clock_filter.addItem(self.tr(label), value)
        filters.addWidget(self.filter, 1)
        for w in (self.status_filter, self.risk_filter, self.clock_filter):
            filters.addWidget(w)
        layout.addLayout(filters)
        self.model = BreachTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("breachTable")
        self.table.setModel(self.model)
        set_empty_text(self.table, self.tr("No breaches match these filters. When you learn of a breach, "
                                           "press Record a breach… — the 72-hour clock starts from when "
                                           "the organisation became aware."))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_CLOCK, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        for col in (COL_REFERENCE, COL_AWARE, COL_CLOCK):
            self.table.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.detail = BreachDetailView(ctx, self, pool=pool)
        self.detail.changed.connect(lambda _ref: self.refresh())
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)
        self.summary = QLabel()
        self.summary.setObjectName("registerSummary")
        layout.addWidget(self.summary)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.filter.textChanged.connect(lambda _t: self.refresh())
        for combo in (self.status_filter, self.risk_filter, self.clock_filter):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.timer = QTimer(self)
        self.timer.setInterval(60_000)  # the clocks are shown to the minute
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def set_now(self, now: datetime | None) -> None:
        """Freeze the clock (tests, screenshots); None follows the real time again."""
        self.now = now
        self.detail.now = now
        self.refresh()

    def query(self) -> svc.BreachQuery:
        status = self.status_filter.currentData()
        return svc.BreachQuery(text=self.filter.text(), status="" if status in ("", "active") else status,
                               include_closed=status != "active", risk=self.risk_filter.currentData(),
                               clock=self.clock_filter.currentData())

    def refresh(self) -> None:
        selected = self.selected_reference()
        try:
            rows = svc.list_breaches(self.ctx, self.query(), now=self.now)
        except PrivDeskError as exc:
            show_error(self, exc)
            return
        self.model.set_rows(rows, self.now)
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        late = sum(1 for r in rows if r.clock_state == "red")
        soon = sum(1 for r in rows if r.clock_state == "amber")
        self.summary.setText(self.tr("{0} breaches shown · {1} late · {2} due within 24 h").format(len(rows), late, soon))
        if selected:
            self.select(selected)
        elif self.detail.detail is not None:
            self.detail.show_breach(None)

    def selected_reference(self) -> str | None:
        idx = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not idx:
            return None
        row = self.model.row_at(idx[0].row())
        return row.reference if row else None

    def select(self, reference: str) -> bool:
        for i, r in enumerate(self.model.rows):
            if r.reference == reference:
                self.table.selectRow(i)
                if self.detail.detail is None or self.detail.detail.reference != reference:
                    self.detail.show_breach(reference)
                return True
        self.detail.show_breach(None)
        return False

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        ref = self.selected_reference()
        if ref and (self.detail.detail is None or self.detail.detail.reference != ref):
            self.detail.show_breach(ref)

    def new_breach(self) -> NewBreachDialog:
        dlg = NewBreachDialog(self.ctx, self, now=self.now)
        dlg.recorded.connect(self._recorded)
        dlg.open()
        return dlg

    def _recorded(self, detail: svc.BreachDetail) -> None:
        self.refresh()
        self.select(detail.reference)

    def export_register(self, path: Path | None = None) -> int | None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Export the breach register"),
                                                    "breach-register.csv", "CSV (*.csv)")
            if not chosen:
                return None
            path = Path(chosen)
        try:
            n = svc.export_register(self.ctx, path, now=self.now)
        except PrivDeskError as exc:
            show_error(self, exc)
            return None
        self.summary.setText(self.tr("{0} breaches exported to {1}").format(n, path))
        return n

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def current_index(self) -> QModelIndex:
        return self.model.index(0, COL_REFERENCE)
