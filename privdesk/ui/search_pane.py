"""The Search area: a subject's identifiers in, every row about them out.

The search runs in a worker (``run_task``); matches stream in through ``TaskControl.partial``
and land in a tree (connection -> table -> rows) while the GUI stays responsive. Cancel stops
the workers between queries and interrupts running SQLite queries.
"""

from __future__ import annotations

import gc
import html
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QBrush,
    QColor,
    QFont,
    QPainter,
    QShowEvent,
    QStandardItem,
    QStandardItemModel,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from privdesk.discovery import ownership
from privdesk.discovery.errors import PasswordNeeded
from privdesk.discovery.export import SearchSnapshot, attach_plan, match_id
from privdesk.discovery.search import (
    Excluded,
    Match,
    Progress,
    SearchError,
    SearchOptions,
    SearchResult,
    TableCount,
    row_label,
)
from privdesk.errors import PrivDeskError
from privdesk.services import casefile
from privdesk.services import discovery as svc
from privdesk.services.casefile import SnapshotInfo
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import show_error
from privdesk.ui.passwords import ask_password
from privdesk.ui.vocabulary import count
from privdesk.ui.workers import Task, run_task

HtmlRole = Qt.ItemDataRole.UserRole + 1
MatchRole = Qt.ItemDataRole.UserRole + 2
KindRole = Qt.ItemDataRole.UserRole + 3  # "connection" | "table" | "row" | "group" | "left_out"

COL_ROW, COL_WHY, COL_VALUES = range(3)
_ERROR = QColor("#b91c1c")
_HIGHLIGHT = "#fde68a"
_CANDIDATE = QColor("#b45309")
_MUTED = QColor("#64748b")
CANDIDATES = "Candidates — check before including"
CONTEXT = "Context — catalogue rows, not the subject's data"
LEFT_OUT = "Left out"


def split_values(text: str) -> list[str]:
    """Several identifiers in one field, separated by semicolons or line breaks."""
    return [v.strip() for v in text.replace("\n", ";").split(";") if v.strip()]


def _short(v: Any, limit: int = 60) -> str:
    s = "" if v is None else str(v)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _frozen_key(key: dict[str, Any]) -> str:
    return repr(sorted(key.items()))


def row_html(m: Match) -> str:
    """The row's values, matched columns highlighted."""
    parts = []
    for col, val in m.row.items():
        text = f"<b>{html.escape(col)}</b>={html.escape(_short(val))}"
        if col in m.matched_on:
            text = f"<span style='background:{_HIGHLIGHT}'>{text}</span>"
        parts.append(text)
    return " &nbsp;·&nbsp; ".join(parts)


class HtmlDelegate(QStyledItemDelegate):
    """Paints the ``HtmlRole`` text of a cell as rich text (for highlighted columns).

    Laid-out documents are cached: parsing HTML on every repaint would cost the event loop
    milliseconds per visible row while rows stream in.
    """

    def __init__(self, parent: QWidget | None = None, cache_size: int = 512) -> None:
        super().__init__(parent)
        self._cache: OrderedDict[str, QTextDocument] = OrderedDict()
        self._cache_size = cache_size

    def _document(self, markup: str, font: QFont) -> QTextDocument:
        key = f"{font.key()}\x00{markup}"
        doc = self._cache.get(key)
        if doc is not None:
            self._cache.move_to_end(key)
            return doc
        doc = QTextDocument()
        doc.setDefaultFont(font)
        doc.setDocumentMargin(2)
        doc.setHtml(markup)
        self._cache[key] = doc
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        markup = index.data(HtmlRole)
        if not markup:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        doc = self._document(str(markup), opt.font)
        painter.save()
        painter.translate(opt.rect.topLeft())
        painter.setClipRect(QRectF(0, 0, opt.rect.width(), opt.rect.height()))
        ctx = QAbstractTextDocumentLayout.PaintContext()
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), 22))


