"""The main window: a sidebar of areas, menus with standard shortcuts and a status bar."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from privdesk import APP_NAME
from privdesk.services.context import AppContext
from privdesk.services.requests import RequestDetail
from privdesk.ui.areas import Area, available_areas
from privdesk.ui.dialogs import AboutDialog


def _keys(standard: QKeySequence.StandardKey, fallback: str) -> list[QKeySequence]:
    """The platform's standard shortcut, or a conventional one where the platform has none
    (the offscreen and some Linux themes define no Quit key)."""
    keys = QKeySequence.keyBindings(standard)
    return keys or [QKeySequence(fallback)]


class MainWindow(QMainWindow):
    """Hosts one page per area; remembers its geometry and the last area in QSettings."""

    def __init__(self, ctx: AppContext, settings: QSettings | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.settings = settings or QSettings(str(ctx.paths.settings_file), QSettings.Format.IniFormat)
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(QSize(760, 520))

        self.areas: list[Area] = available_areas()
        self.pages: dict[str, QWidget] = {}
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
            page = area.factory(ctx)
            page.setObjectName(f"area:{area.key}")
            self.pages[area.key] = page
            self.stack.addWidget(page)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self._connect_areas()

        self._build_menus()
        self.db_label = QLabel(self.tr("Case database: {0}").format(ctx.db.describe()))
        self.statusBar().addPermanentWidget(self.db_label)
        if ctx.last_backup is not None:
            self.statusBar().showMessage(
                self.tr("Database upgraded; backup saved as {0}").format(ctx.last_backup.name), 15000)
        else:
            self.statusBar().showMessage(self.tr("Ready"), 5000)
        self._restore_state()

    def _connect_areas(self) -> None:
        """Hand-offs between areas, where both exist: a request's subject to the search, and the
        search's attachments back to the request."""
        from privdesk.ui.requests.pane import RequestsPane
        from privdesk.ui.search_pane import SearchPane

        requests, search = self.pages.get("requests"), self.pages.get("search")
        if not isinstance(requests, RequestsPane) or not isinstance(search, SearchPane):
            return
        search.actor = requests.actor
        detail = requests.detail

        def to_search(d: RequestDetail) -> None:
            search.prefill(d.reference, d.emails, d.phones, [d.subject_name],
                           [i.value for i in d.identifiers if i.kind == "customer_id"])
            self.show_area("search")

        detail.search_requested.connect(to_search)
        search.attached.connect(lambda _info: detail.reload())

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
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
        return self.pages[key]

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
        for key, splitter in self._splitters():
            state = self.settings.value(f"splitters/{key}")
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)
        last = self.settings.value("main/area", "")
        keys = self.area_keys()
        self.sidebar.setCurrentRow(keys.index(str(last)) if last in keys else 0)

    def _splitters(self) -> list[tuple[str, QSplitter]]:
        """Every splitter of every area, keyed by area and position, so the officer's layout
        (queue width beside the detail, say) survives a restart."""
        return [(f"{area}/{i}", sp) for area, page in self.pages.items()
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
