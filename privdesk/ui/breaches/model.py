"""The register as a Qt table model, fed by :func:`privdesk.services.breaches.list_breaches`.

The register holds tens or hundreds of breaches, not thousands, so the model keeps the rows the
service returns and sorts them in memory; the clock column is recomputed every minute.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from privdesk.services.breaches import BreachRow
from privdesk.ui.vocabulary import RISK_NAMES, format_datetime, law_name

COL_REFERENCE, COL_TITLE, COL_AWARE, COL_CLOCK, COL_RISK, COL_STATUS, COL_AFFECTED = range(7)
HEADERS = ("Reference", "Title", "Aware", "Time left", "Risk", "Status", "Affected")
SortRole = Qt.ItemDataRole.UserRole + 1
BreachRole = Qt.ItemDataRole.UserRole + 2
StateRole = Qt.ItemDataRole.UserRole + 3

STATE_COLOURS = {"red": ("#fee2e2", "#991b1b"), "amber": ("#fef3c7", "#92400e"),
                 "ok": ("#dcfce7", "#166534")}
RISK_LABELS = RISK_NAMES  # None / Risk / High risk, as everywhere in the window
_Index = QModelIndex | QPersistentModelIndex


class BreachTableModel(QAbstractTableModel):
    """Rows of :class:`BreachRow`; ``StateRole`` gives the clock state (ok, amber, red, ...)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[BreachRow] = []
        self.as_of = datetime.now(UTC)

    def set_rows(self, rows: list[BreachRow], as_of: datetime | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.as_of = as_of or datetime.now(UTC)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def row_at(self, row: int) -> BreachRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == BreachRole:
            return r
        if role == StateRole:
            return r.clock_state
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == SortRole:
            return self._sort_key(r, col)
        if role == Qt.ItemDataRole.BackgroundRole and col == COL_CLOCK and r.clock_state in STATE_COLOURS:
            return QBrush(QColor(STATE_COLOURS[r.clock_state][0]))
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_CLOCK and r.clock_state in STATE_COLOURS:
            return QBrush(QColor(STATE_COLOURS[r.clock_state][1]))
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_CLOCK and r.clock is not None:
            due = format_datetime(r.clock.due.astimezone(r.aware.tzinfo)) if r.clock.due else "—"
            return f"{r.clock.kind.label} ({law_name(r.clock.regime)}): due {due}; {r.clock.citation}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._display(r, col)  # the whole text where the column cuts it
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_AFFECTED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _sort_key(self, r: BreachRow, col: int) -> Any:
        if col == COL_CLOCK:
            order = {"red": 0, "amber": 1, "ok": 2, "no-deadline": 3, "done": 4, "not-required": 5}
            left = r.clock.minutes_left if r.clock and r.clock.minutes_left is not None else 10**9
            return (order.get(r.clock_state, 9), left)
        if col == COL_AWARE:
            return r.aware.timestamp()
        if col == COL_AFFECTED:
            return r.affected
        if col == COL_RISK:
            return {"none": 0, "risk": 1, "high": 2}.get(r.risk, 9)
        return self._display(r, col).casefold()

    def _display(self, r: BreachRow, col: int) -> str:
        if col == COL_REFERENCE:
            return r.reference
        if col == COL_TITLE:
            return r.title + ("  [special categories]" if r.special_categories else "")
        if col == COL_AWARE:
            return format_datetime(r.aware)
        if col == COL_CLOCK:
            return r.clock_text or "—"
        if col == COL_RISK:
            return RISK_LABELS.get(r.risk, r.risk)
        if col == COL_STATUS:
            return r.status.capitalize()
        if col == COL_AFFECTED:
            return f"{r.affected:,}"
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=lambda r: self._sort_key(r, column), reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()
