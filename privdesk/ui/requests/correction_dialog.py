"""Rectification in the window: pick a row the attached search found, a column, type the
corrected value. The next change plan holds the update; nothing changes in the database here."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from privdesk.errors import PrivDeskError
from privdesk.services import erasure
from privdesk.services.context import AppContext


class CorrectionDialog(QDialog):
    """One corrected value of one found row; saved with :func:`erasure.set_correction`."""

    def __init__(self, ctx: AppContext, reference: str, actor: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.reference, self.actor = ctx, reference, actor
        self.setWindowTitle(self.tr("Correct a value for {0}").format(reference))
        self.rows = erasure.found_rows(ctx, reference)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.row_box = QComboBox()
        self.row_box.setObjectName("correctionRow")
        for r in self.rows:
            self.row_box.addItem(r.label)
        self.column_box = QComboBox()
        self.column_box.setObjectName("correctionColumn")
        self.current = QLabel()
        self.current.setObjectName("correctionCurrent")
        self.current.setWordWrap(True)
        self.value = QLineEdit()
        self.value.setObjectName("correctionValue")
        self.value.setPlaceholderText(self.tr("The corrected value"))
        form.addRow(self.tr("Row:"), self.row_box)
        form.addRow(self.tr("Column:"), self.column_box)
        form.addRow(self.tr("Now:"), self.current)
        form.addRow(self.tr("Corrected:"), self.value)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("correctionError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.row_box.currentIndexChanged.connect(lambda _i: self._fill_columns())
        self.column_box.currentIndexChanged.connect(lambda _i: self._show_current())
        self._fill_columns()

    def _fill_columns(self) -> None:
        self.column_box.clear()
        i = self.row_box.currentIndex()
        if 0 <= i < len(self.rows):
            key = set(self.rows[i].key)
            self.column_box.addItems([c for c in self.rows[i].row if c not in key])
        self._show_current()

    def _show_current(self) -> None:
        i, col = self.row_box.currentIndex(), self.column_box.currentText()
        if not (0 <= i < len(self.rows)) or not col:
            self.current.clear()
            return
        r = self.rows[i]
        text = "" if r.row.get(col) is None else str(r.row.get(col))
        if col in r.corrected:
            text += self.tr("  (corrected to: {0})").format(r.corrected[col])
            self.value.setText(str(r.corrected[col]))
        self.current.setText(text or self.tr("(empty)"))

    def save(self) -> bool:
        i, col = self.row_box.currentIndex(), self.column_box.currentText()
        if not (0 <= i < len(self.rows)) or not col:
            self.error.setText(self.tr("Pick a row and a column first."))
            return False
        r = self.rows[i]
        try:
            erasure.set_correction(self.ctx, self.reference, r.connection, r.table, r.key,
                                   {col: self.value.text()}, self.actor())
        except PrivDeskError as exc:
            self.error.setText(exc.message)  # the typed value stays in the field
            return False
        self.accept()
        return True
