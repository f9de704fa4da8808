"""The Requests area: the queue, its filter bar, the detail pane, bulk actions and reminders.

Keyboard first: Ctrl+N opens a new request, Ctrl+F jumps to the search box, Enter opens the
selected row in the detail pane. Overdue and nearly-due requests are announced at start-up and
every hour, in the status bar and, where the desktop has one, as a system-tray message.

Signals:
    announced(object): a :class:`DueSummary` was announced.
    search_requested(object): the detail pane's "Search this subject" (a :class:`RequestDetail`).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStyle,
    QSystemTrayIcon,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from privdesk.domain.requests import Status
from privdesk.errors import PrivDeskError
from privdesk.services import dashboard as dash
from privdesk.services import requests as svc
from privdesk.services import settings as settings_svc
from privdesk.services.context import AppContext
from privdesk.ui.columns import ColumnPriorities
from privdesk.ui.dialogs import show_error
from privdesk.ui.empty import set_empty_text
from privdesk.ui.requests.drill_banner import DrillBanner
from privdesk.ui.requests.filter_bar import FilterBar
from privdesk.ui.requests.queue_model import (
    COL_ASSIGNEE,
    COL_DAYS,
    COL_DUE,
    COL_LAW,
    COL_RECEIVED,
    COL_REFERENCE,
    COL_STATUS,
    COL_SUBJECT,
    COL_TYPE,
    COLUMNS,
    QueueModel,
    status_label,
)
from privdesk.ui.vocabulary import NO_REQUEST_SELECTED

if TYPE_CHECKING:  # the dialogs and the intake parsers load when first used, not before the first paint
    from privdesk.services import intake
    from privdesk.ui.requests.detail_pane import DetailPane
    from privdesk.ui.requests.new_request_dialog import NewRequestDialog

log = logging.getLogger("privdesk.ui.requests")

ANNOUNCE_INTERVAL_MS = 60 * 60 * 1000
BADGE_INTERVAL_MS = 5 * 60 * 1000
BADGE_STYLE = " color:white; border-radius:9px; padding:2px 8px; font-weight:bold;"
BREACH_COLOURS = {"red": "#b91c1c", "amber": "#b45309"}
DETAIL_MIN_WIDTH = 360


class _NoRequestSelected(QWidget):
    """What the detail pane shows before a request is chosen, without building the pane."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumWidth(DETAIL_MIN_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        label = QLabel(self.tr(NO_REQUEST_SELECTED))
        label.setObjectName("detailTitle")
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addStretch(1)


class _EnterFilter(QObject):
    """Enter/Return on the table opens the current row (QTableView would otherwise ignore it)."""

    def __init__(self, pane: RequestsPane) -> None:
        super().__init__(pane)
        self.pane = pane

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.pane.open_current()
                return True
        return False


