"""Who a subject search found, before they are added to a breach: the people the search confirms
are added; candidates (matched only on a phone or a name, or holding another e-mail or customer
id) are listed apart with the conflict named, and added only when the officer ticks them. A
notice to the wrong person is itself a disclosure, so nothing is ticked to begin with. Connections
the search could not read are named at the top: the list may be incomplete, and adding stays
allowed (the identifiers are kept as given) with that recorded in the breach's timeline."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.services import breaches as svc
from privdesk.ui.vocabulary import count

KeyRole = Qt.ItemDataRole.UserRole


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    for i in range(len(headers) - 1):
        header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return table


def _heading(text: str) -> QLabel:
    label = QLabel(f"<b>{text}</b>")
    label.setWordWrap(True)
    return label


class AffectedReviewDialog(QDialog):
    """Confirmed people (added), then the candidates with a tick box each (added only when ticked).

    Accepting it means "add these"; :meth:`included` gives the ticked candidates' keys for
    :func:`privdesk.services.breaches.add_found`.
    """

    def __init__(self, found: svc.AffectedSearch, reference: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.found = found
        self.setWindowTitle(self.tr("Add affected people – {0}").format(reference))
        self.setMinimumWidth(820)
        self.box = layout = QVBoxLayout(self)
        if found.errors:
            layout.addWidget(self._not_searched(found))
        if found.confirmed:
            layout.addWidget(_heading(self.tr("Confirmed by the search, to be added: {0}").format(
                count(len(found.confirmed), "person", "people"))))
            self.confirmed = _table("confirmedTable", [self.tr("Name"), self.tr("E-mail / phone"),
                                                       self.tr("Found in")])
            self.confirmed.setRowCount(len(found.confirmed))
            for i, p in enumerate(found.confirmed):
                for j, text in enumerate((p.contact.get("name", ""), p.reach, ", ".join(p.rows))):
                    self.confirmed.setItem(i, j, QTableWidgetItem(text))
            self.confirmed.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # nothing to do in it
            self.confirmed.resizeRowsToContents()
            self.confirmed.setMaximumHeight(self._fit(self.confirmed, 5))
            layout.addWidget(self.confirmed)
        else:
            layout.addWidget(_heading(self.tr("The search confirmed nobody for these identifiers.")))
        if found.as_given:
            shown = [str(r.get("email") or r.get("phone") or r.get("identifier") or "") for r in found.as_given]
            more = len(shown) - 5
            given = QLabel(self.tr("Nobody confirmed for {0}: added as given, without a name (a candidate "
                                   "you tick with the same number or e-mail fills it in).").format(
                ", ".join(shown[:5]) + (self.tr(" and {0} more").format(more) if more > 0 else "")))
            given.setObjectName("asGivenLabel")
            given.setWordWrap(True)
            layout.addWidget(given)
        heading = _heading(self.tr("Candidates, not added unless you tick them: {0}").format(
            count(len(found.candidates), "person", "people")))
        layout.addWidget(heading)
        why = QLabel(self.tr("The search could not confirm that these are the people on your list: only a "
                             "phone or a name matched, or their record holds another e-mail or customer id. "
                             "A notice sent to the wrong person discloses the breach to them; tick only "
                             "those you have checked."))
        why.setWordWrap(True)
        layout.addWidget(why)
        self.candidates = _table("candidateTable", [self.tr("Add"), self.tr("Name"), self.tr("E-mail / phone"),
                                                    self.tr("Found in"), self.tr("Why not confirmed")])
        self.candidates.setRowCount(len(found.candidates))
        for i, p in enumerate(found.candidates):
            tick = QTableWidgetItem()
            tick.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            tick.setCheckState(Qt.CheckState.Unchecked)
            tick.setData(KeyRole, p.key)
            tick.setToolTip(self.tr("Add this person to the breach"))
            self.candidates.setItem(i, 0, tick)
            for j, text in enumerate((p.contact.get("name", ""), p.reach, "\n".join(p.rows), p.why), start=1):
                self.candidates.setItem(i, j, QTableWidgetItem(text))
        self.candidates.resizeRowsToContents()
        self.candidates.setMinimumHeight(self._fit(self.candidates, 3))
        self.candidates.setMaximumHeight(self._fit(self.candidates, 8))
        self.candidates.itemChanged.connect(lambda _item: self._update_summary())
        self.candidates.selectionModel().clearCurrentIndex()  # no focus frame on a box nobody chose yet
        layout.addWidget(self.candidates)
        for w in (heading, why, self.candidates):  # opened for a connection error alone
            w.setVisible(bool(found.candidates))
        layout.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("reviewSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.addButton(self.tr("Add"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("addButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update_summary()

    def _not_searched(self, found: svc.AffectedSearch) -> QLabel:
        """The connections the search could not read, each with the reason as the subject search
        gives it: the list may be incomplete, and the officer must know before adding."""
        lines = "".join(f"<li>{html.escape(line)}</li>" for line in found.not_searched())
        label = QLabel(self.tr("<b>Not every connection could be searched.</b> People held there may be "
                               "missing from this list; identifiers nobody was confirmed for are added as "
                               "given. Fix the connection and add the list again to complete it.") +
                       f"<ul style='margin-left:-20px'>{lines}</ul>")
        label.setObjectName("notSearchedLabel")
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setStyleSheet("QLabel { background: #fff4ce; border: 1px solid #e0b400; padding: 6px; }")
        return label

    def showEvent(self, event: QShowEvent) -> None:
        """Rows are measured again once the columns have their real widths (wrapped text)."""
        super().showEvent(event)
        tables = [self.candidates] + ([self.confirmed] if self.found.confirmed else [])
        for table, most in zip(tables, (8, 5), strict=False):
            table.resizeRowsToContents()
            for i in range(table.rowCount()):
                table.setRowHeight(i, table.rowHeight(i) + 6)  # air between wrapped rows
            table.setMaximumHeight(self._fit(table, most))
        self.candidates.setMinimumHeight(self._fit(self.candidates, 3))
        self.adjustSize()
        # adjustSize takes the wrapped labels' heights at their narrowest, which left empty room
        # above the summary; the height the layout needs at the dialog's real width leaves none
        need = self.box.totalHeightForWidth(self.width())
        if need > 0:
            self.resize(self.width(), need)

    @staticmethod
    def _fit(table: QTableWidget, rows: int) -> int:
        """Height for the header and up to ``rows`` rows, so a short list takes little room."""
        shown = sum(table.rowHeight(i) for i in range(min(rows, table.rowCount())))
        return table.horizontalHeader().height() + shown + 2 * table.frameWidth()

    def included(self) -> list[str]:
        """The keys of the ticked candidates."""
        out = []
        for i in range(self.candidates.rowCount()):
            item = self.candidates.item(i, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(KeyRole)))
        return out

    def _update_summary(self) -> None:
        ticked = len(self.included())
        left = len(self.found.candidates) - ticked
        people = len(self.found.confirmed) + ticked
        text = self.tr("Adds {0}").format(count(people, "person", "people"))
        if self.found.as_given:
            text += self.tr(" and {0} as given").format(count(len(self.found.as_given), "identifier"))
        text += self.tr("; {0} left out, recorded in the breach's timeline with the reason.").format(
            count(left, "candidate")) if left else "."
        if self.found.errors:
            text += " " + self.tr("{0} not searched: the list may be incomplete (recorded in the timeline).").format(
                count(len(self.found.not_searched()), "connection"))
        self.summary.setText(text)
        self.add_button.setEnabled(people > 0 or bool(self.found.as_given))
