"""The detail of one request: every field, the audit timeline and the workflow's buttons.

Buttons are made from the actions the status machine allows for the current status, so an
illegal move is never offered. Every change passes the version the pane showed; if someone
else saved first the service refuses, the pane says so and reloads.

Signals:
    changed(str): a request was changed (its reference); the queue refreshes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from privdesk.domain.erasure import PLANNED_TYPES
from privdesk.errors import ConflictError, PrivDeskError
from privdesk.services import audit as audit_svc
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import ask_yes_no, show_error
from privdesk.ui.empty import set_empty_text
from privdesk.ui.forms import explain, multiline
from privdesk.ui.requests.duplicates import CompareDialog, merge_question
from privdesk.ui.requests.queue_model import (
    OVERDUE,
    PAUSED,
    SOON,
    law_label,
    status_label,
    type_label,
)
from privdesk.ui.timeline import Timeline
from privdesk.ui.vocabulary import NO_REQUEST_SELECTED, UNASSIGNED, format_date, format_datetime

if TYPE_CHECKING:
    from privdesk.services import casefile
    from privdesk.ui.requests.erasure_dialog import ErasurePlanDialog
    from privdesk.ui.requests.letters_dialog import LettersDialog

# Button label and whether the move needs a reason, per target status.
ACTIONS: dict[str, tuple[str, bool]] = {
    "verifying": ("Start identity check", False),
    "in_progress": ("Start work", False),
    "extended": ("Extend deadline…", True),
    "completed": ("Complete…", True),
    "denied": ("Deny…", True),
    "withdrawn": ("Withdraw", False),
}


class ReasonDialog(QDialog):
    """Asks for the reason a move needs (extension, completion, denial) and, optionally, an outcome."""

    def __init__(self, title: str, prompt: str, with_outcome: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt))
        self.reason = multiline()
        self.reason.setObjectName("reasonText")
        self.reason.setFixedHeight(80)
        layout.addWidget(self.reason)
        self.outcome = QLineEdit()
        self.outcome.setObjectName("outcomeText")
        self.outcome.setPlaceholderText(self.tr("Outcome (what was sent or done), optional"))
        self.outcome.setVisible(with_outcome)
        layout.addWidget(self.outcome)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.reason.textChanged.connect(lambda: ok.setEnabled(bool(self.reason.toPlainText().strip())))


class EditSubjectDialog(QDialog):
    """Correct the subject's name, address or requester, add identifiers (old values stay in
    the audit trail)."""

    def __init__(self, d: svc.RequestDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit subject of {0}").format(d.reference))
        form = QFormLayout(self)
        self.name = QLineEdit(d.subject_name)
        self.name.setObjectName("editName")
        self.address = multiline(d.subject_address)
        self.address.setObjectName("editAddress")
        self.address.setFixedHeight(54)
        self.requester = QLineEdit(d.requester)
        self.requester.setObjectName("editRequester")
        self.add_email = QLineEdit()
        self.add_email.setObjectName("editAddEmail")
        self.add_phone = QLineEdit()
        self.add_phone.setObjectName("editAddPhone")
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Postal address:"), self.address)
        form.addRow(self.tr("Requester:"), self.requester)
        form.addRow(self.tr("Add e-mail:"), self.add_email)
        form.addRow(self.tr("Add phone:"), self.add_phone)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, object]:
        return {"name": self.name.text(), "address": self.address.toPlainText(),
                "requester": self.requester.text(),
                "add_emails": [self.add_email.text()] if self.add_email.text().strip() else [],
                "add_phones": [self.add_phone.text()] if self.add_phone.text().strip() else []}


# A function that asks the officer for a reason: returns (reason, outcome) or None when cancelled.
AskReason = Callable[[str, str, bool], "tuple[str, str] | None"]


def _ask_reason_dialog(parent: QWidget) -> AskReason:
    def ask(title: str, prompt: str, with_outcome: bool) -> tuple[str, str] | None:
        dlg = ReasonDialog(title, prompt, with_outcome, parent)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        return dlg.reason.toPlainText().strip(), dlg.outcome.text().strip()
    return ask


class DetailPane(QWidget):
    """Signals:
        changed(str): the request with this reference was changed here.
        search_requested(object): the officer wants to search the databases for this
            :class:`RequestDetail`'s subject.
    """

    changed = Signal(str)
    search_requested = Signal(object)

    def __init__(self, ctx: AppContext, actor: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.detail: svc.RequestDetail | None = None
        self.ask_reason: AskReason = _ask_reason_dialog(self)
        self.ask_file: Callable[[], str] = lambda: QFileDialog.getOpenFileName(self, self.tr("Attach a file"))[0]
        #: asks before an irreversible step (a merge); tests replace it
        self.confirm: Callable[[str, str], bool] = lambda title, text: ask_yes_no(self, title, text)
        self.compare_dialog: CompareDialog | None = None
        self.action_buttons: dict[str, QPushButton] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 0, 0, 0)
        self.title = QLabel(self.tr("Select a request"))
        self.title.setObjectName("detailTitle")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        outer.addWidget(self.title)
        self.banner = QLabel()
        self.banner.setObjectName("duplicateBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#fef3c7; color:#78350f; padding:6px; border-radius:4px;")
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.linkActivated.connect(self.load)
        self.banner.hide()
        outer.addWidget(self.banner)
        dup_row = QHBoxLayout()
        self.merge_button = QPushButton(self.tr("Compare and merge…"))
        self.merge_button.setObjectName("mergeButton")
        self.keep_button = QPushButton(self.tr("Not a duplicate"))
        self.keep_button.setObjectName("keepButton")
        dup_row.addWidget(self.merge_button)
        dup_row.addWidget(self.keep_button)
        dup_row.addStretch(1)
        outer.addLayout(dup_row)
        self.merge_button.clicked.connect(self.merge)
        self.keep_button.clicked.connect(self.keep)

        scroll = QScrollArea()
        self.body_scroll = scroll
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self._filler = QWidget()  # keeps the empty state at the top when the body is hidden
        outer.addWidget(self._filler, 1)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)

        self.form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for key, label in (("status", "Status"), ("deadline", "Deadline"), ("type", "Type"),
                           ("law", "Law"), ("basis", "Legal basis"), ("received", "Received"),
                           ("clock", "Clock started"), ("ack", "Acknowledge by"), ("refuse", "Refuse by"),
                           ("appeal", "Appeal"),
                           ("extended_due", "Latest date if extended"), ("verification", "Identity"),
                           ("assignee", "Assignee"), ("emails", "E-mail"), ("phones", "Phone"),
                           ("ids", "Customer ids"), ("address", "Postal address"),
                           ("requester", "Requester"), ("channel", "Channel"),
                           ("decision", "Decision"), ("outcome", "Outcome"),
                           ("attachments", "Attachments"), ("notes", "Notes")):
            value = QLabel()
            value.setObjectName(f"field_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            self.form.addRow(self.tr(label) + ":", value)
        layout.addLayout(self.form)

        self.actions_box = QGridLayout()
        layout.addLayout(self.actions_box)
        tools = QGridLayout()
        self.verify_button = QPushButton(self.tr("Identity verified"))
        self.verify_button.setObjectName("verifyButton")
        self.verify_failed_button = QPushButton(self.tr("Identity failed"))
        self.verify_failed_button.setObjectName("verifyFailedButton")
        self.assign_combo = QComboBox()
        self.assign_combo.setObjectName("assignCombo")
        self.edit_button = QPushButton(self.tr("Edit subject…"))
        self.edit_button.setObjectName("editButton")
        self.edit_button.clicked.connect(lambda: self.edit_subject())
        self.pause_button = QPushButton(self.tr("Stop clock…"))
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setToolTip(self.tr("Waiting for a clarification you asked for: the law lets the clock stop."))
        self.resume_button = QPushButton(self.tr("Restart clock"))
        self.resume_button.setObjectName("resumeButton")
        self.note_button = QPushButton(self.tr("Add note…"))
        self.note_button.setObjectName("noteButton")
        self.attach_button = QPushButton(self.tr("Attach file…"))
        self.attach_button.setObjectName("attachButton")
        tools.addWidget(self.verify_button, 0, 0)
        tools.addWidget(self.verify_failed_button, 0, 1)
        tools.addWidget(self.note_button, 1, 0)
        tools.addWidget(self.attach_button, 1, 1)
        tools.addWidget(self.pause_button, 2, 0)
        tools.addWidget(self.resume_button, 2, 1)
        tools.addWidget(self.edit_button, 3, 0)
        tools.addWidget(QLabel(self.tr("Assign to:")), 4, 0)
        tools.addWidget(self.assign_combo, 4, 1)
        self.pause_button.clicked.connect(lambda: self.pause())
        self.resume_button.clicked.connect(lambda: self.resume())
        layout.addLayout(tools)
        self.verify_button.clicked.connect(lambda: self.verify(False))
        self.verify_failed_button.clicked.connect(lambda: self.verify(True))
        self.assign_combo.activated.connect(self._assign_chosen)
        self.note_button.clicked.connect(self.add_note)
        self.attach_button.clicked.connect(self.attach)

        case_title = QLabel(self.tr("<b>Case file</b> — the search attached and the documents sent"))
        case_title.setWordWrap(True)
        layout.addWidget(case_title)
        # two rows of three: at 1280 px the pane is ~360 px wide and one row clipped every label
        case_row = QGridLayout()
        self.letters_button = QPushButton(self.tr("Letters…"))
        self.letters_button.setObjectName("lettersButton")
        self.letters_button.setToolTip(self.tr("Preview, save and record a letter for this request"))
        self.letters_button.clicked.connect(lambda: self.open_letters())
        self.export_button = QPushButton(self.tr("Export data…"))
        self.export_button.setObjectName("exportButton")
        self.export_button.setToolTip(self.tr("Write the machine-readable copy of the attached search (JSON or CSV)"))
        self.export_button.clicked.connect(lambda: self.export_data())
        self.search_button = QPushButton(self.tr("Search this subject"))
        self.search_button.setObjectName("searchSubjectButton")
        self.search_button.setToolTip(self.tr("Open the subject search with this request's identifiers"))
        self.search_button.clicked.connect(lambda: self.detail and self.search_requested.emit(self.detail))
        case_row.addWidget(self.search_button, 0, 0)
        case_row.addWidget(self.letters_button, 0, 1)
        case_row.addWidget(self.export_button, 0, 2)
        self.withhold_button = QPushButton(self.tr("Withhold…"))
        self.withhold_button.setToolTip(self.tr("Leave rows or a column of the attached search out of the reply"))
        self.withhold_button.clicked.connect(lambda: self.open_withhold())
        case_row.addWidget(self.withhold_button, 1, 0)
        self.plan_button = QPushButton(self.tr("Change plan…"))
        self.plan_button.setObjectName("planButton")
        self.plan_button.setToolTip(self.tr("Plan, script, execute and prove the erasure, correction or opt-out "
                                            "in the connected databases"))
        self.plan_button.clicked.connect(lambda: self.open_plan())
        case_row.addWidget(self.plan_button, 1, 1)
        # the case's main actions stay in sight above the scrolling detail (never below the fold)
        outer.insertLayout(outer.indexOf(self.banner) + 2, case_row)
        self.snapshot_label = QLabel()
        self.snapshot_label.setObjectName("snapshotLabel")
        self.snapshot_label.setWordWrap(True)
        layout.addWidget(self.snapshot_label)
        self.documents = QListWidget()
        self.documents.setObjectName("documentsList")
        self.documents.setMaximumHeight(110)
        self.documents.setToolTip(self.tr("Double-click to open"))
        self.documents.itemActivated.connect(self.open_document)
        layout.addWidget(self.documents)
        set_empty_text(self.documents, self.tr("Letters you save with Letters… and files you attach appear here."))

        timeline_label = QLabel(self.tr("<b>Audit timeline</b>"))
        layout.addWidget(timeline_label)
        self.timeline = Timeline(ctx, self.tr("Every change to this request will be listed here."))
        self.timeline.setObjectName("auditTimeline")
        self.timeline.setMinimumHeight(160)
        layout.addWidget(self.timeline)
        self.set_officers(svc.officers(ctx))
        self.show_request(None)

    # -- display ----------------------------------------------------------------------------
    def set_officers(self, officers: list[tuple[int, str]]) -> None:
        self.assign_combo.blockSignals(True)
        self.assign_combo.clear()
        self.assign_combo.addItem(self.tr("Unassigned"), None)
        for oid, name in officers:
            self.assign_combo.addItem(name, oid)
        self.assign_combo.blockSignals(False)

    def load(self, reference: str) -> None:
        try:
            self.show_request(svc.get_request(self.ctx, reference))
        except PrivDeskError as exc:
            show_error(self, exc)
            self.show_request(None)

    def reload(self) -> None:
        if self.detail is not None:
            self.load(self.detail.reference)

    def show_request(self, d: svc.RequestDetail | None) -> None:
        self.detail = d
        enabled = d is not None
        for w in (self.verify_button, self.verify_failed_button, self.assign_combo, self.note_button,
                  self.attach_button, self.edit_button, self.letters_button, self.export_button,
                  self.search_button, self.withhold_button):
            w.setEnabled(enabled)
            explain(w, self.tr("Select a request first."))
        for w in (self.search_button, self.letters_button, self.export_button, self.withhold_button):
            w.setVisible(enabled)  # the empty state shows no row of dead buttons
        if not enabled:
            self.plan_button.setVisible(False)
        self.documents.clear()
        self.snapshot_label.clear()
        self.pause_button.setVisible(bool(d and d.can_pause and d.paused_since is None))
        self.resume_button.setVisible(bool(d and d.paused_since is not None and d.is_open))
        self._clear_actions()
        self.timeline.clear()
        self.body_scroll.setVisible(d is not None)
        self._filler.setVisible(d is None)
        if d is None:
            self.title.setText(self.tr(NO_REQUEST_SELECTED))
            for f in self.fields.values():
                f.clear()
            self.banner.hide()
            self.merge_button.hide()
            self.keep_button.hide()
            return
        today = date.today()
        self.title.setText(f"<h3>{html.escape(d.reference)} · {html.escape(d.subject_name)}</h3>")
        self.fields["status"].setText(status_label(d.status))
        left = d.days_left(today)
        if not d.is_open:
            when, colour = format_date(d.deadline), None
        elif d.paused_since is not None:
            when = self.tr("{0} + pause (clock stopped since {1})").format(
                format_date(d.deadline), format_date(d.paused_since))
            colour = PAUSED
        elif d.paused:
            when, colour = self.tr("{0} (clock waits for identity)").format(format_date(d.deadline)), PAUSED
        elif left < 0:
            when, colour = self.tr("{0} ({1} days overdue)").format(format_date(d.deadline), -left), OVERDUE
        else:
            when = self.tr("{0} ({1} days left)").format(format_date(d.deadline), left)
            colour = SOON if left <= 7 else None
        self.fields["deadline"].setText(when)
        self.fields["deadline"].setStyleSheet(f"color:{colour.name()}; font-weight:bold;" if colour else "")
        self.fields["type"].setText(type_label(d.type))
        self.fields["law"].setText(f"{law_label(d.law)} — {d.law_name}")
        self.fields["basis"].setText(d.legal_basis)
        self.fields["received"].setText(format_date(d.received))
        self.fields["clock"].setText(format_date(d.clock_start))
        self.fields["ack"].setText(format_date(d.acknowledge_by) if d.acknowledge_by else "—")
        self._show_legal(d)
        ext = format_date(d.extended_due) if d.extended_due else self.tr("no extension under this law")
        if d.extended:
            ext += " · " + self.tr("extended: {0}").format(d.extension_reason)
        self.fields["extended_due"].setText(ext)
        verification = d.verification.replace("_", " ")
        if d.verified_on:
            verification += f" ({format_date(d.verified_on)})"
        self.fields["verification"].setText(verification)
        self.fields["assignee"].setText(d.assignee_name or self.tr(UNASSIGNED))
        self.fields["emails"].setText(", ".join(d.emails) or "—")
        self.fields["phones"].setText(", ".join(d.phones) or "—")
        self.fields["ids"].setText(", ".join(i.value for i in d.identifiers if i.kind == "customer_id") or "—")
        self.fields["address"].setText(d.subject_address or "—")
        self.fields["requester"].setText(d.requester or self.tr("the subject"))
        self.fields["channel"].setText(d.channel.replace("_", " "))
        decision = "—"
        if d.decided_by:
            decision = f"{d.decision_reason} — {d.decided_by}, {format_date(d.decided_on) if d.decided_on else ''}"
        self.fields["decision"].setText(decision)
        self.fields["outcome"].setText(d.outcome or "—")
        self.fields["attachments"].setText(
            "\n".join(f"{a.filename} ({a.size:,} bytes, sha256 {a.sha256[:12]}…)" for a in d.attachments) or "—")
        self.fields["notes"].setText(d.notes or "—")
        dup = bool(d.duplicate_of) and d.is_open
        self.banner.setVisible(dup)
        self.merge_button.setVisible(dup)
        self.keep_button.setVisible(dup)
        if dup:
            try:
                other = svc.get_request(self.ctx, d.duplicate_of)
                who = self.tr("{0}, {1}, received {2}").format(
                    html.escape(other.subject_name), status_label(other.status), format_date(other.received))
            except PrivDeskError:
                who = self.tr("no longer found")
            self.banner.setText(self.tr('Possible duplicate of open request <a href="{0}">{0}</a> ({1}): '
                                        'same e-mail or phone.').format(d.duplicate_of, who))
        i = self.assign_combo.findData(d.assignee_id)
        self.assign_combo.setCurrentIndex(max(i, 0))
        self.verify_button.setEnabled(d.is_open and d.verification != "verified")
        self.verify_failed_button.setEnabled(d.is_open and d.verification not in ("verified", "failed"))
        self.assign_combo.setEnabled(d.is_open)
        closed = self.tr("The request is {0}; nothing more can change.").format(status_label(d.status).lower())
        explain(self.verify_button, closed if not d.is_open else self.tr("Identity is already verified."))
        explain(self.verify_failed_button, closed if not d.is_open else self.tr("Identity was already checked."))
        explain(self.assign_combo, closed)
        for n, target in enumerate(d.actions):
            label, _needs = ACTIONS.get(target, (target, False))
            b = QPushButton(self.tr(label))
            b.setObjectName(f"action_{target}")
            b.clicked.connect(lambda _=False, t=target: self.do_action(t))
            self.actions_box.addWidget(b, n // 2, n % 2)
            self.action_buttons[target] = b
        self._show_case_file(d.reference)
        self.timeline.show_events(audit_svc.history(self.ctx, "request", d.reference))

    def _show_legal(self, d: svc.RequestDetail) -> None:
        """Refusal deadline (not moved by an extension) and appeal links (issue 10)."""
        from privdesk.services.requests.legal import appeal_links, refusal_info

        info = refusal_info(self.ctx, d)
        text = info.refuse_by.isoformat() if info.refuse_by else "—"
        if info.late:
            text += " · " + self.tr("refused late")
        self.fields["refuse"].setText(text)
        self.fields["refuse"].setToolTip(info.citation)
        links = appeal_links(self.ctx, d.reference)
        parts = [self.tr("appeal of {0}").format(links.appeal_of)] if links.appeal_of else []
        parts += [self.tr("appealed in {0}").format(ref) for ref in links.appeals]
        self.fields["appeal"].setText(", ".join(parts) or "—")

    def _show_case_file(self, reference: str) -> None:
        # the case file pulls in the search and export code: load it with the first request shown
        from privdesk.services import casefile

        snaps = casefile.list_snapshots(self.ctx, reference)
        if snaps:
            s = snaps[0]
            used = "; ".join(f"{k.replace('_', ' ')}: {', '.join(v)}" for k, v in s.identifiers.items() if v)
            self.snapshot_label.setText(self.tr("Search attached {0} by {1}: {2} rows ({3}).").format(
                s.taken_at[:16].replace("T", " "), s.attached_by, s.row_count, used))
        else:
            self.snapshot_label.setText(self.tr("No search attached yet: use the Search area and "
                                                "“Attach to request”."))
        self.export_button.setEnabled(bool(snaps))
        explain(self.export_button, self.tr("Export needs a search attached to this request (Search area, "
                                            "then “Attach to request”)."))
        planned = self.detail is not None and str(self.detail.type) in PLANNED_TYPES
        self.plan_button.setVisible(planned)
        self.plan_button.setEnabled(bool(snaps) and planned)
        explain(self.plan_button, self.tr("The erasure plan needs a search attached to this request."))
        for doc in casefile.list_documents(self.ctx, reference):
            when = format_datetime(doc.created_at) if doc.created_at else ""
            lock = " 🔒" if doc.encryption else ""
            item = QListWidgetItem(f"{when}  {doc.kind}: {doc.filename}{lock}")
            item.setData(Qt.ItemDataRole.UserRole, str(doc.stored_path))
            item.setToolTip(f"sha256 {doc.sha256}\n{doc.stored_path}")
            self.documents.addItem(item)

    def open_plan(self) -> ErasurePlanDialog | None:
        """The change plan of an erasure, rectification, opt-out or objection request."""
        if self.detail is None:
            return None
        from privdesk.ui.requests.erasure_dialog import ErasurePlanDialog

        dlg = ErasurePlanDialog(self.ctx, self.detail.reference, self.actor, self, str(self.detail.type))
        dlg.changed.connect(lambda: self.reload())
        dlg.open()
        dlg.load()
        return dlg

    def open_letters(self) -> LettersDialog | None:
        if self.detail is None:
            return None
        # QtPdf loads with the first letter, not with the window
        from privdesk.ui.requests.letters_dialog import LettersDialog

        dlg = LettersDialog(self.ctx, self.detail.reference, self.actor, self)
        dlg.generated.connect(lambda _doc: self.reload())
        dlg.open()
        return dlg

    def open_withhold(self) -> QDialog | None:
        if self.detail is None:
            return None
        from privdesk.ui.requests.withhold_dialog import WithholdDialog

        try:
            dlg = WithholdDialog(self.ctx, self.detail.reference, self.actor, self)
        except PrivDeskError as exc:  # no search attached yet
            show_error(self, exc, self.tr("Nothing to withhold"))
            return None
        dlg.changed.connect(self.reload)
        dlg.open()
        return dlg

    def export_data(self, path: str | None = None) -> casefile.DocumentInfo | None:
        if self.detail is None:
            return None
        ref = self.detail.reference
        if path is None:
            path, chosen = QFileDialog.getSaveFileName(
                self, self.tr("Export the subject's data"), str(Path.home() / f"{ref}-data.json"),
                "JSON (*.json);;ZIP of CSV files (*.zip)")
            if not path:
                return None
        fmt = "csv" if path.lower().endswith(".zip") else "json"
        from privdesk.services import casefile

        try:
            doc = casefile.export_portability(self.ctx, ref, fmt, path, self.actor())
        except PrivDeskError as exc:
            show_error(self, exc, self.tr("Data not exported"))
            return None
        self.reload()
        return doc

    def open_document(self, item: QListWidgetItem) -> None:
        path = str(item.data(Qt.ItemDataRole.UserRole))
        if not Path(path).exists():
            show_error(self, PrivDeskError(f"The file {path} is no longer there."))
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def _clear_actions(self) -> None:
        for b in self.action_buttons.values():
            self.actions_box.removeWidget(b)
            # hidden at once: deleteLater waits for the event loop, and until then the removed
            # button would lie, unlaid-out, over the request's fields
            b.hide()
            b.deleteLater()
        self.action_buttons = {}

    # -- changes ----------------------------------------------------------------------------
    def _run(self, fn: Callable[[svc.RequestDetail], svc.RequestDetail]) -> bool:
        d = self.detail
        if d is None:
            return False
        try:
            updated = fn(d)
        except ConflictError as exc:
            show_error(self, exc)
            self.reload()
            return False
        except PrivDeskError as exc:
            show_error(self, exc)
            return False
        self.show_request(updated)
        self.changed.emit(updated.reference)
        return True

    def do_action(self, target: str, reason: str | None = None, outcome: str = "") -> bool:
        """Move to ``target``; asks for a reason when the move needs one and none was given."""
        _label, needs = ACTIONS.get(target, (target, False))
        if needs and reason is None:
            prompts = {"extended": self.tr("Why does this request need more time? The requester is told."),
                       "completed": self.tr("How was the request answered?"),
                       "denied": self.tr("Why is the request refused? The requester is told.")}
            answer = self.ask_reason(self.tr(ACTIONS[target][0].rstrip("…")), prompts.get(target, ""),
                                     target in ("completed", "denied"))
            if answer is None:
                return False
            reason, outcome = answer
        actor = self.actor()
        if target == "completed":
            return self._run(lambda d: svc.complete(self.ctx, d.reference, reason or "", actor, outcome,
                                                    expected_version=d.version))
        if target == "denied":
            return self._run(lambda d: svc.deny(self.ctx, d.reference, reason or "", actor, outcome,
                                                expected_version=d.version))
        return self._run(lambda d: svc.change_status(self.ctx, d.reference, target, actor, reason or "",
                                                     expected_version=d.version))

    def edit_subject(self, values: dict[str, object] | None = None) -> bool:
        """Open the edit dialog (or apply ``values`` directly, as tests do)."""
        if self.detail is None:
            return False
        if values is None:
            dlg = EditSubjectDialog(self.detail, self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return False
            values = dlg.values()
        v = values
        return self._run(lambda d: svc.update_subject(
            self.ctx, d.reference, self.actor(), name=str(v.get("name", d.subject_name)),
            address=str(v.get("address", d.subject_address)), requester=str(v.get("requester", d.requester)),
            add_emails=list(v.get("add_emails", [])),  # type: ignore[call-overload]
            add_phones=list(v.get("add_phones", [])),  # type: ignore[call-overload]
            expected_version=d.version))

    def pause(self, reason: str | None = None) -> bool:
        if reason is None:
            answer = self.ask_reason(self.tr("Stop the clock"),
                                     self.tr("What are you waiting for (e.g. the clarification asked for on …)?"),
                                     False)
            if answer is None:
                return False
            reason = answer[0]
        why = reason
        return self._run(lambda d: svc.pause_clock(self.ctx, d.reference, why, self.actor(),
                                                   expected_version=d.version))

    def resume(self) -> bool:
        return self._run(lambda d: svc.resume_clock(self.ctx, d.reference, self.actor(),
                                                    expected_version=d.version))

    def verify(self, failed: bool) -> bool:
        return self._run(lambda d: svc.verify_identity(self.ctx, d.reference, self.actor(), failed=failed,
                                                       expected_version=d.version))

    def _assign_chosen(self, index: int) -> None:
        self.assign_to(self.assign_combo.itemData(index))

    def assign_to(self, officer_id: int | None) -> bool:
        if self.detail is not None and self.detail.assignee_id == officer_id:
            return False
        return self._run(lambda d: svc.assign(self.ctx, d.reference, officer_id, self.actor(),
                                              expected_version=d.version))

    def add_note(self, text: str | None = None) -> bool:
        if text is None:
            answer = self.ask_reason(self.tr("Add note"), self.tr("Note for the file:"), False)
            if answer is None:
                return False
            text = answer[0]
        note = text
        return self._run(lambda d: svc.add_note(self.ctx, d.reference, note, self.actor(),
                                                expected_version=d.version))

    def attach(self, path: str | None = None) -> bool:
        chosen = path if path is not None else self.ask_file()
        if not chosen:
            return False
        return self._run(lambda d: svc.attach_file(self.ctx, d.reference, chosen, self.actor(),
                                                   expected_version=d.version))

    def merge(self) -> CompareDialog | None:
        """Show both requests side by side; the merge runs only after the officer confirms."""
        d = self.detail
        if d is None or not d.duplicate_of:
            return None
        dlg = CompareDialog(svc.side_of(d), svc.side_by_ref(self.ctx, d.duplicate_of),
                            self.tr("Merge into {0}…").format(d.duplicate_of), self)
        dlg.chosen.connect(self.merge_confirmed)
        self.compare_dialog = dlg
        dlg.open()
        return dlg

    def merge_confirmed(self) -> bool:
        d = self.detail
        if d is None or not d.duplicate_of:
            return False
        if not self.confirm(self.tr("Merge requests"), merge_question(d.reference, d.duplicate_of)):
            return False
        return self._run(lambda d: svc.merge_duplicate(self.ctx, d.reference, d.duplicate_of, self.actor(),
                                                       expected_version=d.version))

    def keep(self) -> bool:
        return self._run(lambda d: svc.keep_duplicate(self.ctx, d.reference, self.actor(),
                                                      expected_version=d.version))
