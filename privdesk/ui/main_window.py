"""The main window: a sidebar of areas, menus with standard shortcuts and a status bar.

Areas are built when first opened (the remembered one at start-up), so the window paints the
queue without paying for the search, breach register, dashboard (QtCharts) and settings first;
:meth:`MainWindow.build_remaining_later` fills the rest in after the first paint, one area per
turn of the event loop so the window stays responsive.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from privdesk import APP_NAME
from privdesk.services.context import AppContext
from privdesk.ui import forms, row_details
from privdesk.ui import identity as identity_ui
from privdesk.ui.areas import Area, available_areas
from privdesk.ui.backup_actions import BackupActions
from privdesk.ui.dialogs import AboutDialog
from privdesk.ui.elided_label import ElidedLabel
from privdesk.ui.icon import app_icon
from privdesk.ui.sidebar import CompactSidebar
from privdesk.ui.vocabulary import database_place

if TYPE_CHECKING:
    from privdesk.services.requests import RequestDetail

log = logging.getLogger("privdesk.ui")


def _keys(standard: QKeySequence.StandardKey, fallback: str) -> list[QKeySequence]:
    """The platform's standard shortcut, or a conventional one where the platform has none
    (the offscreen and some Linux themes define no Quit key)."""
    keys = QKeySequence.keyBindings(standard)
    return keys or [QKeySequence(fallback)]


class _Pages(Mapping[str, QWidget]):
    """The window's area pages by key; looking one up builds it if it was not opened yet."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def __getitem__(self, key: str) -> QWidget:
        if key not in self._window.area_keys():
            raise KeyError(key)
        return self._window.page(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._window.area_keys())

    def __len__(self) -> int:
        return len(self._window.areas)


