"""Columns by priority: when a table is too narrow for every column, the least important ones
are hidden (not squeezed into "In progres"), and come back when there is room. What a hidden
column held is still in the detail view beside the table."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView


class ColumnPriorities(QObject):
    """Keeps ``view``'s columns to those that fit at their current widths, most important
    first (``priorities`` lists column numbers from most to least important)."""

    def __init__(self, view: QTableView, priorities: Sequence[int]) -> None:
        super().__init__(view)
        self.view, self.priorities = view, list(priorities)
        self.widths = {c: view.columnWidth(c) for c in self.priorities}
        view.viewport().installEventFilter(self)
        view.horizontalHeader().sectionResized.connect(self._resized)

    def _resized(self, col: int, _old: int, new: int) -> None:
        if new > 0 and col in self.widths:
            self.widths[col] = new

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.apply()
        return False

    def apply(self) -> list[int]:
        """Show the columns that fit; returns the hidden ones."""
        room = self.view.viewport().width()
        used, hidden = 0, []
        for i, col in enumerate(self.priorities):
            width = self.widths.get(col, 80)
            keep = i < 2 or used + width <= room  # the first two always stay
            self.view.setColumnHidden(col, not keep)
            if keep:
                used += width
            else:
                hidden.append(col)
        return hidden
