"""The connection's links in the map view: declared foreign keys, proposed, accepted and rejected
links with score and evidence; accept, reject, or add a link by hand.

Sampling the database for proposals runs in a worker; decisions are saved (and audited) at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.discovery.links import (
    ACCEPTED,
    DECLARED,
    PROPOSED,
    REJECTED,
    SAMPLE_SIZE,
    THRESHOLD,
    Link,
)
from privdesk.errors import PrivDeskError
from privdesk.services import links as lsvc
from privdesk.services.context import AppContext
from privdesk.ui.vocabulary import count
from privdesk.ui.workers import run_task

COL_FROM, COL_TO, COL_STATUS, COL_SCORE, COL_EVIDENCE = range(5)
_COLOURS = {DECLARED: "#334155", ACCEPTED: "#15803d", PROPOSED: "#b45309", REJECTED: "#94a3b8"}


def status_text(lk: Link) -> str:
    """``Declared in the database`` / ``Proposed`` / ``Accepted`` / ``Rejected`` (``broken`` says why)."""
    if "broken" in lk.evidence:
        return f"{lk.status.capitalize()} — cannot be followed"
    return {DECLARED: "Declared in the database", PROPOSED: "Proposed", ACCEPTED: "Accepted",
            REJECTED: "Rejected"}.get(lk.status, lk.status)


def evidence_text(lk: Link) -> str:
    """The evidence in words: ``190 of 200 sampled values found (95 %); e.g. 1, 2, 3``."""
    ev = lk.evidence
    if "broken" in ev:
        return str(ev["broken"])
    if lk.status == DECLARED:
        return "Foreign key"
    parts: list[str] = []
    if ev.get("rule"):
        parts.append(str(ev["rule"]).capitalize())
    n = ev.get("sample_size")
    if isinstance(n, int) and n:
        found = round(float(ev.get("overlap", 0.0)) * n)
        parts.append(f"{found} of {n} sampled values found ({float(ev.get('overlap', 0.0)):.0%})")
        if ev.get("examples"):
            parts.append("e.g. " + ", ".join(str(x) for x in ev["examples"]))
    elif ev.get("note"):
        parts.append(str(ev["note"]))
    if ev.get("added_by"):
        parts.append(f"added by {ev['added_by']}")
    return "; ".join(parts)


class LinksView(QWidget):
    """Links of one connection.

    Signals:
        changed(): a link was accepted, rejected or added (the search follows it from now on).
    """

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, pool: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pool = pool
        self.connection: str | None = None
        self.links: tuple[Link, ...] = ()
        #: who decides: the window's one current officer
        self.actor: Callable[[], str] = ctx.actor
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(self.tr(
            "Links tell the search which rows belong together when the database declares no foreign key. "
            "Proposals are scored on a sample of up to {0} values; those under {1:.0%} are not shown.")
            .format(SAMPLE_SIZE, THRESHOLD))
        intro.setObjectName("linksIntro")
        intro.setWordWrap(True)  # one unwrapped line widened the connections dialog past the screen
        v.addWidget(intro)
        self.tree = QTreeWidget()
        self.tree.setObjectName("linksTree")
        self.tree.setHeaderLabels([self.tr("From (refers)"), self.tr("To (key)"), self.tr("Status"),
                                   self.tr("Score"), self.tr("Evidence")])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setColumnWidth(COL_FROM, 220)
        self.tree.setColumnWidth(COL_TO, 200)
        self.tree.setColumnWidth(COL_STATUS, 150)
        self.tree.setColumnWidth(COL_SCORE, 60)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        v.addWidget(self.tree, 1)

        row = QHBoxLayout()
        self.find_button = QPushButton(self.tr("Find links"))
        self.find_button.setObjectName("findLinksButton")
        self.find_button.setToolTip(self.tr("Sample the database for columns that refer to other tables"))
        self.find_button.clicked.connect(lambda: self.load(infer=True))
        self.accept_button = QPushButton(self.tr("Accept"))
        self.accept_button.setObjectName("acceptLinkButton")
        self.accept_button.clicked.connect(lambda: self.decide(ACCEPTED))
        self.reject_button = QPushButton(self.tr("Reject"))
        self.reject_button.setObjectName("rejectLinkButton")
        self.reject_button.clicked.connect(lambda: self.decide(REJECTED))
        for b in (self.find_button, self.accept_button, self.reject_button):
            row.addWidget(b)
        row.addStretch(1)
        v.addLayout(row)

        add = QHBoxLayout()
        add.addWidget(QLabel(self.tr("Add by hand:")))
        self.from_edit = QLineEdit()
        self.from_edit.setObjectName("linkFrom")
        self.from_edit.setPlaceholderText(self.tr("customers.account_manager_id"))
        self.to_edit = QLineEdit()
        self.to_edit.setObjectName("linkTo")
        self.to_edit.setPlaceholderText(self.tr("employees.id"))
        self.add_button = QPushButton(self.tr("Add link"))
        self.add_button.setObjectName("addLinkButton")
        self.add_button.clicked.connect(self.add_link)
        add.addWidget(self.from_edit, 1)
        add.addWidget(QLabel("→"))
        add.addWidget(self.to_edit, 1)
        add.addWidget(self.add_button)
        v.addLayout(add)
        self.status = QLabel()
        self.status.setObjectName("linksStatus")
        self.status.setWordWrap(True)
        v.addWidget(self.status)
        self.set_connection(None)

    def set_connection(self, name: str | None) -> None:
        self.connection = name
        self.tree.clear()
        self.links = ()
        self.find_button.setEnabled(name is not None)
        self._update_buttons()
        if name is not None:
            self.load(infer=False)

    def load(self, infer: bool = False) -> None:
        """List the links; ``infer`` samples the database for proposals first (in a worker)."""
        name = self.connection
        if name is None:
            return
        ctx = self.ctx
        self.find_button.setEnabled(False)
        if infer:
            self.status.setText(self.tr("Sampling {0} for links…").format(name))

        def done(result: lsvc.LinkList) -> None:
            self.find_button.setEnabled(True)
            if result.connection == self.connection:
                self.show_links(result.links)
                if infer:
                    n = sum(1 for lk in result.links if lk.status == PROPOSED)
                    self.status.setText(self.tr("{0} to review.").format(count(n, "proposed link")))
                elif all(lk.status == DECLARED for lk in result.links):
                    self.status.setText(self.tr("Press Find links to sample the database for columns that refer "
                                                "to other tables where no foreign key says so."))

        def failed(exc: BaseException) -> None:
            self.find_button.setEnabled(True)
            self.status.setText(str(exc))

        run_task(lambda _c: lsvc.list_links(ctx, name, infer=infer), on_done=done, on_error=failed, pool=self.pool)

    def show_links(self, links: tuple[Link, ...]) -> None:
        self.links = links
        self.tree.clear()
        for lk in links:
            item = QTreeWidgetItem([f"{lk.from_table}.{'+'.join(lk.from_columns)}",
                                    f"{lk.to_table}.{'+'.join(lk.to_columns)}", status_text(lk),
                                    "" if lk.score is None else f"{lk.score:.2f}", evidence_text(lk)])
            item.setData(0, Qt.ItemDataRole.UserRole, lk.id)
            colour = "#b91c1c" if "broken" in lk.evidence else _COLOURS.get(lk.status, "#000000")
            item.setForeground(COL_STATUS, QBrush(QColor(colour)))
            item.setToolTip(COL_EVIDENCE, evidence_text(lk))
            item.setToolTip(COL_STATUS, status_text(lk))
            item.setTextAlignment(COL_SCORE, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
        for col in (COL_FROM, COL_TO, COL_STATUS):  # as wide as the names, so the evidence shows without scrolling
            self.tree.resizeColumnToContents(col)
            self.tree.setColumnWidth(col, min(self.tree.columnWidth(col), 260))
        self._update_buttons()

    def selected_ids(self) -> list[str]:
        return [str(i.data(0, Qt.ItemDataRole.UserRole)) for i in self.tree.selectedItems()]

    def _update_buttons(self) -> None:
        by_id = {lk.id: lk for lk in self.links}
        chosen = [by_id[i] for i in self.selected_ids() if i in by_id]
        decidable = any(lk.status != DECLARED for lk in chosen)  # declared keys are simply skipped
        self.accept_button.setEnabled(decidable)
        self.reject_button.setEnabled(decidable)
        self.add_button.setEnabled(self.connection is not None)

    def decide(self, status: str) -> None:
        name = self.connection
        declared = {lk.id for lk in self.links if lk.status == DECLARED}
        ids = [i for i in self.selected_ids() if i not in declared]
        if name is None or not ids:
            return
        try:
            fn = lsvc.accept_links if status == ACCEPTED else lsvc.reject_links
            done = fn(self.ctx, name, ids, self.actor())
        except PrivDeskError as exc:
            self.status.setText(exc.message)
            return
        self.status.setText(self.tr("{0} {1}; the search follows accepted links from now on.")
                            .format(count(len(done), "link"), self.tr("accepted") if status == ACCEPTED else self.tr("rejected")))
        self.show_links(lsvc.list_links(self.ctx, name, infer=False).links)
        self.changed.emit()

    def add_link(self) -> None:
        name = self.connection
        if name is None:
            return
        try:
            lk = lsvc.add_link(self.ctx, name, self.from_edit.text(), self.to_edit.text(), self.actor())
        except PrivDeskError as exc:
            self.status.setText(exc.message)
            return
        self.from_edit.clear()
        self.to_edit.clear()
        self.status.setText(self.tr("Link {0} added and accepted.").format(lk.id))
        self.show_links(lsvc.list_links(self.ctx, name, infer=False).links)
        self.changed.emit()
