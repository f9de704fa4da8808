"""Two requests side by side before an officer decides they are one person's, and the
confirmation a merge needs (it withdraws one request and cannot be undone).

Signals (CompareDialog):
    chosen(): the officer pressed the action button (merge, or save and merge).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.services.requests import Side, compare
from privdesk.ui.requests.queue_model import law_label, status_label, type_label
from privdesk.ui.vocabulary import format_date


def _date_text(text: str) -> str:
    try:
        return format_date(date.fromisoformat(text))
    except ValueError:
        return text


_LABELLERS: dict[str, Callable[[str], str]] = {"Type": type_label, "Law": law_label, "Status": status_label,
                                               "Received": _date_text}


def merge_question(source: str, target: str) -> str:
    return (f"Merge {source} into {target}?\n\n{source} will be withdrawn; its e-mails, phones, files and "
            f"notes move to {target}, which continues. The merge is recorded in the audit trail and "
            f"cannot be undone.")


class CompareDialog(QDialog):
    """Field by field, differences in bold; ``action`` names the button that decides."""

    chosen = Signal()

    def __init__(self, left: Side, right: Side, action: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle(self.tr("Compare {0} and {1}").format(left.title, right.title))
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Differences are in bold. Merge only when both are the same person's request."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        rows = compare(left, right)
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("compareTable")
        self.table.setHorizontalHeaderLabels([self.tr("Field"), left.title, right.title])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        bold = QFont()
        bold.setBold(True)
        for i, row in enumerate(rows):
            label = _LABELLERS.get(row.label)
            values = [row.label, label(row.left) if label and row.left else row.left,
                      label(row.right) if label and row.right else row.right]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value or "—")
                item.setToolTip(value)
                if col and not row.same:
                    item.setFont(bold)
                self.table.setItem(i, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        layout.addWidget(self.table)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.action_button: QPushButton | None = None
        if action:
            self.action_button = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
            self.action_button.setObjectName("compareAction")
            self.action_button.clicked.connect(self._choose)
        layout.addWidget(self.buttons)

    def differing(self) -> list[str]:
        """The labels of the rows that differ (what the bold marks)."""
        out = []
        for i in range(self.table.rowCount()):
            label, value = self.table.item(i, 0), self.table.item(i, 1)
            if label is not None and value is not None and value.font().bold():
                out.append(label.text())
        return out

    def _choose(self) -> None:
        self.chosen.emit()
        self.accept()