class MainWindow(QMainWindow):
    """Hosts one page per area; remembers its geometry and the last area in QSettings."""

    def __init__(self, ctx: AppContext, settings: QSettings | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.settings = settings or QSettings(str(ctx.paths.settings_file), QSettings.Format.IniFormat)
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.setMinimumSize(QSize(760, 520))

        self.areas: list[Area] = available_areas()
        self.pages: Mapping[str, QWidget] = _Pages(self)
        self._built: dict[str, QWidget] = {}
        self._wired: set[str] = set()
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(180)
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setStyleSheet(
            "QListWidget#sidebar { background: #1f2a37; color: #e5e7eb; border: none; font-size: 11pt; }"
            "QListWidget#sidebar::item { padding: 10px 12px; }"
            "QListWidget#sidebar::item:selected { background: #2563eb; color: white; }"
        )
        self.stack = QStackedWidget()
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        for area in self.areas:
            item = QListWidgetItem(self.style().standardIcon(area.icon), self.tr(area.title))
            item.setData(Qt.ItemDataRole.UserRole, area.key)
            self.sidebar.addItem(item)
            self.stack.addWidget(QWidget())  # stands in until the area is first opened
        self.sidebar.currentRowChanged.connect(self._open_row)
        self.compact_sidebar = CompactSidebar(self, self.sidebar)

        self._build_menus()
        self.officer_button = identity_ui.install(self, ctx)
        place = database_place(ctx.db, short=True)
        self.db_label = ElidedLabel(self.tr("Case database: {0}").format(place), short=place)
        self.db_label.setToolTip(database_place(ctx.db))
        self.statusBar().addPermanentWidget(self.db_label)
        self.retention_link: QPushButton | None = None
        if ctx.last_backup is not None:
            self.statusBar().showMessage(
                self.tr("Database upgraded; backup saved as {0}").format(ctx.last_backup.name), 15000)
        else:
            self.statusBar().showMessage(self.tr("Ready"), 5000)
            self._remind_retention()  # after the upgrade notice, which matters more that day
        self._restore_state()

    def _remind_retention(self) -> None:
        """The monthly reminder to anonymise expired cases (Register area, Retention tab)."""
        from privdesk.services.retention import reminder_due

        if not reminder_due(self.ctx):
            return
        # A short link that stays until used, not a 30 s message the permanent widgets cut off.
        link = QPushButton(self.tr("Retention check due"))
        link.setObjectName("retention_link")
        link.setFlat(True)
        link.setCursor(Qt.CursorShape.PointingHandCursor)
        link.setStyleSheet("QPushButton#retention_link { color: #1d4ed8; text-decoration: underline;"
                           " border: none; padding: 0 4px; }")
        link.setToolTip(self.tr("Monthly retention check due: click to open Register → Retention and "
                                "anonymise expired cases."))
        link.clicked.connect(self.open_retention)
        self.statusBar().clearMessage()
        self.statusBar().insertPermanentWidget(0, link)
        self.retention_link = link

    def open_retention(self) -> None:
        """Register → Retention, where the monthly run is started; the status-bar link goes."""
        page = self.show_area("register")
        tabs = getattr(page, "tabs", None)
        retention = getattr(page, "retention", None)
        if tabs is not None and retention is not None:
            tabs.setCurrentWidget(retention)
        if self.retention_link is not None:
            self.statusBar().removeWidget(self.retention_link)
            self.retention_link.deleteLater()
            self.retention_link = None

    def page(self, key: str) -> QWidget:
        """The area's page, built now if it was not opened before."""
        built = self._built.get(key)
        if built is not None:
            return built
        index = self.area_keys().index(key)
        page = self.areas[index].factory(self.ctx)
        page.setObjectName(f"area:{key}")
        placeholder = self.stack.widget(index)
        current = self.stack.currentIndex()
        self.stack.insertWidget(index, page)
        if placeholder is not None:
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
        self.stack.setCurrentIndex(current)
        self._built[key] = page
        self._restore_splitters(key, page)
        self._connect_areas()
        self._connect_dashboard()
        return page

    def built_areas(self) -> list[str]:
        """The areas whose pages exist, in sidebar order."""
        return [key for key in self.area_keys() if key in self._built]

    def build_remaining_later(self, delay_ms: int = 0) -> None:
        """After the first paint: install the application's behaviours, then build the areas not
        opened yet in the background of the event loop, one per turn."""

        def next_one() -> None:
            missing = [key for key in self.area_keys() if key not in self._built]
            if missing:
                self.page(missing[0])
                QTimer.singleShot(0, self, next_one)

        def first() -> None:
            self.install_behaviours()
            self._load_holiday_calendar(then=next_one)  # the areas after it: no two at once

        QTimer.singleShot(delay_ms, self, first)

    def _load_holiday_calendar(self, then: Callable[[], None]) -> None:
        """In a worker: the holidays package's calendars (all 250 load with the first one) and the
        services of the areas not built yet (discovery, keyring, the notices, the register: 0.15-0.2 s
        of imports the GUI thread would otherwise wait for while building them), then ``then`` on
        the GUI thread. The window stays responsive meanwhile; the areas are built after it, so
        neither slows the other down. (The store modules these import define tables without
        relationships; SQLAlchemy configures new mappers under its own lock.)"""
        from privdesk.services.settings import load_holiday_calendar
        from privdesk.ui.workers import run_task

        def failed(exc: BaseException) -> None:
            log.warning("holiday calendar or area services not loaded: %s", exc)
            then()

        ctx = self.ctx
        services = [name for area in self.areas if area.key not in self._built for name in area.services]

        def load(_control: object) -> None:
            load_holiday_calendar(ctx)
            for name in services:
                importlib.import_module(name)

        run_task(load, on_done=lambda _none: then(), on_error=failed)

    @staticmethod
    def install_behaviours() -> None:
        """The application-wide event filters: Tab leaves a multi-line field, a dialog tabs in
        reading order, a table row's context menu offers the whole row.

        Every event of every object passes through them, and the first time an object of a Qt
        class does, PySide6 builds that class's Python type and its enums: installed while the
        window is built they cost the first paint some 50 ms; a moment after it, nobody notices.
        """
        forms.install()
        row_details.install()

    def _open_row(self, row: int) -> None:
        if row < 0:
            return
        self.page(self.areas[row].key)
        self.stack.setCurrentIndex(row)

    def _connect_areas(self) -> None:
        """Hand-offs between areas: a request's subject to the search (building the search area
        if needed), and the search's attachments back to the request once both exist."""
        if "requests" not in self._built:
            return  # do not load the queue's code for a window opened on another area
        from privdesk.ui.requests.pane import RequestsPane

        requests, search = self._built.get("requests"), self._built.get("search")
        if not isinstance(requests, RequestsPane):
            return
        if "requests" not in self._wired and "search" in self.area_keys():
            self._wired.add("requests")

            def to_search(d: RequestDetail) -> None:
                from privdesk.ui.search_pane import SearchPane

                pane = self.page("search")
                if isinstance(pane, SearchPane):
                    pane.prefill(d.reference, d.emails, d.phones, [d.subject_name],
                                 [i.value for i in d.identifiers if i.kind == "customer_id"])
                self.show_area("search")

            requests.search_requested.connect(to_search)
        if search is not None and "search" not in self._wired:
            from privdesk.ui.search_pane import SearchPane  # loaded already: the area exists

            if isinstance(search, SearchPane):
                self._wired.add("search")
                search.actor = requests.actor
                search.attached.connect(lambda _info: requests.detail.reload())

    def _connect_dashboard(self) -> None:
        """A dashboard figure opens the queue filtered to exactly its requests (building the
        Requests area if needed); the breach clock opens the breach register."""
        dashboard = self._built.get("dashboard")
        if dashboard is None or "dashboard" in self._wired:
            return
        from privdesk.ui.dashboard_pane import DashboardPane  # loaded already: the area exists

        if not isinstance(dashboard, DashboardPane):
            return
        self._wired.add("dashboard")

        def to_queue(drill: object, text: str) -> None:
            from privdesk.ui.requests.pane import RequestsPane

            page = self.show_area("requests")
            if isinstance(page, RequestsPane):
                page.show_drill(drill, text)

        dashboard.area_requested.connect(self.show_area)
        dashboard.drill_requested.connect(to_queue)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.backups = BackupActions(self, self.ctx)
        self.backups.done.connect(lambda text: self.statusBar().showMessage(text, 15000))
        file_menu.addAction(self.backups.backup_action)
        file_menu.addAction(self.backups.restore_action)
        file_menu.addSeparator()
        switch = QAction(self.tr("Change &Officer…"), self)
        switch.triggered.connect(lambda: self.officer_button.choose())
        file_menu.addAction(switch)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcuts(_keys(QKeySequence.StandardKey.Quit, "Ctrl+Q"))
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.area_actions: dict[str, QAction] = {}
        for i, area in enumerate(self.areas):
            action = QAction(self.tr(area.title), self)
            if i < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _=False, k=area.key: self.show_area(k))
            view_menu.addAction(action)
            self.area_actions[area.key] = action
        view_menu.addSeparator()
        full = QAction(self.tr("&Full Screen"), self)
        full.setShortcuts(_keys(QKeySequence.StandardKey.FullScreen, "F11"))
        full.triggered.connect(lambda: self.showNormal() if self.isFullScreen() else self.showFullScreen())
        view_menu.addAction(full)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About PrivDesk"), self)
        about.setShortcuts(_keys(QKeySequence.StandardKey.HelpContents, "F1"))
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        about_qt = QAction(self.tr("About &Qt"), self)
        about_qt.triggered.connect(QApplication.aboutQt)
        help_menu.addAction(about_qt)

    def area_keys(self) -> list[str]:
        return [a.key for a in self.areas]

    def show_area(self, key: str) -> QWidget:
        index = self.area_keys().index(key)
        self.sidebar.setCurrentRow(index)
        return self.page(key)

    def current_area(self) -> str:
        return self.areas[self.stack.currentIndex()].key

    def show_about(self) -> AboutDialog:
        dlg = AboutDialog(self.ctx, self)
        dlg.open()
        return dlg

    def _restore_state(self) -> None:
        geometry = self.settings.value("main/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        last = self.settings.value("main/area", "")
        keys = self.area_keys()
        self.sidebar.setCurrentRow(keys.index(str(last)) if last in keys else 0)
        self._open_row(self.sidebar.currentRow())

    def _restore_splitters(self, area: str, page: QWidget) -> None:
        for i, splitter in enumerate(page.findChildren(QSplitter)):
            state = self.settings.value(f"splitters/{area}/{i}")
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)

    def _splitters(self) -> list[tuple[str, QSplitter]]:
        """Every splitter of every built area, keyed by area and position, so the officer's layout
        (queue width beside the detail, say) survives a restart; unopened areas keep theirs."""
        return [(f"{area}/{i}", sp) for area, page in self._built.items()
                for i, sp in enumerate(page.findChildren(QSplitter))]

    def save_state(self) -> None:
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.setValue("main/area", self.current_area())
        for key, splitter in self._splitters():
            self.settings.setValue(f"splitters/{key}", splitter.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        super().closeEvent(event)
