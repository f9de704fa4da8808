"""Keyboard behaviour every form shares: Tab leaves multi-line fields, and Tab walks the
fields in reading order (top to bottom, left to right in a row), whatever order the code
happened to create them in.

:class:`FormBehaviour` applies both to every dialog of the application once installed
(the main window installs it); :func:`multiline` gives one field the behaviour directly.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)


def multiline(text: str = "", height: int | None = None) -> QPlainTextEdit:
    """A multi-line field that Tab leaves (Ctrl+Tab still types a tab character)."""
    w = QPlainTextEdit(text)
    w.setTabChangesFocus(True)
    if height is not None:
        w.setFixedHeight(height)
    return w


ERROR_STYLE = "color:#b91c1c;"


def field_with_error(form: QFormLayout, label: str, widget: QWidget | QLayout, error_name: str) -> QLabel:
    """Add a form row whose field has its own (hidden) error line under it; returns that line.

    Errors belong beside the field they are about, not in one line at the bottom."""
    err = QLabel()
    err.setObjectName(error_name)
    err.setStyleSheet(ERROR_STYLE)
    err.setWordWrap(True)
    err.hide()
    box = QVBoxLayout()
    box.setSpacing(2)
    if isinstance(widget, QWidget):
        box.addWidget(widget)
    else:
        box.addLayout(widget)
    box.addWidget(err)
    form.addRow(label, box)
    return err


def fit_height(dialog: QWidget) -> None:
    """Grow ``dialog`` to the height its wrapped labels need at its current width.

    Qt sizes a window from its layout's minimum, which ignores how tall a word-wrapped label gets
    at the actual width; without this a warning that appears later squeezes the fields above it
    onto each other.
    """
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    needed = layout.totalHeightForWidth(dialog.width()) if layout.hasHeightForWidth() else -1
    if needed > dialog.height():
        dialog.resize(dialog.width(), needed)


def explain(widget: QWidget, why_disabled: str) -> None:
    """A disabled control says why in its tooltip; enabled, it keeps (or gets back) the tooltip
    that says what it does."""
    doing = widget.property("privdeskDoing")
    if doing is None:
        doing = widget.toolTip()
        widget.setProperty("privdeskDoing", doing)
    widget.setToolTip(str(doing) if widget.isEnabled() else why_disabled)


def _focusable(root: QWidget) -> list[QWidget]:
    out = []
    for w in root.findChildren(QWidget):
        if not (w.focusPolicy() & Qt.FocusPolicy.TabFocus) or not w.isVisibleTo(root):
            continue
        if w.focusProxy() is not None:
            continue
        # a spin box's or combo box's inner line edit is reached through its owner
        parent = w.parentWidget()
        if parent is not None and parent is not root and (
                parent.focusProxy() is w or isinstance(parent, QAbstractSpinBox | QComboBox)):
            continue
        out.append(w)
    # a container of fields (a scroll area) is not a field of its own row
    return [w for w in out if not any(o is not w and w.isAncestorOf(o) for o in out)]


def reading_order(root: QWidget) -> list[QWidget]:
    """Set the Tab chain of ``root``'s focusable fields to reading order; returns it.

    Rows are found by vertical overlap, so a label-height line edit and a taller combo box on
    one form row count as one row.
    """
    widgets = _focusable(root)
    placed = [(w.mapTo(root, QPoint(0, 0)), w) for w in widgets]
    placed.sort(key=lambda p: (p[0].y(), p[0].x()))
    rows: list[tuple[int, int, list[tuple[QPoint, QWidget]]]] = []  # (top, bottom, members)
    for pos, w in placed:
        centre = pos.y() + w.height() // 2
        if rows and rows[-1][0] <= centre <= rows[-1][1]:
            top, bottom, members = rows[-1]
            rows[-1] = (top, max(bottom, pos.y() + w.height()), [*members, (pos, w)])
        else:
            rows.append((pos.y(), pos.y() + w.height(), [(pos, w)]))
    ordered = [w for _t, _b, row in rows for _pos, w in sorted(row, key=lambda p: p[0].x())]
    for a, b in zip(ordered, ordered[1:], strict=False):
        QWidget.setTabOrder(a, b)
    return ordered


class FormBehaviour(QObject):
    """Application-wide event filter: multi-line fields leave on Tab; dialogs tab in reading
    order when first shown."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(obj, QPlainTextEdit | QTextEdit):
            if not obj.isReadOnly():
                obj.setTabChangesFocus(True)
        elif kind == QEvent.Type.Show and isinstance(obj, QDialog) and not obj.property("privdeskOrdered"):
            obj.setProperty("privdeskOrdered", True)
            # after the show has laid out nested layouts and scroll areas
            QTimer.singleShot(0, obj, lambda d=obj: reading_order(d))
        return False


_installed: list[FormBehaviour] = []


def install(app: QApplication | None = None) -> None:
    """Install :class:`FormBehaviour` on the application once."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if app is None or _installed:
        return
    behaviour = FormBehaviour(app)
    app.installEventFilter(behaviour)
    _installed.append(behaviour)