class ResultsModel(QStandardItemModel):
    """The subject's rows as connection -> table -> rows; then, apart, candidates grouped by the
    person they may be (the conflict named), context rows, and what was left out and why. Fed
    one search event at a time. Subject and candidate rows carry a check box: ticked rows are
    attached (candidates start unticked)."""

    HEADERS = ("Row", "Why it is here", "Values")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        self._conns: dict[str, QStandardItem] = {}
        self._tables: dict[tuple[str, str], QStandardItem] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._more: set[tuple[str, str]] = set()
        self._errors: dict[str, list[str]] = {}
        self._by_key: dict[tuple[str, str, str], Match] = {}
        self._groups: dict[str, QStandardItem] = {}
        self._owners: dict[tuple[str, str], QStandardItem] = {}
        self._checkable: list[QStandardItem] = []
        self.rows = 0

    def reset_results(self) -> None:
        self.removeRows(0, self.rowCount())
        for d in (self._conns, self._tables, self._counts, self._errors, self._by_key, self._groups, self._owners):
            d.clear()
        self._more.clear()
        self._checkable.clear()
        self.rows = 0

    @staticmethod
    def _blank(text: str = "") -> QStandardItem:
        it = QStandardItem(text)
        it.setEditable(False)
        return it

    def _conn_item(self, name: str) -> QStandardItem:
        item = self._conns.get(name)
        if item is None:
            item = self._blank(name)
            item.setData("connection", KindRole)
            bold = QFont()
            bold.setBold(True)
            item.setFont(bold)
            # the subject's connections come before the groups shown apart
            self.insertRow(len(self._conns), [item, self._blank(), self._blank()])
            self._conns[name] = item
        return item

    def _group(self, title: str) -> QStandardItem:
        item = self._groups.get(title)
        if item is None:
            item = self._blank(self.tr(title))
            item.setData("group", KindRole)
            bold = QFont()
            bold.setBold(True)
            item.setFont(bold)
            if title != CONTEXT:
                item.setForeground(QBrush(_CANDIDATE if title == CANDIDATES else _MUTED))
            self.appendRow([item, self._blank(), self._blank()])
            self._groups[title] = item
        return item

    def _table_item(self, conn: str, table: str) -> QStandardItem:
        key = (conn, table)
        item = self._tables.get(key)
        if item is None:
            item = self._blank(table)
            item.setData("table", KindRole)
            self._conn_item(conn).appendRow([item, self._blank(), self._blank()])
            self._tables[key] = item
            self._counts[key] = 0
        return item

    def _parent_for(self, m: Match) -> QStandardItem:
        if m.role == ownership.CANDIDATE:
            key = (m.connection, m.owner)
            owner = self._owners.get(key)
            if owner is None:
                owner = self._blank(self.tr("Perhaps {0} ({1})").format(m.owner, m.connection))
                owner.setData("owner", KindRole)
                owner.setForeground(QBrush(_CANDIDATE))
                owner.setCheckable(True)  # ticks or unticks all of this person's rows at once
                owner.setCheckState(Qt.CheckState.Unchecked)
                owner.setToolTip(self.tr("Tick to include all rows of this person after checking them"))
                self._group(CANDIDATES).appendRow([owner, self._blank(), self._blank()])
                self._owners[key] = owner
            if not m.via:  # the person row itself names the conflict for the group
                cell = self._group(CANDIDATES).child(owner.row(), COL_WHY)
                cell.setText(m.reason)
                cell.setToolTip(m.reason)
            return owner
        if m.role == ownership.CONTEXT:
            return self._group(CONTEXT)
        return self._table_item(m.connection, m.table)

    def add_match(self, m: Match) -> None:
        parent = self._parent_for(m)
        label = row_label(m.table, {k: _short(v, 30) for k, v in m.key.items()}, m.row)
        first = self._blank(label)
        first.setData("row", KindRole)
        first.setData(m, MatchRole)
        if m.role in (ownership.SUBJECT, ownership.CANDIDATE):
            first.setCheckable(True)
            first.setCheckState(Qt.CheckState.Checked if m.role == ownership.SUBJECT else Qt.CheckState.Unchecked)
            first.setToolTip(self.tr("Ticked rows are attached to the request; untick a row to leave it out."))
            self._checkable.append(first)
        why = self._blank(self.reason_text(m))
        path = self.via_path(m)
        tips = [t for t in (self.tr("Columns that matched: {0}").format(", ".join(m.matched_on)) if m.matched_on
                            else "", self.tr("Path: {0}").format(path) if path else "") if t]
        if m.role == ownership.CANDIDATE:  # the conflict is the point: the whole sentence on hover
            tips.insert(0, self.reason_text(m))
        why.setToolTip("\n".join(tips))
        if m.matched_on:
            why.setBackground(QBrush(QColor(_HIGHLIGHT)))
        if m.role == ownership.CANDIDATE:
            why.setForeground(QBrush(_CANDIDATE))
        self._by_key[(m.connection, m.table, _frozen_key(m.key))] = m
        values = self._blank(" · ".join(f"{k}={_short(v)}" for k, v in m.row.items()))
        values.setData(row_html(m), HtmlRole)
        parent.appendRow([first, why, values])
        self.rows += 1
        if m.role == ownership.SUBJECT:
            self._counts[(m.connection, m.table)] += 1
            self._label(m.connection, m.table)
        else:
            self._label_groups()

    def reason_text(self, m: Match) -> str:
        """Plain words: ``Found because the e-mail matches``, ``Linked through orders 1181``."""
        if m.reason:
            return m.reason[:1].upper() + m.reason[1:]
        if m.via is not None:
            parent = self._by_key.get((m.connection, m.via.table, _frozen_key(m.via.key)))
            return self.tr("Linked through {0}").format(row_label(m.via.table, m.via.key,
                                                                  parent.row if parent else None))
        return self.tr("Found because {0} matches").format(", ".join(m.matched_on)) if m.matched_on else ""

    def via_path(self, m: Match) -> str:
        """The path of links from the row that matched to this one: ``customers 1 › orders 10``."""
        steps: list[str] = []
        via = m.via
        seen: set[tuple[str, str]] = set()
        while via is not None and len(steps) < 6:
            ident = (via.table, _frozen_key(via.key))
            if ident in seen:
                break
            seen.add(ident)
            parent = self._by_key.get((m.connection, via.table, _frozen_key(via.key)))
            steps.append(row_label(via.table, {k: _short(v, 20) for k, v in via.key.items()},
                                   parent.row if parent else None))
            via = parent.via if parent is not None else None
        return " › ".join(reversed(steps))

    def _label(self, conn: str, table: str) -> None:
        key = (conn, table)
        n = self._counts.get(key, 0)
        more = " (more rows than the cap)" if key in self._more else ""
        self._tables[key].setText(f"{table} — {n} row{'s' if n != 1 else ''}{more}")
        total = sum(c for (cn, _t), c in self._counts.items() if cn == conn)
        errs = self._errors.get(conn, [])
        citem = self._conn_item(conn)
        suffix = f" — {len(errs)} error{'s' if len(errs) != 1 else ''}" if errs else ""
        citem.setText(f"{conn} — {total} row{'s' if total != 1 else ''}{suffix}")

    def _label_groups(self) -> None:
        for title, item in self._groups.items():
            if title == LEFT_OUT:
                continue
            n = sum(item.child(i).rowCount() for i in range(item.rowCount())) if title == CANDIDATES \
                else item.rowCount()
            item.setText(f"{self.tr(title)} — {n} row{'s' if n != 1 else ''}")

    def mark_more(self, t: TableCount) -> None:
        if t.more:
            self._table_item(t.connection, t.table)
            self._more.add((t.connection, t.table))
            self._label(t.connection, t.table)

    def add_excluded(self, x: Excluded) -> None:
        """Rows of other people reached on the way: counted, with the reason, never shown."""
        group = self._group(LEFT_OUT)
        item = self._blank(x.table)
        item.setData("left_out", KindRole)
        text = self._blank(ownership.excluded_sentence(x.rows, x.table, x.reason))
        text.setForeground(QBrush(_MUTED))
        group.appendRow([item, self._blank(x.connection), text])
        n = sum(int(group.child(i, COL_VALUES).text().split(" ")[0]) for i in range(group.rowCount()))
        group.setText(self.tr("Left out — {0} of other people, not shown").format(count(n, "row")))

    def add_error(self, e: SearchError) -> None:
        citem = self._conn_item(e.connection)
        self._errors.setdefault(e.connection, []).append(e.message)
        err = self._blank(e.message)
        err.setForeground(QBrush(_ERROR))
        err.setData("error", KindRole)
        citem.appendRow([self._blank("error"), self._blank(), err])
        citem.setForeground(QBrush(_ERROR))
        citem.setText(f"{e.connection} — {count(len(self._errors[e.connection]), 'error')}")

    def table_count(self) -> int:
        return sum(1 for n in self._counts.values() if n)

    def unticked(self) -> frozenset[tuple[str, str, str]]:
        """Rows the officer left out (subject rows unticked, candidates not ticked), as
        :func:`privdesk.discovery.export.match_id` values."""
        out: set[tuple[str, str, str]] = set()
        for item in self._checkable:
            m = item.data(MatchRole)
            if isinstance(m, Match) and item.checkState() != Qt.CheckState.Checked:
                out.add(match_id(m))
        return frozenset(out)


