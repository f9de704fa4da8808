"""The whole of a long row: any table in the window offers "Show whole row…" on its context
menu (right click, or the Menu key), which lists every column of that row with its full text,
wrapped and selectable. A narrow column (a search's Values, a breach title) never hides data.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)


def row_texts(view: QAbstractItemView, at: QModelIndex) -> list[tuple[str, str]]:
    """(column title, whole text) for every column of the row of ``at`` (hidden columns too)."""
    model = view.model()
    out = []
    for col in range(model.columnCount(at.parent())):
        title = str(model.headerData(col, Qt.Orientation.Horizontal) or f"Column {col + 1}")
        index = model.index(at.row(), col, at.parent())
        tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
        text = model.data(index, Qt.ItemDataRole.DisplayRole)
        whole = str(text if text not in (None, "") else "")
        # a tooltip that holds more than the cell (the full value) wins
        if tip and len(str(tip)) > len(whole) and whole.rstrip("…") in str(tip):
            whole = str(tip)
        out.append((title, whole))
    return out


class RowDialog(QDialog):
    """Every column of one row, label beside value."""

    def __init__(self, view: QAbstractItemView, at: QModelIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent or view.window())
        self.setObjectName("rowDialog")
        self.setWindowTitle(self.tr("Whole row"))
        self.setMinimumWidth(480)
        self.pairs = row_texts(view, at)
        body = QWidget()
        form = QFormLayout(body)
        for title, text in self.pairs:
            value = QLabel(text or "—")
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{title}:", value)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton(self.tr("Copy"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, min(640, 120 + 28 * len(self.pairs)))

    def text(self) -> str:
        return "\n".join(f"{title}: {text}" for title, text in self.pairs)

    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.text())


class RowDetails(QObject):
    """Application-wide: the context menu of a table's rows offers the whole row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last: RowDialog | None = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ContextMenu or not isinstance(event, QContextMenuEvent):
            return False
        view = obj.parent() if isinstance(obj, QWidget) else None
        if not isinstance(view, QTableView | QTreeView) or obj is not view.viewport():
            return False
        if view.model() is None or view.model().columnCount() < 2:
            return False
        if view.contextMenuPolicy() != Qt.ContextMenuPolicy.DefaultContextMenu:
            return False  # the view has a menu of its own
        index = view.indexAt(event.pos())
        if not index.isValid():
            return False
        menu = QMenu(view)
        action = menu.addAction(self.tr("Show whole row…"))
        action.triggered.connect(lambda: self.show_row(view, index))
        menu.popup(event.globalPos())
        return True

    def show_row(self, view: QAbstractItemView, index: QModelIndex) -> RowDialog:
        self.last = RowDialog(view, index)
        self.last.open()
        return self.last


_installed: list[RowDetails] = []


def install(app: QApplication | None = None) -> None:
    app = app or QApplication.instance()  # type: ignore[assignment]
    if app is None or _installed:
        return
    details = RowDetails(app)
    app.installEventFilter(details)
    _installed.append(details)
