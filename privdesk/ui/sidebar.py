"""The sidebar gives its width to the work on a small screen: below 1180 pixels it shows icons
only (the area's name in a tooltip), so the queue keeps its Due, Status and Assignee columns."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QListWidget, QWidget

COMPACT_BELOW = 1180
WIDE, NARROW = 180, 56
TitleRole = Qt.ItemDataRole.UserRole + 7


class CompactSidebar(QObject):
    """Watches ``window``'s width and switches ``sidebar`` between names and icons."""

    def __init__(self, window: QWidget, sidebar: QListWidget) -> None:
        super().__init__(window)
        self.window, self.sidebar = window, sidebar
        for i in range(sidebar.count()):
            item = sidebar.item(i)
            item.setData(TitleRole, item.text())
            item.setToolTip(item.text())
        sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        window.installEventFilter(self)
        self.compact: bool | None = None
        self.apply()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Resize:
            self.apply()
        return False

    def apply(self) -> bool:
        compact = self.window.width() < COMPACT_BELOW
        if compact == self.compact:
            return compact
        self.compact = compact
        self.sidebar.setFixedWidth(NARROW if compact else WIDE)
        for i in range(self.sidebar.count()):
            item = self.sidebar.item(i)
            item.setText("" if compact else str(item.data(TitleRole)))
        return compact
