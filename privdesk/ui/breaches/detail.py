"""One breach: its record, the clock of every notice, what was sent, the timeline, the people."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from privdesk.discovery.errors import PasswordNeeded
from privdesk.domain import breach as dom
from privdesk.errors import PrivDeskError
from privdesk.services import breach_notices as notices
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from privdesk.ui.breaches.dialogs import (
    BatchNoticesDialog,
    NewBreachDialog,
    RecordNotificationDialog,
)
from privdesk.ui.breaches.model import STATE_COLOURS
from privdesk.ui.dialogs import show_error
from privdesk.ui.empty import set_empty_text
from privdesk.ui.flow import flow_of
from privdesk.ui.forms import explain
from privdesk.ui.timeline import Timeline
from privdesk.ui.vocabulary import RISK_NAMES, count, format_datetime, law_name
from privdesk.ui.workers import Task, TaskControl, run_task

AFFECTED_SHOWN = 500


class BreachDetailView(QWidget):
    """The detail pane. Widgets call services only; long work runs in ``run_task``.

    Signals:
        changed(str): the breach with this reference changed (notice sent, people added, status).
    """

    changed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.pool = ctx, pool
        self.detail: svc.BreachDetail | None = None
        self.now: datetime | None = None
        self.task: Task | None = None
        self.batch_dialog: BatchNoticesDialog | None = None
        self.review_dialog: QDialog | None = None
        self.password_dialog: QInputDialog | None = None  # the last password prompt of a search
        layout = QVBoxLayout(self)
        self.heading = QLabel(self.tr("Select a breach"))
        self.heading.setObjectName("breachHeading")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.clocks = QListWidget()
        self.clocks.setObjectName("clockList")
        self.clocks.setMaximumHeight(84)
        layout.addWidget(self.clocks)
        self.authority_button = QPushButton(self.tr("Notify authority…"))
        self.authority_button.setObjectName("notifyAuthorityButton")
        self.authority_button.clicked.connect(lambda: self.notify_authority())
        self.subjects_button = QPushButton(self.tr("Notices to individuals…"))
        self.subjects_button.setObjectName("notifySubjectsButton")
        self.subjects_button.clicked.connect(lambda: self.open_batch())
        self.affected_button = QPushButton(self.tr("Add affected (CSV)…"))
        self.affected_button.setObjectName("affectedButton")
        self.affected_button.clicked.connect(lambda: self.add_affected())
        self.search_button = QPushButton(self.tr("Add from search…"))
        self.search_button.setObjectName("searchAffectedButton")
        self.search_button.setToolTip(self.tr("Run e-mails and phone numbers through the subject search and "
                                              "add the people it confirms; you decide on the candidates"))
        self.search_button.clicked.connect(lambda: self.add_from_search())
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.edit_button.setObjectName("editButton")
        self.edit_button.clicked.connect(lambda: self.edit())
        self.record_button = QPushButton(self.tr("Record notification…"))
        self.record_button.setObjectName("recordNotificationButton")
        self.record_button.clicked.connect(lambda: self.record_notification())
        self.legal_button = QPushButton(self.tr("What the law asks…"))
        self.legal_button.setObjectName("legalFactsButton")
        self.legal_button.setToolTip(self.tr("Security measures (LGPD), identity-theft services, the data's owner "
                                             "and permitted delays (California)"))
        self.legal_button.clicked.connect(lambda: self.edit_legal())
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("statusCombo")
        for st in dom.BreachStatus:
            self.status_combo.addItem(st.value.capitalize(), st.value)
        self.status_combo.activated.connect(self._status_chosen)
        status_box = QWidget()
        status_row = QHBoxLayout(status_box)
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(QLabel(self.tr("Status:")))
        status_row.addWidget(self.status_combo)
        # wraps onto a second line when narrow, so no button loses its words
        layout.addWidget(flow_of([self.edit_button, self.legal_button, self.authority_button, self.subjects_button,
                                  self.record_button, self.affected_button, self.search_button, status_box]))
        self.message = QLabel()
        self.message.setObjectName("detailMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.tabs = QTabWidget()
        self.record = QTextBrowser()
        self.record.setObjectName("recordView")
        self.notifications = QTableWidget(0, 5)
        self.notifications.setObjectName("notificationTable")
        self.notifications.setHorizontalHeaderLabels(["Sent", "To", "Phase", "Document", "Delay reasons"])
        self.notifications.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.timeline = Timeline(ctx, self.tr("Every change to this breach will be listed here."))
        self.timeline.setObjectName("timelineList")
        self.affected = QTableWidget(0, 4)
        self.affected.setObjectName("affectedTable")
        self.affected.setHorizontalHeaderLabels(["Name", "E-mail / phone", "Language", "Notified"])
        self.affected.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for table in (self.notifications, self.affected):  # no row numbers, as the other tables
            table.verticalHeader().hide()
        self.tabs.addTab(self.record, self.tr("Record"))
        self.tabs.addTab(self.notifications, self.tr("Notifications"))
        self.tabs.addTab(self.timeline, self.tr("Timeline"))
        self.tabs.addTab(self.affected, self.tr("Affected people"))
        layout.addWidget(self.tabs, 1)
        set_empty_text(self.notifications, self.tr("Notices sent to the authority or to people appear here: "
                                                    "use Notify authority, Notices to individuals or Record "
                                                    "notification above."))
        set_empty_text(self.affected, self.tr("No affected people yet. Add them from a CSV file or from a "
                                              "subject search with the buttons above."))
        self.show_breach(None)

    def _enable(self, on: bool) -> None:
        """Disabled controls say why in their tooltip; enabled ones keep the one saying what they do."""
        why = self.tr("Select a breach in the register above first.")
        for w in (self.edit_button, self.legal_button, self.authority_button, self.subjects_button,
                  self.record_button, self.affected_button, self.search_button, self.status_combo):
            w.setEnabled(on)
            explain(w, why)

    # -- showing ---------------------------------------------------------------------------------
    def show_breach(self, reference: str | None) -> None:
        if not reference:
            self.detail = None
            self.heading.setText(self.tr("Select a breach in the register above to see its deadlines, record, "
                                         "notifications and timeline, or record a new one."))
            self.clocks.clear()
            self.clocks.setVisible(False)  # not an empty white box under the sentence above
            self.record.setHtml(self.tr("<p style='color:#6b7280'>The breach record (what happened, the risk, "
                                        "the measures) appears here.</p>"))
            self.notifications.setRowCount(0)
            self.timeline.clear()
            self.affected.setRowCount(0)
            self._enable(False)
            return
        d = svc.get_breach(self.ctx, reference, now=self.now)
        self.detail = d
        self._enable(True)
        self.heading.setText(f"<h3>{escape(d.reference)} · {escape(d.title)}</h3>")
        self.status_combo.setCurrentIndex(self.status_combo.findData(d.status))
        self.clocks.clear()
        self.clocks.setVisible(True)
        for c in d.clocks:
            regime = law_name(c.regime)
            due = f" · due {format_datetime(d.local(c.due))}" if c.due else ""
            item = QListWidgetItem(f"{c.kind.label} ({regime}): {c.describe()}{due} · {c.reason}")
            if c.state in STATE_COLOURS:
                bg, fg = STATE_COLOURS[c.state]
                item.setBackground(QBrush(QColor(bg)))
                item.setForeground(QBrush(QColor(fg)))
            item.setToolTip(c.citation)
            self.clocks.addItem(item)
        self.record.setHtml(self._record_html(d))
        self.notifications.setRowCount(len(d.notifications))
        for i, n in enumerate(d.notifications):
            doc = f"{n.document_file} ({n.document_sha256[:12]}…)" if n.document_file else ""
            for j, text in enumerate((format_datetime(n.sent_at) + (" (late)" if n.late else ""),
                                      f"{n.recipient} [{n.kind}]", n.phase, doc, n.delay_reasons)):
                self.notifications.setItem(i, j, QTableWidgetItem(text))
        self.timeline.show_events(svc.history(self.ctx, d.reference))
        people = svc.list_affected(self.ctx, d.reference, limit=AFFECTED_SHOWN)
        self.affected.setRowCount(len(people))
        for i, p in enumerate(people):
            for j, text in enumerate((p.name, p.email or p.phone, p.language,
                                      format_datetime(p.notified_at) if p.notified_at else "")):
                self.affected.setItem(i, j, QTableWidgetItem(text))
        self.tabs.setTabText(3, self.tr("Affected people ({0:,})").format(d.affected))

    def _record_html(self, d: svc.BreachDetail) -> str:
        def row(label: str, value: object) -> str:
            text = escape(str(value)) if value not in (None, "") else "—"
            return f"<tr><td><b>{escape(label)}</b></td><td>{text.replace(chr(10), '<br>')}</td></tr>"

        cats = "; ".join(c.label + (" (special)" if c.special else "") for c in d.data_categories)
        rows = [
            row("Aware", f"{format_datetime(d.aware)} ({d.aware_zone})"),
            row("Authority due", format_datetime(d.local(d.authority_due)) if d.authority_due else ""),
            row("Risk", RISK_NAMES.get(d.risk, d.risk) + f" ({dom.Risk(d.risk).label})"
                + (f" — {d.risk_reasoning}" if d.risk_reasoning else "")),
            row("Nature", ", ".join(d.nature)), row("What happened", d.description),
            row("Data categories", cats), row("Subject categories", "; ".join(d.subject_categories)),
            row("People (approx.)", d.subjects_approx), row("Records (approx.)", d.records_approx),
            row("Likely consequences", d.consequences), row("Measures taken", d.measures),
            row("Measures proposed", d.measures_proposed),
            row("Contact point", f"{d.contact_name} {d.contact_email} {d.contact_phone}".strip()),
            row("Laws that apply", ", ".join(law_name(r) for r in d.regimes)),
            row("Art. 34(3) exceptions", ", ".join(d.exemptions) + (f" — {d.exemption_reasoning}" if d.exemption_reasoning else "")),
            row("Countries", ", ".join(d.countries)), row("Authorities", "; ".join(d.authorities)),
        ]
        facts = svc.get_legal(self.ctx, d.reference)
        from privdesk.domain.breach_legal import owner_notice

        rows += [
            row("Security measures used", facts.security_measures),
            row("Identity-theft services", facts.identity_services + (
                f" ({facts.service_months} months)" if facts.service_months else "")),
            row("Owner of the data", owner_notice(facts)), row("Permitted delays", facts.delay_text()),
        ]
        return "<table cellspacing='4'>" + "".join(rows) + "</table>"

    # -- actions ---------------------------------------------------------------------------------
    def notify_authority(self, path: Path | None = None, reasons: str | None = None,
                         phase: str = "initial") -> Task | None:
        """Write the authority notification in the background; asks for delay reasons when late."""
        if self.detail is None:
            return None
        ref = self.detail.reference
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Save the notification"),
                                                    f"{ref}-authority.pdf", "PDF (*.pdf)")
            if not chosen:
                return None
            path = Path(chosen)
        try:
            check = svc.check_late(self.ctx, ref, dom.NoticeKind.AUTHORITY, self.now, phase=phase)
        except PrivDeskError as exc:
            show_error(self, exc)
            return None
        if check.reasons_required and reasons is None:
            text, ok = QInputDialog.getMultiLineText(
                self, self.tr("Late notification"),
                self.tr("This notification is late. {0} requires the reasons for the delay:").format(check.citation))
            if not ok:
                return None
            reasons = text
        ctx, now, out, why = self.ctx, self.now, path, reasons or ""

        def job(_control: TaskControl) -> notices.WrittenNotice:
            return notices.notify_authority(ctx, ref, out, ctx.actor(), phase=phase, delay_reasons=why, now=now)

        self.authority_button.setEnabled(False)
        self.message.setText(self.tr("Writing the notification…"))
        self.task = run_task(job, self._authority_done, self._failed, pool=self.pool)
        return self.task

    def _authority_done(self, w: notices.WrittenNotice) -> None:
        self.authority_button.setEnabled(True)
        self.message.setText(self.tr("Notification written to {0} ({1} pages) and recorded.").format(w.path, w.pages))
        self._reload()

    def _failed(self, exc: BaseException) -> None:
        self.authority_button.setEnabled(True)
        self.message.setText(exc.message if isinstance(exc, PrivDeskError) else str(exc))
        show_error(self, exc)

    def edit(self) -> NewBreachDialog | None:
        if self.detail is None:
            return None
        dlg = NewBreachDialog(self.ctx, self, now=self.now, detail=self.detail)
        dlg.recorded.connect(lambda _d: self._reload())
        dlg.open()
        return dlg

    def edit_legal(self) -> QDialog | None:
        if self.detail is None:
            return None
        from privdesk.ui.breaches.legal_dialog import LegalFactsDialog

        dlg = LegalFactsDialog(self.ctx, self.detail.reference, self)
        dlg.accepted.connect(self._reload)
        dlg.open()
        return dlg

    def record_notification(self) -> RecordNotificationDialog | None:
        if self.detail is None:
            return None
        dlg = RecordNotificationDialog(self.ctx, self.detail, self, now=self.now)
        dlg.accepted.connect(self._reload)
        dlg.open()
        return dlg

    def open_batch(self) -> BatchNoticesDialog | None:
        if self.detail is None:
            return None
        dlg = BatchNoticesDialog(self.ctx, self.detail.reference, self, pool=self.pool, now=self.now)
        dlg.finished_batch.connect(lambda _r: self._reload())
        self.batch_dialog = dlg
        dlg.open()
        return dlg

    def add_affected(self, path: Path | None = None) -> Task | None:
        """Read a CSV in the background; one of only e-mails/phones goes through the subject
        search, and its candidates are shown for review before anything is added."""
        if self.detail is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Affected people (CSV)"), "", "CSV (*.csv *.txt)")
            if not chosen:
                return None
            path = Path(chosen)
        ctx, csv_file = self.ctx, path
        self.message.setText(self.tr("Reading {0}…").format(csv_file.name))
        return self._find(lambda skipped: svc.find_affected_in_csv(ctx, csv_file, skipped), self.detail.reference)

    def add_from_search(self, identifiers: str | None = None) -> Task | None:
        """Search the connected databases for each e-mail or phone (one a line) in the background."""
        if self.detail is None:
            return None
        if identifiers is None:
            text, ok = QInputDialog.getMultiLineText(
                self, self.tr("Add affected people from a search"),
                self.tr("E-mail addresses or phone numbers, one a line:"))
            if not ok:
                return None
            identifiers = text
        rows = [{"identifier": line.strip()} for line in identifiers.splitlines() if line.strip()]
        if not rows:
            return None
        ctx = self.ctx
        self.message.setText(self.tr("Searching the connected databases for {0}…").format(
            count(len(rows), "identifier")))
        return self._find(lambda skipped: svc.find_affected(ctx, rows, skipped=skipped), self.detail.reference)

    def _find(self, find: Callable[[Sequence[str]], svc.AffectedSearch], ref: str, typed: Sequence[str] = (),
              skipped: Sequence[str] = ()) -> Task:
        """Run ``find(skipped)`` (a search or CSV read) for ``ref`` in a worker; the breach shown
        may change meanwhile. When a connection's server wants a password none is saved for, the
        officer is asked for each such connection in the Search area's prompt, and another round
        runs: it first checks the passwords ``typed`` (a wrong one is said so and asked again),
        then searches every connection but the ``skipped`` ones (their prompt was cancelled)."""
        ctx = self.ctx

        def job(_control: TaskControl) -> svc.AffectedSearch | list[PasswordNeeded]:
            from privdesk.services import discovery

            asks = discovery.passwords_to_ask(ctx, typed, skipped) if typed else []
            if asks:
                return asks
            try:
                return find(skipped)
            except PasswordNeeded:
                asks = discovery.passwords_to_ask(ctx, (), skipped)
                if not asks:
                    raise
                return asks

        def done(got: svc.AffectedSearch | list[PasswordNeeded]) -> None:
            if isinstance(got, svc.AffectedSearch):
                self._found(ref, got)
                return
            from privdesk.ui.passwords import ask_in_turn

            self.message.setText(self.tr("Waiting for the password of {0}…").format(
                ", ".join(n.connection for n in got)))
            def asked(now_typed: list[str], cancelled: list[str]) -> None:
                self._find(find, ref, now_typed, [*skipped, *cancelled])

            ask_in_turn(self, got, asked, shown=self._prompted)

        self._finding(True)
        self.task = run_task(job, done, self._find_failed, pool=self.pool)
        return self.task

    def _prompted(self, dlg: QInputDialog) -> None:
        self.password_dialog = dlg

    def _finding(self, on: bool) -> None:
        self.affected_button.setEnabled(not on)
        self.search_button.setEnabled(not on)

    def _found(self, ref: str, found: svc.AffectedSearch) -> None:
        """Nothing to decide: add. Candidates: the officer ticks whom to add, confirmed people
        are added either way. A connection that could not be searched: the review names it
        first, so nobody takes an incomplete list for a complete one."""
        self._finding(False)
        if not found.candidates and not found.errors:
            self.add_found(ref, found)
            return
        from privdesk.ui.breaches.review_dialog import AffectedReviewDialog

        dlg = AffectedReviewDialog(found, ref, self)
        dlg.accepted.connect(lambda: self.add_found(ref, found, dlg.included()))
        dlg.rejected.connect(lambda: self.message.setText(self.tr("Nobody added.")))
        self.review_dialog = dlg
        dlg.open()

    def add_found(self, ref: str, found: svc.AffectedSearch, include: svc.Include = False) -> svc.AddResult | None:
        try:
            result = svc.add_found(self.ctx, ref, found, self.ctx.actor(), include)
        except PrivDeskError as exc:
            show_error(self, exc)
            return None
        extra = (" " + "; ".join(result.problems[:3])) if result.problems else ""
        if result.not_searched:
            extra += " " + self.tr("Not searched: {0}.").format("; ".join(result.not_searched))
        self.message.setText(result.message() + extra)
        self._reload()
        if self.detail is None or self.detail.reference != ref:
            self.changed.emit(ref)  # the search ran for a breach no longer shown
        return result

    def _find_failed(self, exc: BaseException) -> None:
        self._finding(False)
        self._failed(exc)

    def _status_chosen(self, index: int) -> None:
        if self.detail is None:
            return
        status = self.status_combo.itemData(index)
        if status == self.detail.status:
            return
        try:
            svc.set_status(self.ctx, self.detail.reference, status, self.ctx.actor())
        except PrivDeskError as exc:
            show_error(self, exc)
        self._reload()

    def _reload(self) -> None:
        if self.detail is not None:
            ref = self.detail.reference
            self.show_breach(ref)
            self.changed.emit(ref)
