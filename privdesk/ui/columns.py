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

    def __init__(self, view: QTableView, priorities: Sequence[int], flexible: int | None = None,
                 flexible_min: int = 100) -> None:
        super().__init__(view)
        self.view, self.priorities = view, list(priorities)
        #: a column (the subject's name) that narrows, eliding with a tooltip, before another
        #: column is hidden
        self.flexible, self.flexible_min = flexible, flexible_min
        self._applying = False
        self.widths = {c: view.columnWidth(c) for c in self.priorities}
        view.viewport().installEventFilter(self)
        view.horizontalHeader().sectionResized.connect(self._resized)

    def _resized(self, col: int, _old: int, new: int) -> None:
        header = self.view.horizontalHeader()
        visible = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        stretched = header.stretchLastSection() and visible and col == max(visible, key=header.visualIndex)
        # a width the officer chose counts; the stretch of the last column does not (it would
        # grow into the room a hidden column needs and keep it hidden)
        if new > 0 and col in self.widths and not stretched and not self._applying:
            self.widths[col] = new

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.apply()
        return False

    def apply(self) -> list[int]:
        """Show the columns that fit; returns the hidden ones."""
        room = self.view.viewport().width()
        flexible_full = self.widths.get(self.flexible, 0) if self.flexible is not None else 0
        squeeze = max(0, flexible_full - self.flexible_min)
        used, hidden = 0, []
        for i, col in enumerate(self.priorities):
            width = self.widths.get(col, 80)
            keep = i < 2 or used + width <= room + squeeze  # the first two always stay
            self.view.setColumnHidden(col, not keep)
            if keep:
                used += width
            else:
                hidden.append(col)
        if self.flexible is not None:
            self._applying = True
            try:  # narrow the flexible column just enough for the kept ones
                over = max(0, used - room)
                self.view.setColumnWidth(self.flexible, max(self.flexible_min, flexible_full - over))
            finally:
                self._applying = False
        return hidden
