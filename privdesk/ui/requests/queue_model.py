"""The queue's table model: rows come from SQL a page at a time, so 100,000 requests open at once.

``rowCount`` is one ``COUNT(*)``; ``data`` asks the service for the page holding the row the
view paints (a few hundred rows, through the deadline/status indexes) and keeps a bounded number
of pages. Sorting and filtering change the query and reset the model: the database does the work.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from privdesk.domain.periods import DUE_SOON_DAYS
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.ui.vocabulary import UNASSIGNED, format_date, law_name

log = logging.getLogger("privdesk.ui.requests")

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

COLUMNS: tuple[tuple[str, str], ...] = (
    ("reference", "Reference"),
    ("subject", "Subject"),
    ("type", "Type"),
    ("law", "Law"),
    ("received", "Received"),
    ("due", "Due"),
    ("days_left", "Days left"),
    ("status", "Status"),
    ("assignee", "Assignee"),
)
COL_REFERENCE, COL_SUBJECT, COL_TYPE, COL_LAW, COL_RECEIVED, COL_DUE, COL_DAYS, COL_STATUS, COL_ASSIGNEE = range(9)

RequestRole = Qt.ItemDataRole.UserRole + 1
"""The whole :class:`~privdesk.services.requests.RequestRow` of a line."""
SortRole = Qt.ItemDataRole.UserRole + 2
"""The value the column sorts by (ISO date, number of days, text)."""

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
FONT = int(Qt.ItemDataRole.FontRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ANSWERED = frozenset({DISPLAY, FOREGROUND, FONT, ALIGNMENT, TOOLTIP, int(RequestRole), int(SortRole)})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

OVERDUE = QColor("#b91c1c")
SOON = QColor("#b45309")
PAUSED = QColor("#6b7280")
SOON_DAYS = DUE_SOON_DAYS  # the same "due soon" as the badge and the dashboard

_STATUS_LABELS = {"received": "Received", "verifying": "Verifying", "in_progress": "In progress",
                  "extended": "Extended", "completed": "Completed", "denied": "Denied",
                  "withdrawn": "Withdrawn"}
_TYPE_LABELS = {"opt-out": "Opt-out"}


def status_label(status: str) -> str:
    return _STATUS_LABELS.get(status, status)


def type_label(rtype: str) -> str:
    return _TYPE_LABELS.get(rtype, rtype.replace("_", " ").capitalize())


def law_label(law: str) -> str:
    return law_name(law)


def days_left_text(row: svc.RequestRow, today: date) -> str:
    if not row.is_open:
        return "—"
    if row.paused:
        return "paused"
    return str(row.days_left(today))


def urgency_colour(row: svc.RequestRow, today: date) -> QColor | None:
    """Red overdue, amber due within a week, grey while the clock waits for identity."""
    if not row.is_open:
        return None
    if row.paused:
        return PAUSED
    left = row.days_left(today)
    if left < 0:
        return OVERDUE
    if left <= SOON_DAYS:
        return SOON
    return None


class _Line:
    """One row as the table paints it: its texts, and the colour and weight of its deadline."""

    __slots__ = ("brush", "font", "row", "texts", "today")

    def __init__(self, row: svc.RequestRow, today: date,
                 display: Callable[[svc.RequestRow, int, date], str]) -> None:
        self.row = row
        self.today = today
        self.texts = tuple(display(row, col, today) for col in range(len(COLUMNS)))
        colour = urgency_colour(row, today)
        self.brush = QBrush(colour) if colour is not None else None
        self.font: QFont | None = None
        if colour in (OVERDUE, SOON):
            self.font = QFont()
            self.font.setBold(True)


class QueueModel(QAbstractTableModel):
    """Pages of :class:`RequestRow` from the database, for a ``QTableView``."""

    def __init__(self, ctx: AppContext, page_size: int = 200, max_pages: int = 40,
                 today: date | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.page_size = page_size
        self.max_pages = max_pages
        self._today = today
        self._query = svc.RequestQuery()
        self._count = 0
        self._pages: OrderedDict[int, list[svc.RequestRow]] = OrderedDict()
        self._lines: dict[int, _Line] = {}  # row number -> what the view paints; goes with the pages
        self._lines_day: date | None = None
        self.page_loads = 0
        self._count = svc.count_requests(self.ctx, self._query, today=self.today)

    # -- query ------------------------------------------------------------------------------
    @property
    def today(self) -> date:
        return self._today or date.today()

    @property
    def query(self) -> svc.RequestQuery:
        return self._query

    def set_query(self, query: svc.RequestQuery) -> None:
        """Apply a new filter (the sort is kept unless the query names one)."""
        self.beginResetModel()
        self._query = query
        self._pages.clear()
        self._lines.clear()
        self._count = svc.count_requests(self.ctx, query, today=self.today)
        self.endResetModel()

    def set_filter(self, query: svc.RequestQuery) -> None:
        """A filter from the filter bar: keep the current sort."""
        self.set_query(replace(query, sort=self._query.sort, descending=self._query.descending))

    def refresh(self) -> None:
        """Re-read everything (after an edit, or when another officer may have changed rows)."""
        self.set_query(self._query)

    def row_at(self, row: int) -> svc.RequestRow | None:
        if not 0 <= row < self._count:
            return None
        page_no = row // self.page_size
        page = self._pages.get(page_no)
        if page is None:
            page = svc.list_requests(self.ctx, self._query, offset=page_no * self.page_size,
                                     limit=self.page_size, today=self.today)
            self.page_loads += 1
            self._pages[page_no] = page
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)
                self._lines.clear()
        else:
            self._pages.move_to_end(page_no)
        i = row - page_no * self.page_size
        return page[i] if i < len(page) else None

    def row_of(self, reference: str) -> int | None:
        """The row of a reference among the pages already loaded (to keep a selection)."""
        for page_no, page in self._pages.items():
            for i, r in enumerate(page):
                if r.reference == reference:
                    return page_no * self.page_size + i
        return None

    # -- Qt model interface ---------------------------------------------------------------
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role in (Qt.ItemDataRole.DisplayRole,
                                                                 Qt.ItemDataRole.ToolTipRole):
            if 0 <= section < len(COLUMNS):
                return self.tr(COLUMNS[section][1])  # the tooltip: the whole title when narrowed
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        # Called for every cell and every role at each paint (thousands of times): roles the
        # table does not use return at once, and a row's texts and colours are worked out once.
        if role not in _ANSWERED or not index.isValid():
            return None
        line = self._line(index.row())
        if line is None:
            return None
        col = index.column()
        if role == DISPLAY:
            return line.texts[col]
        if role == FOREGROUND:
            return line.brush if col in (COL_DUE, COL_DAYS) else None
        if role == FONT:
            return line.font if col == COL_DAYS else None
        if role == ALIGNMENT:
            return _RIGHT if col == COL_DAYS else None
        row = line.row
        if role == RequestRole:
            return row
        if role == SortRole:
            return self._sort_value(row, col, line.today)
        if col == COL_DAYS and row.paused:  # the tooltip
            return self.tr("The clock starts when identity is verified.")
        if col == COL_DAYS and row.is_open and row.days_left(line.today) < 0:
            return self.tr("{0} days overdue").format(-row.days_left(line.today))
        if col == COL_SUBJECT and row.primary_email:
            return f"{row.subject_name} — {row.primary_email}"
        return line.texts[col]  # the whole text where a column elides it

    def _line(self, row: int) -> _Line | None:
        """The row as painted, from the cache while the day and the loaded page last."""
        today = self.today
        if today != self._lines_day:
            self._lines.clear()
            self._lines_day = today
        line = self._lines.get(row)
        if line is None:
            found = self.row_at(row)
            if found is None:
                return None
            line = self._lines[row] = _Line(found, today, self._display)
        return line

    def _display(self, row: svc.RequestRow, col: int, today: date) -> str:
        if col == COL_REFERENCE:
            return row.reference
        if col == COL_SUBJECT:
            return row.subject_name
        if col == COL_TYPE:
            return type_label(row.type)
        if col == COL_LAW:
            return law_label(row.law)
        if col == COL_RECEIVED:
            return format_date(row.received)
        if col == COL_DUE:
            return format_date(row.deadline)
        if col == COL_DAYS:
            return days_left_text(row, today)
        if col == COL_STATUS:
            return status_label(row.status)
        return row.assignee_name or UNASSIGNED

    def _sort_value(self, row: svc.RequestRow, col: int, today: date) -> Any:
        if col == COL_DAYS:
            return row.days_left(today)
        if col == COL_RECEIVED:
            return row.received
        if col == COL_DUE:
            return row.deadline
        return self._display(row, col, today)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column][0]
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._query.sort and descending == self._query.descending:
            return
        # A reset, not layoutChanged: rows are not moved in memory, the database reorders them.
        self.beginResetModel()
        self._query = replace(self._query, sort=key, descending=descending)
        self._pages.clear()
        self._lines.clear()
        self.endResetModel()