class RequestsPane(QWidget):
    announced = Signal(object)
    search_requested = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._today = today
        self.tray: QSystemTrayIcon | None = None
        self._badge_installed = False
        self.last_summary: dash.Reminder | None = None
        officers = settings_svc.list_officers(ctx)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        header = QHBoxLayout()
        title = QLabel(self.tr("<h2>Requests</h2>"))
        header.addWidget(title)
        header.addStretch(1)
        self.badge = QLabel()
        self.badge.setObjectName("dueBadge")
        header.addWidget(self.badge)
        self.new_button = QToolButton()
        self.new_button.setObjectName("newRequestButton")
        self.new_button.setText(self.tr("New request"))
        self.new_button.setToolTip(self.tr("New request (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_request)
        header.addWidget(self.new_button)
        self.import_button = QToolButton()
        self.import_button.setObjectName("importButton")
        self.import_button.setText(self.tr("Import…"))
        self.import_button.clicked.connect(self.import_files)
        header.addWidget(self.import_button)
        self.bulk_button = QToolButton()
        self.bulk_button.setObjectName("bulkButton")
        self.bulk_button.setText(self.tr("Bulk actions"))
        self.bulk_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bulk_menu = QMenu(self.bulk_button)
        self.bulk_button.setMenu(self.bulk_menu)
        self._build_bulk_menu()
        header.addWidget(self.bulk_button)
        layout.addLayout(header)

        self.filter_bar = FilterBar([(o.id, o.name) for o in officers if o.id is not None])
        layout.addWidget(self.filter_bar)
        self.drill_banner = DrillBanner()
        self.drill_banner.cleared.connect(self.clear_drill)
        layout.addWidget(self.drill_banner)

        self.model = QueueModel(ctx, today=today, parent=self)
        self.model.set_filter(self.filter_bar.query())
        self.model.sort(COL_DUE, Qt.SortOrder.AscendingOrder)
        self.view = QTableView()
        self.view.setObjectName("queueView")
        self.view.setModel(self.model)
        set_empty_text(self.view, self.tr("No requests match these filters. Clear the search box or choose "
                                          "other filters; New request (Ctrl+N) or Import… adds requests."))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(COL_DUE, Qt.SortOrder.AscendingOrder)
        self.view.verticalHeader().setVisible(False)
        # Fixed row heights: the view never measures 100,000 rows.
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        fm = self.view.fontMetrics()
        for col, sample in enumerate(("DSR-2026-0000", "Zoë Ødegård-Wróbel", "Rectification", "CCPA/CPRA",
                                      "2026-12-31", "2026-12-31", "paused", "In progress", "Priya N.")):
            heading = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            self.view.setColumnWidth(col, max(fm.horizontalAdvance(sample), fm.horizontalAdvance(heading) + 14) + 14)
        # narrow window: Received, Law and Type give way before Due, Days left, Status, Assignee
        self.columns = ColumnPriorities(self.view, [COL_REFERENCE, COL_SUBJECT, COL_DUE, COL_DAYS, COL_STATUS,
                                                    COL_ASSIGNEE, COL_TYPE, COL_LAW, COL_RECEIVED],
                                         flexible=COL_SUBJECT)
        self.view.installEventFilter(_EnterFilter(self))
        self.view.doubleClicked.connect(lambda _i: self.open_current())

        # The detail pane (two dozen fields, the case file, the timeline) is built when the first
        # request is shown; until then a label says what the empty pane would say.
        self._detail: DetailPane | None = None
        self._no_detail = _NoRequestSelected()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self._no_detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([900, 360])
        layout.addWidget(self.splitter, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        layout.addWidget(self.count_label)

        self.filter_bar.changed.connect(self.apply_filter)
        self.filter_bar.text.returnPressed.connect(self.filter_bar.flush)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._update_count)
        self._update_count()

        QShortcut(QKeySequence.StandardKey.New, self, self.new_request,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence.StandardKey.Find, self, self.filter_bar.focus_text,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.announce_timer = QTimer(self)
        self.announce_timer.setInterval(ANNOUNCE_INTERVAL_MS)
        self.announce_timer.timeout.connect(self._hourly)
        self.announce_timer.start()
        self.badge_timer = QTimer(self)
        self.badge_timer.setInterval(BADGE_INTERVAL_MS)
        self.badge_timer.timeout.connect(lambda: self.announce(notify=False))
        self.badge_timer.start()
        QTimer.singleShot(0, self, self._announce_at_start)

    @property
    def detail(self) -> DetailPane:
        """The selected request's detail, built on first use (the start-up shows an empty one)."""
        if self._detail is None:
            from privdesk.ui.requests.detail_pane import DetailPane

            detail = DetailPane(self.ctx, self.actor)
            detail.setObjectName("detailPane")
            detail.setMinimumWidth(DETAIL_MIN_WIDTH)
            detail.changed.connect(self._after_change)
            detail.search_requested.connect(self.search_requested)
            sizes = self.splitter.sizes()
            self.splitter.replaceWidget(self.splitter.indexOf(self._no_detail), detail)
            self.splitter.setSizes(sizes)
            self._no_detail.deleteLater()
            self._detail = detail
        return self._detail

    def shown_reference(self) -> str | None:
        """The reference in the detail pane, if one is shown (without building the pane)."""
        return self._detail.detail.reference if self._detail is not None and self._detail.detail else None

    # -- who, when --------------------------------------------------------------------------
    def actor(self) -> str:
        """The window's one current officer (their e-mail), recorded in the audit trail."""
        return self.ctx.actor()

    @property
    def today(self) -> date:
        return self._today or date.today()

    # -- queue ------------------------------------------------------------------------------
    def apply_filter(self, query: svc.RequestQuery) -> None:
        self.drill_banner.setVisible(query.drill is not None)
        self.model.set_filter(query)

    def clear_drill(self) -> None:
        """Back to the ordinary queue: open requests, as at start."""
        self.filter_bar.reset()
        self.filter_bar.status.setCurrentIndex(0)  # "Open requests" (emits: the filter applies)
        self.apply_filter(self.filter_bar.query())

    def show_drill(self, drill: object, text: str) -> None:
        """The dashboard's entry point: list exactly the requests one figure counts (a
        :class:`~privdesk.services.dashboard.Drill`); touching the filter bar returns to it."""
        self.filter_bar.reset()
        self.apply_filter(svc.RequestQuery(drill=drill))
        self.drill_banner.show_figure(text)

    def refresh(self) -> None:
        current = self.shown_reference()
        self.model.refresh()
        if current:
            self.select_reference(current)
        self.announce(notify=False)

    def _hourly(self) -> None:
        """Other officers may have changed the shared queue: re-read it, then remind."""
        current = self.shown_reference()
        self.model.refresh()
        if current:
            self.select_reference(current)
        self.announce(notify=True)

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText((self.tr("{0} request") if n == 1 else self.tr("{0} requests")).format(f"{n:,}"))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row()) if current.isValid() else None
        if row is not None:
            self.detail.load(row.reference)

    def open_current(self) -> None:
        """Enter: show the current row in the detail pane and move the focus there."""
        index = self.view.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        self.detail.load(row.reference)
        first = next(iter(self.detail.action_buttons.values()), None)
        (first or self.detail).setFocus()

    def select_reference(self, reference: str) -> bool:
        row = self.model.row_of(reference)
        if row is None:
            for r in range(min(self.model.rowCount(), 2000)):
                found = self.model.row_at(r)
                if found is not None and found.reference == reference:
                    row = r
                    break
        if row is None:
            self.detail.load(reference)
            return False
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.view.scrollTo(index)
        return True

    def selected_references(self) -> list[str]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        out = []
        for r in rows:
            found = self.model.row_at(r)
            if found is not None:
                out.append(found.reference)
        return out

    def _after_change(self, reference: str) -> None:
        self.model.refresh()
        self.select_reference(reference)
        self.announce(notify=False)

    # -- new, import ------------------------------------------------------------------------
    def new_request(self) -> NewRequestDialog:
        from privdesk.ui.requests.new_request_dialog import NewRequestDialog

        dlg = NewRequestDialog(self.ctx, self.actor(), self, today=self._today)
        dlg.opened.connect(self._opened)
        dlg.open()
        return dlg

    def _opened(self, result: svc.OpenResult) -> None:
        self.model.refresh()
        self.select_reference(result.reference)
        self.detail.load(result.reference)
        self.announce(notify=False)
        if result.duplicates:
            self._status(self.tr("{0} opened — possible duplicate of {1}").format(
                result.reference, ", ".join(d.reference for d in result.duplicates)))
        else:
            self._status(self.tr("{0} opened").format(result.reference))

    def import_files(self, paths: list[str] | None = None) -> QWidget | None:
        if paths is None:
            paths, _ = QFileDialog.getOpenFileNames(
                self, self.tr("Import requests"), "", self.tr("Web form export or e-mail (*.csv *.eml)"))
        if not paths:
            return None
        from privdesk.services import intake
        from privdesk.ui.requests.import_dialog import ImportDialog

        try:
            if all(p.lower().endswith(".eml") for p in paths):
                result = intake.import_eml(self.ctx, paths, self.actor())
                self._imported(result)
                return None
            if len(paths) != 1:
                raise PrivDeskError("Import one CSV file at a time (or any number of .eml files).")
            dlg = ImportDialog(self.ctx, paths[0], self.actor(), self)
        except PrivDeskError as exc:
            show_error(self, exc)
            return None
        dlg.imported.connect(self._imported)
        dlg.open()
        return dlg

    def _imported(self, result: intake.ImportResult) -> None:
        self.model.refresh()
        self.announce(notify=False)
        self._status(self.tr("{0} requests imported").format(len(result.references)))

    # -- bulk -------------------------------------------------------------------------------
    def _build_bulk_menu(self) -> None:
        self.bulk_actions: dict[str, QAction] = {}
        for key, label in (("assign_selected", "Assign selected…"),
                           ("assign_filtered", "Assign all filtered…"),
                           ("status_selected", "Change status of selected…"),
                           ("status_filtered", "Change status of all filtered…"),
                           ("export", "Export request log (filtered) to CSV…")):
            act = self.bulk_menu.addAction(self.tr(label))
            self.bulk_actions[key] = act
        self.bulk_actions["assign_selected"].triggered.connect(lambda: self._ask_bulk_assign(False))
        self.bulk_actions["assign_filtered"].triggered.connect(lambda: self._ask_bulk_assign(True))
        self.bulk_actions["status_selected"].triggered.connect(lambda: self._ask_bulk_status(False))
        self.bulk_actions["status_filtered"].triggered.connect(lambda: self._ask_bulk_status(True))
        self.bulk_actions["export"].triggered.connect(self._ask_export)

    def _ask_bulk_assign(self, filtered: bool) -> None:
        officers = svc.officers(self.ctx)
        names = [self.tr("Unassigned"), *[n for _i, n in officers]]
        name, ok = QInputDialog.getItem(self, self.tr("Assign"), self.tr("Assign to:"), names, 0, False)
        if ok:
            oid = None if name == names[0] else officers[names.index(name) - 1][0]
            self.bulk_assign(oid, filtered)

    def _ask_bulk_status(self, filtered: bool) -> None:
        labels = [status_label(s.value) for s in Status]
        label, ok = QInputDialog.getItem(self, self.tr("Change status"), self.tr("Move to:"), labels, 0, False)
        if not ok:
            return
        status = list(Status)[labels.index(label)].value
        reason = ""
        if status in ("extended", "completed", "denied"):
            reason, ok = QInputDialog.getText(self, self.tr("Reason"), self.tr("Reason (recorded on each request):"))
            if not ok:
                return
        self.bulk_status(status, reason, filtered)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export request log"), "request-log.csv",
                                              self.tr("CSV (*.csv)"))
        if path:
            self.export_log(path)

    def bulk_assign(self, officer_id: int | None, filtered: bool = False) -> svc.BulkResult | None:
        refs = svc.query_references(self.ctx, self.model.query, today=self.today) if filtered \
            else self.selected_references()
        if not refs:
            self._status(self.tr("Nothing selected."))
            return None
        try:
            result = svc.bulk_assign(self.ctx, refs, officer_id, self.actor())
        except PrivDeskError as exc:
            show_error(self, exc)
            return None
        self.model.refresh()
        self.detail.reload()
        self._status(self.tr("{0} requests assigned").format(len(result.changed)))
        return result

    def bulk_status(self, status: str, reason: str = "", filtered: bool = False) -> svc.BulkResult | None:
        refs = svc.query_references(self.ctx, self.model.query, today=self.today) if filtered \
            else self.selected_references()
        if not refs:
            self._status(self.tr("Nothing selected."))
            return None
        try:
            result = svc.bulk_status(self.ctx, refs, status, self.actor(), reason, today=self.today)
        except PrivDeskError as exc:
            show_error(self, exc)
            return None
        self.model.refresh()
        self.detail.reload()
        self.announce(notify=False)
        msg = self.tr("{0} moved to {1}").format(len(result.changed), status_label(status))
        if result.skipped:
            msg += self.tr("; {0} left unchanged").format(len(result.skipped))
            box = QMessageBox(QMessageBox.Icon.Information, self.tr("Some requests were not changed"),
                              "\n".join(f"{ref}: {why}" for ref, why in result.skipped[:20]),
                              QMessageBox.StandardButton.Ok, self)
            box.setObjectName("bulkSkipped")
            box.open()
        self._status(msg)
        return result

    def export_log(self, path: str) -> int:
        try:
            n = svc.export_log(self.ctx, path, self.model.query, today=self.today)
        except PrivDeskError as exc:
            show_error(self, exc)
            return 0
        self._status(self.tr("{0} requests written to {1}").format(n, path))
        return n

    # -- reminders --------------------------------------------------------------------------
    def _status(self, text: str) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 8000)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._install_badge()

    def _install_badge(self) -> None:
        """Mirror the due badge in the main window's status bar (once it has one)."""
        window = self.window()
        if self._badge_installed or not isinstance(window, QMainWindow):
            return
        self.status_badge = QLabel()
        self.status_badge.setObjectName("statusDueBadge")
        window.statusBar().addPermanentWidget(self.status_badge)
        self.status_breach_badge = QLabel()
        self.status_breach_badge.setObjectName("statusBreachBadge")
        self.status_breach_badge.hide()
        window.statusBar().addPermanentWidget(self.status_breach_badge)
        self._badge_installed = True
        if self.last_summary is not None:
            self._show_badge(self.last_summary)

    def announce(self, notify: bool = True) -> dash.Reminder:
        """Count overdue and nearly-due requests, find the nearest breach deadline and badge them;
        at start-up and every hour (``notify``) also tell the system tray, where there is one."""
        summary = dash.reminder(self.ctx, today=self.today)
        self._show_summary(summary, notify)
        return summary

    def _announce_at_start(self) -> None:
        """The start-up reminder, its queries (breach clocks, rule files) in a worker so the queue paints first."""
        from privdesk.ui.workers import run_task

        ctx, today = self.ctx, self.today
        run_task(lambda _c: dash.reminder(ctx, today=today), on_done=self._shown_at_start,
                 on_error=lambda exc: log.warning("start-up reminder failed: %s", exc))

    def _shown_at_start(self, summary: dash.Reminder) -> None:
        self._show_summary(summary, notify=True)

    def _show_summary(self, summary: dash.Reminder, notify: bool) -> None:
        """Badge ``summary`` and, when ``notify``, tell the system tray (where there is one)."""
        self.last_summary = summary
        self._install_badge()
        self._show_badge(summary)
        urgent = summary.overdue or summary.due_soon or summary.breach is not None
        if notify and urgent and QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                self.tray = QSystemTrayIcon(icon, self)
                self.tray.setToolTip("PrivDesk")
                self.tray.show()
            self.tray.showMessage(self.tr("PrivDesk requests"), self._summary_text(summary),
                                  QSystemTrayIcon.MessageIcon.Warning, 10000)
        self.announced.emit(summary)

    def _summary_text(self, s: dash.Reminder) -> str:
        text = self.tr("{0} overdue · {1} due within {2} days").format(s.overdue, s.due_soon, s.days)
        return f"{text}\n{s.breach.text()}" if s.breach is not None else text

    def _show_badge(self, s: dash.Reminder) -> None:
        text = self.tr("{0} overdue · {1} due within {2} days").format(s.overdue, s.due_soon, s.days)
        style = ("background:#b91c1c;" if s.overdue else "background:#b45309;" if s.due_soon
                 else "background:#166534;") + BADGE_STYLE
        for label in (self.badge, getattr(self, "status_badge", None)):
            if label is not None:
                label.setText(text)
                label.setStyleSheet(style)
        breach = s.breach
        label = getattr(self, "status_breach_badge", None)
        if label is not None:
            label.setVisible(breach is not None)
            if breach is not None:
                label.setText(breach.text())
                label.setToolTip(self.tr("{0} ({1}): the nearest breach notice deadline").format(
                    breach.title, breach.notice))
                label.setStyleSheet(f"background:{BREACH_COLOURS.get(breach.state, '#374151')};" + BADGE_STYLE)

    def column_keys(self) -> list[str]:
        return [k for k, _ in COLUMNS]
