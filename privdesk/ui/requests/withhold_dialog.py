"""Withholding rows or a column of the attached search before the export letter (Art. 15(4)).

The dialog lists the rows the search found; the officer selects records (or one record and a
column, or a column of a whole table), picks the law's ground and writes the reason. The rule is
applied by :mod:`privdesk.services.withholding`, so the letter and the portability file agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.errors import PrivDeskError
from privdesk.services import casefile, withholding
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import show_error

_WHOLE = "(whole records)"


class WithholdDialog(QDialog):
    """Signals:
        changed(): a withholding was added or removed.
    """

    changed = Signal()

    def __init__(self, ctx: AppContext, reference: str, actor: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.reference, self.actor = ctx, reference, actor
        self.setWindowTitle(self.tr("Withhold data – {0}").format(reference))
        self.resize(860, 620)
        _info, snap = casefile.latest_snapshot(ctx, reference)
        self.matches = list(snap.matches)
        self.rows = QTableWidget(len(self.matches), 3)
        self.rows.setObjectName("rows")
        self.rows.setHorizontalHeaderLabels([self.tr("Table"), self.tr("Key"), self.tr("Values")])
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rows.verticalHeader().setVisible(False)
        self.rows.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for i, m in enumerate(self.matches):
            values = ", ".join(f"{k}={v}" for k, v in m.row.items() if v is not None)
            for c, text in enumerate((f"{m.connection}/{m.table}", json.dumps(m.key, default=str), values)):
                self.rows.setItem(i, c, QTableWidgetItem(text))
        self.rows.resizeColumnsToContents()
        self.rows.itemSelectionChanged.connect(self._columns_of_selection)
        self.column = QComboBox()
        self.column.setObjectName("column")
        self.ground = QComboBox()
        self.ground.setObjectName("ground")
        for g in withholding.grounds(ctx, reference).values():
            self.ground.addItem(f"{g.key}: {g.label}", g.key)
            self.ground.setItemData(self.ground.count() - 1, g.citation, Qt.ItemDataRole.ToolTipRole)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("reason")
        self.reason.setFixedHeight(60)
        self.reason.setPlaceholderText(self.tr("Why, in your words (kept in the audit trail, not in the letter)"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.add_button = QPushButton(self.tr("Withhold selected"))
        self.add_button.setObjectName("withholdButton")
        self.add_button.clicked.connect(lambda: self.withhold_selected())
        self.existing = QListWidget()
        self.existing.setObjectName("existing")
        self.existing.setMaximumHeight(110)
        self.remove_button = QPushButton(self.tr("Disclose again"))
        self.remove_button.clicked.connect(self.remove_selected)
        form = QFormLayout()
        form.addRow(self.tr("Column"), self.column)
        form.addRow(self.tr("Ground"), self.ground)
        form.addRow(self.tr("Reason"), self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Rows the attached search found. Select records to withhold whole, or "
                                        "pick a column to withhold only that field.")))
        layout.addWidget(self.rows, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.add_button)
        layout.addWidget(QLabel(self.tr("Withheld from the letter and the portability file:")))
        layout.addWidget(self.existing)
        layout.addWidget(self.remove_button)
        layout.addWidget(buttons)
        self._columns_of_selection()
        self._load_existing()

    def _selected(self) -> list[int]:
        return sorted({i.row() for i in self.rows.selectedIndexes()})

    def _columns_of_selection(self) -> None:
        cols: dict[str, None] = {}
        for r in self._selected():
            cols.update(dict.fromkeys(self.matches[r].row))
        self.column.clear()
        self.column.addItem(self.tr(_WHOLE), "")
        for c in cols:
            self.column.addItem(c, c)

    def _load_existing(self) -> None:
        self.existing.clear()
        rules = withholding.list_withholdings(self.ctx, self.reference)
        for w in rules:
            item = QListWidgetItem(f"{w.describe()} — {w.ground}: {w.reason}")
            item.setData(Qt.ItemDataRole.UserRole, w.id)
            self.existing.addItem(item)
        for i, m in enumerate(self.matches):  # withheld records shown struck through
            gone = any(w.covers_row(m.connection, m.table, m.key) for w in rules)
            for c in range(self.rows.columnCount()):
                cell = self.rows.item(i, c)
                if cell is not None:
                    font = cell.font()
                    font.setStrikeOut(gone)
                    cell.setFont(font)

    def withhold_selected(self) -> int:
        """One withholding per selected record (a column of it when a column is picked)."""
        rows = self._selected()
        if not rows:
            self.error.setText(self.tr("Select the records to withhold first."))
            return 0
        done = 0
        try:
            for r in rows:
                m = self.matches[r]
                withholding.add_withholding(self.ctx, self.reference, f"{m.connection}/{m.table}",
                                            str(self.ground.currentData()), self.reason.toPlainText(), self.actor(),
                                            key=m.key, column=str(self.column.currentData() or ""))
                done += 1
        except PrivDeskError as exc:
            self.error.setText(exc.message)  # the reason typed stays in the box
        else:
            self.error.clear()
        if done:
            self._load_existing()
            self.changed.emit()
        return done

    def remove_selected(self) -> None:
        item = self.existing.currentItem()
        if item is None:
            return
        try:
            withholding.remove_withholding(self.ctx, self.reference, int(item.data(Qt.ItemDataRole.UserRole)), self.actor())
        except PrivDeskError as exc:
            show_error(self, exc)
            return
        self._load_existing()
        self.changed.emit()