_frozen = False


def freeze_startup_objects() -> None:
    """Move everything built so far to the GC's permanent generation (once per process).

    A full (generation 2) collection walks every tracked object -- tens of thousands after Qt,
    SQLAlchemy and the rule files are loaded -- and takes 50+ ms; when a search worker triggers
    it, it holds the GIL and the window stutters. Frozen objects are skipped by the collector.
    See https://docs.python.org/3/library/gc.html#gc.freeze.
    """
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


class SearchPane(QWidget):
    """Identifiers in, a tree out; progress, Cancel, per-connection errors.

    Signals:
        finished(object): the SearchResult of a search that ran to the end.
        attached(object): a :class:`casefile.SnapshotInfo` saved on a request.
    """

    finished = Signal(object)
    attached = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, pool: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pool = pool
        self.task: Task | None = None
        self._stop: threading.Event | None = None
        self.result: SearchResult | None = None
        self._depth_used = 2
        self._switch_interval: float | None = None
        self._pending: deque[object] = deque()
        self._final: SearchResult | None = None
        self._typed: list[str] = []  # connections whose password was typed for the next search
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(30)
        self._flush_timer.timeout.connect(self._flush)

        outer = QVBoxLayout(self)
        title = QLabel(self.tr("<h2>Subject search</h2>"))
        outer.addWidget(title)
        form = QFormLayout()
        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("searchEmail")
        self.email_edit.setPlaceholderText(self.tr("zoe@example.com; z.o@example.org"))
        self.phone_edit = QLineEdit()
        self.phone_edit.setObjectName("searchPhone")
        self.phone_edit.setPlaceholderText(self.tr("+44 20 7946 0958"))
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("searchName")
        self.name_edit.setPlaceholderText(self.tr("Zoë Ødegård"))
        self.id_edit = QLineEdit()
        self.id_edit.setObjectName("searchCustomerId")
        self.id_edit.setPlaceholderText(self.tr("C-100042"))
        form.addRow(self.tr("E-mails:"), self.email_edit)
        form.addRow(self.tr("Phones:"), self.phone_edit)
        form.addRow(self.tr("Names:"), self.name_edit)
        form.addRow(self.tr("Customer ids:"), self.id_edit)
        for edit in (self.email_edit, self.phone_edit, self.name_edit, self.id_edit):
            edit.returnPressed.connect(self.start_search)

        top = QHBoxLayout()
        top.addLayout(form, 3)
        side = QVBoxLayout()
        side.addWidget(QLabel(self.tr("Connections to search:")))
        self.conn_list = QListWidget()
        self.conn_list.setObjectName("searchConnections")
        self.conn_list.setMaximumHeight(110)
        side.addWidget(self.conn_list)
        self.manage_button = QPushButton(self.tr("Manage connections…"))
        self.manage_button.clicked.connect(self.manage_connections)
        side.addWidget(self.manage_button)
        top.addLayout(side, 2)
        outer.addLayout(top)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Follow links:")))
        self.depth_spin = QSpinBox()
        self.depth_spin.setRange(0, 5)
        self.depth_spin.setValue(2)
        self.depth_spin.setSuffix(self.tr(" steps"))
        self.depth_spin.setToolTip(self.tr("How many steps of rows that refer to the subject's rows (orders, "
                                           "then order items) the search follows"))
        bar.addWidget(self.depth_spin)
        bar.addStretch(1)
        self.search_button = QPushButton(self.tr("Search"))
        self.search_button.setObjectName("searchButton")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.start_search)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_search)
        bar.addWidget(self.search_button)
        bar.addWidget(self.cancel_button)
        outer.addLayout(bar)

        self.progress = QProgressBar()
        self.progress.setObjectName("searchProgress")
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        outer.addWidget(self.progress)

        self.model = ResultsModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("searchResults")
        self.tree.setModel(self.model)
        self.tree.setItemDelegateForColumn(COL_VALUES, HtmlDelegate(self.tree))
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(COL_ROW, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_ROW, 230)
        header.resizeSection(COL_WHY, 300)
        header.setStretchLastSection(True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        outer.addWidget(splitter, 1)

        self.attach_preview = QLabel()
        self.attach_preview.setObjectName("attachPreview")
        self.attach_preview.setWordWrap(True)
        outer.addWidget(self.attach_preview)
        self.model.itemChanged.connect(self._item_changed)

        attach_bar = QHBoxLayout()
        attach_bar.addWidget(QLabel(self.tr("Attach this result to request:")))
        self.attach_ref = QComboBox()
        self.attach_ref.setObjectName("attachReference")
        self.attach_ref.setEditable(True)
        self.attach_ref.setMinimumWidth(170)
        ref_edit = self.attach_ref.lineEdit()
        if ref_edit is not None:
            ref_edit.setPlaceholderText(self.tr("request reference"))
        self.attach_ref.currentTextChanged.connect(lambda _t: self._update_attach())
        attach_bar.addWidget(self.attach_ref)
        self.attach_button = QPushButton(self.tr("Attach to request"))
        self.attach_button.setObjectName("attachButton")
        self.attach_button.setToolTip(self.tr("Saves the rows found, the identifiers used and the time on the "
                                              "request, for its export letter and portability file"))
        self.attach_button.clicked.connect(lambda: self.attach())
        attach_bar.addWidget(self.attach_button)
        attach_bar.addStretch(1)
        outer.addLayout(attach_bar)
        #: who attaches: the window's one current officer (recorded beside the login)
        self.actor: Callable[[], str] = ctx.actor

        self.status = QLabel(self.tr("Type one or more identifiers and press Search."))
        self.status.setObjectName("searchStatus")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        self.reload_connections()
        self._update_attach()
        svc.default_region(ctx)  # loads the settings service now, not on the first Search click
        freeze_startup_objects()

    # -- connections ----------------------------------------------------------------------------
    def reload_connections(self) -> None:
        """List the registered connections; ones the officer unticked stay unticked, new ones
        (added in the dialog, by the demo or on the command line) arrive ticked."""
        unchecked = {self.conn_list.item(i).text() for i in range(self.conn_list.count())
                     if self.conn_list.item(i).checkState() != Qt.CheckState.Checked}
        self.conn_list.clear()
        for c in svc.list_connections(self.ctx):
            item = QListWidgetItem(c.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = c.name not in unchecked
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            item.setToolTip(c.url)
            self.conn_list.addItem(item)

    def showEvent(self, event: QShowEvent) -> None:
        if self.task is None:
            self.reload_connections()
            self.reload_requests()
        super().showEvent(event)

    def reload_requests(self) -> None:
        """Offer the open requests, most urgent first, as attach targets (typing any works too)."""
        from privdesk.services import requests as rq

        text = self.attach_ref.currentText()
        self.attach_ref.blockSignals(True)
        self.attach_ref.clear()
        for row in rq.list_requests(self.ctx, rq.RequestQuery(open_only=True), 0, 300):
            self.attach_ref.addItem(row.reference)
            self.attach_ref.setItemData(self.attach_ref.count() - 1, f"{row.subject_name} · {row.type}",
                                        Qt.ItemDataRole.ToolTipRole)
        self.attach_ref.setEditText(text)
        self.attach_ref.blockSignals(False)
        self._update_attach()

    def selected_connections(self) -> list[str]:
        return [self.conn_list.item(i).text() for i in range(self.conn_list.count())
                if self.conn_list.item(i).checkState() == Qt.CheckState.Checked]

    def manage_connections(self) -> None:
        from privdesk.ui.connections_dialog import ConnectionsDialog

        dlg = ConnectionsDialog(self.ctx, self, pool=self.pool, actor=self.actor)
        dlg.finished.connect(lambda _r: self.reload_connections())
        dlg.open()
        self.connections_dialog = dlg

    # -- the search -------------------------------------------------------------------------------
    def start_search(self) -> None:
        if self.task is not None:
            return
        query = svc.make_query(self.ctx, split_values(self.email_edit.text()), split_values(self.phone_edit.text()),
                               split_values(self.name_edit.text()), split_values(self.id_edit.text()))
        if query.is_empty:
            self.status.setText(self.tr("Type at least one e-mail, phone, name or customer id."))
            return
        names = self.selected_connections()
        if not names:
            self.status.setText(self.tr("Tick at least one connection to search (or add one with Manage connections…)."))
            return
        self.model.reset_results()
        self.attach_preview.clear()
        self._pending.clear()
        self._final = None
        self.result = None
        self._depth_used = self.depth_spin.value()
        options = SearchOptions(depth=self._depth_used)
        stop = threading.Event()
        self._stop = stop
        ctx = self.ctx

        typed, self._typed = [n for n in self._typed if n in names], []

        def work(control: Any) -> SearchResult:
            for name in typed:  # a refused password is asked for again, not reported search after search
                svc.check_typed_password(ctx, name)
            return svc.search(ctx, query, names, options, on_event=control.partial, cancel=stop)

        self._set_running(True)
        self.status.setText(self.tr("Searching {0}…").format(count(len(names), "connection")))
        task = run_task(work, pool=self.pool, start=False)
        # Signals of a task that is no longer the current one (a new search started while its
        # last events were in flight) are ignored, so two searches never mix in the tree.
        task.signals.partial.connect(lambda ev, t=task: self._on_event(ev) if t is self.task else None)
        task.signals.result.connect(lambda r, t=task: self._done(r) if t is self.task else None)
        task.signals.error.connect(lambda e, t=task: self._failed(e) if t is self.task else None)
        task.signals.cancelled.connect(lambda t=task: self._cancelled() if t is self.task else None)
        task.signals.finished.connect(lambda t=task: self._task_finished(t))
        self.task = task
        if self.pool is None:
            from PySide6.QtCore import QThreadPool

            QThreadPool.globalInstance().start(task)
        else:
            self.pool.start(task)

    def cancel_search(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self.task is not None:
            self.task.cancel()
        self.cancel_button.setEnabled(False)
        self.status.setText(self.tr("Cancelling…"))

    def _set_running(self, running: bool) -> None:
        # While workers run, hand the GIL back to the GUI thread sooner (default 5 ms): every
        # Qt call releases it, and waiting 5 ms per call is what makes a window stutter.
        if running and self._switch_interval is None:
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(0.0005)
        elif not running and self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None
        self.search_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.attach_button.setEnabled(False if running else self.attach_button.isEnabled())
        if running:
            self.progress.setRange(0, 0)

    def _on_event(self, ev: object) -> None:
        """Queue a streamed event; the flush timer applies them in small, time-boxed batches so
        a burst of rows never holds the event loop (each Qt call also gives the GIL away)."""
        self._pending.append(ev)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self, budget_s: float = 0.006) -> None:
        deadline = time.monotonic() + budget_s
        progress: Progress | None = None
        known = len(self.model._conns), len(self.model._tables), len(self.model._groups)
        while self._pending and time.monotonic() < deadline:
            ev = self._pending.popleft()
            if isinstance(ev, Match):
                self.model.add_match(ev)
            elif isinstance(ev, SearchError):
                self.model.add_error(ev)
            elif isinstance(ev, TableCount):
                self.model.mark_more(ev)
            elif isinstance(ev, Excluded):
                self.model.add_excluded(ev)
            elif isinstance(ev, Progress) and ev.total:
                progress = ev
        if progress is not None:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
            self.progress.setFormat(self.tr("%v of %m tables"))
        if (len(self.model._conns), len(self.model._tables), len(self.model._groups)) != known:
            self._expand_new()
        if not self._pending:
            self._flush_timer.stop()
            if self._final is not None:
                result, self._final = self._final, None
                self._finish(result)

    def _expand_new(self) -> None:
        """Open connections and, while the tree is small, tables (not every row: expandAll is
        linear in the tree and would stall on big results). Group titles span the columns."""
        root = QModelIndex()
        for r in range(self.model.rowCount()):
            if not self.tree.isFirstColumnSpanned(r, root):
                self.tree.setFirstColumnSpanned(r, root, True)
        for group in self.model._groups.values():
            idx = group.index()
            if not self.tree.isExpanded(idx):
                self.tree.expand(idx)
        for conn_item in self.model._conns.values():
            idx = conn_item.index()
            if not self.tree.isExpanded(idx):
                self.tree.expand(idx)
        if self.model.rows <= 200:
            for t_item in self.model._tables.values():
                idx = t_item.index()
                if not self.tree.isExpanded(idx):
                    self.tree.expand(idx)

    def _done(self, result: SearchResult) -> None:
        if self._pending:  # rows still queued: finish after they are shown
            self._final = result
            return
        self._finish(result)

    def _finish(self, result: SearchResult) -> None:
        self.result = result
        n_err = len(result.errors)
        conns = len({m.connection for m in result.matches})
        subject = sum(1 for m in result.matches if m.role == ownership.SUBJECT)
        text = self.tr("{0} in {1} from {2} in {3:.2f} s.").format(
            count(subject, "row"), count(self.model.table_count(), "table"), count(conns, "connection"),
            result.elapsed_s)
        candidates = sum(1 for m in result.matches if m.role == ownership.CANDIDATE)
        if not result.matches and not n_err and not result.cancelled:  # "we hold nothing about you"
            text = self.tr("Nothing found in {0} ({1:.2f} s). Attach this search to the request: the export "
                           "letter then tells the person we hold no data about them.").format(
                count(len(result.connections), "connection"), result.elapsed_s)
        if candidates:
            text += " " + self.tr("{0} shown apart: check them before including.").format(count(candidates, "candidate row"))
        if n_err:
            text += " " + self.tr("{0}: {1}").format(
                count(n_err, "connection error"), "; ".join(f"{e.connection}: {e.message}" for e in result.errors))
        self.status.setText(text)
        self._task_finished(self.task)  # ready for the next search before anyone hears "finished"
        self._update_attach()
        self._update_preview()
        self.finished.emit(result)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, PasswordNeeded):
            self.ask_password(exc)
            return
        self.status.setText(str(exc))
        show_error(self, exc)

    def ask_password(self, exc: PasswordNeeded) -> QInputDialog:
        """Ask for the password (kept for the session), then run the search again."""
        def given() -> None:
            self._typed.append(exc.connection)
            self.start_search()

        self.password_dialog = ask_password(self, exc, given, self._password_cancelled)
        return self.password_dialog

    def _password_cancelled(self) -> None:
        self.status.setText(self.tr("Search not started: no password was given. Untick the connection to "
                                    "search the others, or search again to enter it."))

    def _cancelled(self) -> None:
        self.status.setText(self.tr("Search cancelled: {0} rows found before it stopped.").format(self.model.rows))

    def _task_finished(self, task: Task | None) -> None:
        if task is not self.task:
            return
        self.task = None
        self._stop = None
        self._set_running(False)

    # -- attach to a request --------------------------------------------------------------------
    def prefill(self, reference: str, emails: Sequence[str] = (), phones: Sequence[str] = (),
                names: Sequence[str] = (), customer_ids: Sequence[str] = ()) -> None:
        """Start from a request: its identifiers in the fields, its reference as the target."""
        self.email_edit.setText("; ".join(emails))
        self.phone_edit.setText("; ".join(phones))
        self.name_edit.setText("; ".join(names))
        self.id_edit.setText("; ".join(customer_ids))
        self.attach_ref.setEditText(reference)
        self.status.setText(self.tr("Identifiers of {0} filled in: press Search, check the rows, then "
                                    "attach them to the request.").format(reference))

    def _update_attach(self) -> None:
        ready = self.result is not None and self.task is None and bool(self.attach_ref.currentText().strip())
        self.attach_button.setEnabled(ready)

    def attach(self, reference: str | None = None) -> SnapshotInfo | None:
        snap = self.snapshot()
        ref = (reference or self.attach_ref.currentText()).strip()
        if snap is None or not ref:
            return None
        try:
            info = casefile.attach_snapshot(self.ctx, ref, snap, self.actor())
        except PrivDeskError as exc:
            show_error(self, exc, self.tr("Not attached"))
            return None
        self.status.setText(self.tr("{0} rows attached to {1} at {2}; it is in the request's audit trail.")
                            .format(info.row_count, info.reference, info.taken_at[:16].replace("T", " ")))
        self.attached.emit(info)
        return info

    def snapshot(self) -> SearchSnapshot | None:
        """The last finished search, frozen for "Attach to request" (wired by the requests area):
        the ticked rows; what is left out is recorded in the snapshot with the reason."""
        if self.result is None:
            return None
        return svc.make_snapshot(self.ctx, self.result, self._depth_used, include_candidates=True,
                                 dropped=self.model.unticked())

    def preview_text(self) -> str:
        """What "Attach" will save, in one or two lines: rows per table, and how many rows stay
        out and why (the full sentences are the label's tooltip and go into the snapshot)."""
        if self.result is None:
            return ""
        kept, left = attach_plan(self.result, include_candidates=True, dropped=self.model.unticked())
        per: dict[str, int] = {}
        for m in ownership.disclosed(kept, include_candidates=True):
            per[m.table] = per.get(m.table, 0) + 1
        text = self.tr("Attaching saves {0}: {1}.").format(
            count(sum(per.values()), "row"), ", ".join(f"{t} {n}" for t, n in per.items()) or self.tr("none"))
        groups: dict[tuple[str, str], int] = {}  # (singular, plural) -> rows
        for x in left:
            label = ((self.tr("candidate row not ticked"), self.tr("candidate rows not ticked"))
                     if x.reason.startswith("are candidates")
                     else (self.tr("row you unticked"), self.tr("rows you unticked")) if x.reason.startswith("were excluded")
                     else (self.tr("row of another person"), self.tr("rows of other people")))
            groups[label] = groups.get(label, 0) + x.rows
        if groups:
            text += " " + self.tr("Left out: {0}.").format("; ".join(count(n, *g) for g, n in groups.items()))
        return text

    def preview_details(self) -> str:
        if self.result is None:
            return ""
        _kept, left = attach_plan(self.result, include_candidates=True, dropped=self.model.unticked())
        return "\n".join(ownership.excluded_sentence(x.rows, x.table, x.reason) for x in left)

    def _item_changed(self, item: QStandardItem) -> None:
        if not item.isCheckable():
            return
        if item.data(KindRole) == "owner":
            for i in range(item.rowCount()):
                child = item.child(i)
                if child.isCheckable() and child.checkState() != item.checkState():
                    child.setCheckState(item.checkState())
        self._update_preview()

    def _update_preview(self) -> None:
        self.attach_preview.setText(self.preview_text())
        self.attach_preview.setToolTip(self.preview_details())
