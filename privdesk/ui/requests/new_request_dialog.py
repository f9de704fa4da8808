"""The new-request dialog: validates as the officer types and previews the deadline.

Each field shows its problem beside it (e-mail syntax, phone digits, a received date in the
future) and Save stays disabled until everything is acceptable. The checks are the domain's, so
the dialog and the service agree; the service still validates again on save.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from privdesk.domain.deadlines import compute_deadline, holiday_calendar
from privdesk.domain.holiday_places import countries, country_name, regions
from privdesk.domain.identifiers import email_problem, phone_problem
from privdesk.domain.laws import get_law, law_ids
from privdesk.domain.requests import Channel, RequestType
from privdesk.errors import PrivDeskError
from privdesk.services import requests as svc
from privdesk.services import settings as settings_svc
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import ask_yes_no, show_error
from privdesk.ui.forms import field_with_error, fit_height, multiline
from privdesk.ui.requests.duplicates import CompareDialog, merge_question
from privdesk.ui.requests.queue_model import law_label, status_label, type_label
from privdesk.ui.vocabulary import format_date

_ERROR_STYLE = "color:#b91c1c;"


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


class NewRequestDialog(QDialog):
    """Signals:
        opened(object): the :class:`OpenResult` of the request just written.
    """

    opened = Signal(object)

    def __init__(self, ctx: AppContext, actor: str, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.today = today or date.today()
        self.result_value: svc.OpenResult | None = None
        self.setWindowTitle(self.tr("New request"))
        self.setMinimumWidth(560)
        org = settings_svc.get_settings(ctx)
        self._country = org.get("holidays.country", "")
        self._subdivision = org.get("holidays.subdivision", "")

        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.errors: dict[str, QLabel] = {}

        def add(key: str, label: str, widget: QWidget) -> None:
            self.errors[key] = field_with_error(form, self.tr(label), widget, f"error_{key}")

        self.name = QLineEdit()
        self.name.setObjectName("nameEdit")
        add("name", "Subject name*", self.name)
        self.emails = QLineEdit()
        self.emails.setObjectName("emailEdit")
        self.emails.setPlaceholderText(self.tr("one or more, separated by commas"))
        add("emails", "E-mail", self.emails)
        self.phones = QLineEdit()
        self.phones.setObjectName("phoneEdit")
        self.phones.setPlaceholderText(self.tr("international format, e.g. +44 20 7946 0958"))
        add("phones", "Phone", self.phones)
        self.customer_ids = QLineEdit()
        self.customer_ids.setObjectName("customerIdEdit")
        add("customer_ids", "Customer ids", self.customer_ids)
        self.address = multiline()
        self.address.setObjectName("addressEdit")
        self.address.setFixedHeight(54)
        add("address", "Postal address", self.address)
        self.requester = QLineEdit()
        self.requester.setObjectName("requesterEdit")
        self.requester.setPlaceholderText(self.tr("only when someone acts for the subject"))
        add("requester", "Requester", self.requester)

        self.type = QComboBox()
        self.type.setObjectName("typeCombo")
        for t in RequestType:
            self.type.addItem(type_label(t.value), t.value)
        add("type", "Type*", self.type)
        self.law = QComboBox()
        self.law.setObjectName("lawCombo")
        for lid in law_ids():
            self.law.addItem(f"{law_label(lid)} — {get_law(lid).name}", lid)
        default_law = org.get("default_law", "")
        if default_law and self.law.findData(default_law) >= 0:
            self.law.setCurrentIndex(self.law.findData(default_law))
        add("law", "Law*", self.law)
        self.channel = QComboBox()
        self.channel.setObjectName("channelCombo")
        for c in Channel:
            self.channel.addItem(c.label, c.value)
        add("channel", "Channel", self.channel)
        self.received = QLineEdit(self.today.isoformat())
        self.received.setObjectName("receivedEdit")
        self.received.setPlaceholderText("YYYY-MM-DD")
        add("received", "Received*", self.received)
        default = (self._subdivision and dict(regions(self._country)).get(self._subdivision, self._subdivision)
                   or (country_name(self._country) if self._country else "") or self.tr("weekends only"))
        self.holiday = QComboBox()
        self.holiday.setObjectName("holidayCountry")
        self.holiday.addItem(self.tr("As the organisation ({0})").format(default), "")
        for combo in (self.holiday, self.law):  # long names must not widen the dialog past the screen
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        for code, name in countries():
            self.holiday.addItem(f"{name} ({code})", code)
        self.holiday.setToolTip(self.tr("Public holidays for this request only, when the subject's differ "
                                        "from the organisation's."))
        self.holiday_region = QComboBox()
        self.holiday_region.setObjectName("holidayRegion")
        self.holiday_region.addItem(self.tr("Whole country"), "")
        self.holiday_region.setEnabled(False)
        self.holiday.currentIndexChanged.connect(self._fill_regions)
        holiday_row = QHBoxLayout()
        holiday_row.addWidget(self.holiday, 2)
        holiday_row.addWidget(self.holiday_region, 1)
        holiday_box = QWidget()
        holiday_box.setLayout(holiday_row)
        holiday_row.setContentsMargins(0, 0, 0, 0)
        add("holiday", "Holidays", holiday_box)
        self.assignee = QComboBox()
        self.assignee.setObjectName("assigneeCombo")
        self.assignee.addItem(self.tr("Unassigned"), None)
        for oid, name in svc.officers(ctx):
            self.assignee.addItem(name, oid)
        add("assignee", "Assignee", self.assignee)

        self.dup_box = QLabel()
        self.dup_box.setObjectName("duplicateWarning")
        self.dup_box.setWordWrap(True)
        self.dup_box.setTextFormat(Qt.TextFormat.RichText)
        self.dup_box.setStyleSheet("background:#fef3c7; color:#78350f; padding:6px; border-radius:4px;")
        self.dup_box.linkActivated.connect(lambda ref: self.compare(ref))
        self.dup_box.hide()
        layout.addWidget(self.dup_box)
        self.duplicates: list[svc.RequestRow] = []
        self._dup_timer = QTimer(self)
        self._dup_timer.setSingleShot(True)
        self._dup_timer.setInterval(250)
        self._dup_timer.timeout.connect(self.check_duplicates)
        self.compare_dialog: CompareDialog | None = None
        #: asks before a merge; tests replace it
        self.confirm: Callable[[str, str], bool] = lambda title, text: ask_yes_no(self, title, text)

        self.preview = QLabel()
        self.preview.setObjectName("deadlinePreview")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveButton")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        #: fields whose errors are shown: those the officer has edited (all after a Save attempt)
        self.touched: set[str] = set()
        edits = {"name": self.name, "emails": self.emails, "phones": self.phones,
                 "customer_ids": self.customer_ids, "requester": self.requester, "received": self.received,
                 }
        for key, edit in edits.items():
            # touched: edited by hand, or given a value (an import or a test filling it in)
            edit.textEdited.connect(lambda _t, k=key: self._touch(k))
            edit.textChanged.connect(lambda t, k=key: self._touch(k) if t else self.validate())
        self.address.textChanged.connect(lambda: self._touch("address"))
        for combo in (self.type, self.law, self.holiday_region):
            combo.currentIndexChanged.connect(self.validate)
        for edit in (self.emails, self.phones):
            edit.textChanged.connect(self._dup_timer.start)
        self.validate()

    def _touch(self, key: str) -> None:
        if key in ("emails", "phones", "customer_ids", "address"):
            self.touched.add("emails")  # one error covers "some way to reach the subject"
        self.touched.add(key)
        self.validate()

    def _set_error(self, key: str, problem: str | None) -> None:
        err = self.errors[key]
        err.setText(problem or "")
        err.setVisible(bool(problem))

    def problems(self) -> dict[str, str]:
        """Field -> sentence, for every field that is wrong right now."""
        out: dict[str, str] = {}
        if not self.name.text().strip():
            out["name"] = self.tr("The subject's name is needed.")
        for e in _split(self.emails.text()):
            p = email_problem(e)
            if p:
                out["emails"] = p
                break
        for ph in _split(self.phones.text()):
            p = phone_problem(ph)
            if p:
                out["phones"] = p
                break
        if not (_split(self.emails.text()) or _split(self.phones.text()) or _split(self.customer_ids.text())
                or self.address.toPlainText().strip()) and "emails" not in out:
            out["emails"] = self.tr("Give an e-mail, phone, customer id or postal address.")
        country, sub = self.holiday_codes()
        if country:
            try:
                holiday_calendar(country, sub or None)
            except PrivDeskError as exc:
                out["holiday"] = exc.message
        text = self.received.text().strip()
        try:
            received = date.fromisoformat(text)
        except ValueError:
            out["received"] = self.tr("Write the date as YYYY-MM-DD.")
        else:
            if received > self.today:
                out["received"] = self.tr("The received date is in the future.")
        return out

    def _fill_regions(self) -> None:
        country = str(self.holiday.currentData() or "")
        self.holiday_region.blockSignals(True)
        self.holiday_region.clear()
        self.holiday_region.addItem(self.tr("Whole country"), "")
        for code, name in regions(country):
            self.holiday_region.addItem(name, code)
        self.holiday_region.setEnabled(self.holiday_region.count() > 1)
        self.holiday_region.blockSignals(False)
        self.validate()

    def set_holidays(self, country: str, region: str = "") -> None:
        """Choose the per-request calendar by codes (``DE``, ``BY``)."""
        self.holiday.setCurrentIndex(max(self.holiday.findData(country.upper()), 0))
        self.holiday_region.setCurrentIndex(max(self.holiday_region.findData(region.upper()), 0))

    def holiday_codes(self) -> tuple[str, str]:
        """The per-request holiday override as (country, region) codes ('' when none)."""
        return str(self.holiday.currentData() or ""), str(self.holiday_region.currentData() or "")

    def validate(self) -> bool:
        problems = self.problems()
        for key in self.errors:
            self._set_error(key, problems.get(key) if key in self.touched else None)
        if problems and not self.touched:
            self.save_button.setToolTip(self.tr("Fill in the subject's name and a way to reach them first."))
        else:
            self.save_button.setToolTip(" ".join(problems.values()))
        self.save_button.setEnabled(not problems)
        fit_height(self)
        self._update_preview("received" not in problems)
        return not problems

    def _update_preview(self, date_ok: bool) -> None:
        if not date_ok:
            self.preview.setText("")
            return
        try:
            law = get_law(str(self.law.currentData()))
            rtype = RequestType(str(self.type.currentData()))
            country, sub = self.holiday_codes()
            if not country:
                country, sub = self._country, self._subdivision
            cal = holiday_calendar(country or None, sub or None) if country else None
            dl = compute_deadline(law, rtype, date.fromisoformat(self.received.text().strip()), calendar=cal)
        except PrivDeskError as exc:
            self.preview.setText(exc.message)
            return
        text = self.tr("Due {0} ({1})").format(format_date(dl.due), law.citation("response"))
        if dl.extended_due:
            text += self.tr(" · at the latest {0} with an extension").format(format_date(dl.extended_due))
        if dl.acknowledge_by:
            text += self.tr(" · acknowledge by {0}").format(format_date(dl.acknowledge_by))
        if law.clock_starts_on_verification:
            text += self.tr(" · the clock restarts when identity is verified")
        self.preview.setText(text)

    def new_request(self) -> svc.NewRequest:
        return svc.NewRequest(
            type=str(self.type.currentData()), law=str(self.law.currentData()),
            received=self.received.text().strip(), name=self.name.text(),
            emails=tuple(_split(self.emails.text())), phones=tuple(_split(self.phones.text())),
            customer_ids=tuple(_split(self.customer_ids.text())),
            channel=str(self.channel.currentData()), address=self.address.toPlainText(),
            requester=self.requester.text(), assignee_id=self.assignee.currentData(),
            holiday_country=self.holiday_codes()[0], holiday_subdivision=self.holiday_codes()[1])

    # -- duplicates ---------------------------------------------------------------------------
    def check_duplicates(self) -> list[svc.RequestRow]:
        """Warn here, before saving, about open requests with the same e-mail or phone."""
        self._dup_timer.stop()
        region = self.holiday_codes()[0] or self._country
        self.duplicates = svc.possible_duplicates(
            self.ctx, _split(self.emails.text()), _split(self.phones.text()), region)
        if not self.duplicates:
            self.dup_box.hide()
            return []
        links = "; ".join(
            f'<a href="{d.reference}">{d.reference}</a> — {html.escape(d.subject_name)} '
            f'({html.escape(status_label(d.status))}, received {html.escape(format_date(d.received))}, '
            f'{html.escape(d.assignee_name or self.tr("Unassigned"))})' for d in self.duplicates[:3])
        self.dup_box.setText(self.tr("Possible duplicate — an open request has the same e-mail or phone: "
                                     "{0}. Click a reference to compare them side by side.").format(links))
        self.dup_box.show()
        fit_height(self)
        return self.duplicates

    def compare(self, reference: str) -> CompareDialog:
        """The new request beside ``reference``, with "Save and merge" as the decision."""
        left = svc.side_of_new(self.new_request(), self.tr("This new request"))
        dlg = CompareDialog(left, svc.side_by_ref(self.ctx, reference),
                            self.tr("Save and merge into {0}…").format(reference), self)
        dlg.chosen.connect(lambda: self.save_and_merge(reference))
        self.compare_dialog = dlg
        dlg.open()
        return dlg

    def save_and_merge(self, reference: str) -> bool:
        """Save this request, then fold it into ``reference`` after the officer confirms."""
        if not self.validate():
            return False
        if not self.confirm(self.tr("Merge requests"), merge_question(self.tr("this new request"), reference)):
            return False
        try:
            opened = svc.open_request(self.ctx, self.new_request(), self.actor, today=self.today)
            merged = svc.merge_duplicate(self.ctx, opened.reference, reference, self.actor, today=self.today)
        except PrivDeskError as exc:
            show_error(self, exc)
            return False
        self.result_value = svc.OpenResult(merged, ())
        self.opened.emit(self.result_value)
        self.accept()
        return True

    def save(self) -> None:
        if not self.validate():
            self.touched.update(self.errors)
            self.validate()
            return
        try:
            self.result_value = svc.open_request(self.ctx, self.new_request(), self.actor, today=self.today)
        except PrivDeskError as exc:
            show_error(self, exc)
            return
        self.opened.emit(self.result_value)
        self.accept()
