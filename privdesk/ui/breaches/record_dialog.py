"""Recording a breach, for officers rather than programmers.

"Became aware" is a date-time editor in the organisation's time zone (the zone is shown beside
it), regimes and the Art. 34(3) exceptions are check lists with plain names, the risk has no
default (an unassessed breach must not be saved as assessed), and each problem is shown beside
its field once the officer touched it (all of them after a Save attempt).

Signals:
    recorded(object): the new or changed :class:`BreachDetail`.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from privdesk.domain import breach as dom
from privdesk.errors import PrivDeskError
from privdesk.services import breaches as svc
from privdesk.services import settings as settings_svc
from privdesk.services.context import AppContext
from privdesk.ui.forms import ERROR_STYLE, field_with_error, multiline
from privdesk.ui.vocabulary import date_format, law_name

#: plain names of the Art. 34(3) exceptions (the domain's labels are the law's long wording)
EXEMPTION_NAMES = {
    "unintelligible": "Unintelligible to others, e.g. encrypted (Art. 34(3)(a))",
    "measures": "Later measures removed the high risk (Art. 34(3)(b))",
    "disproportionate": "Disproportionate effort: a public notice instead (Art. 34(3)(c))",
}
#: where each breach regime applies, in words
REGIME_PLACES = {"gdpr": "European Union", "uk-gdpr": "United Kingdom", "lgpd": "Brazil",
                 "california": "California residents"}
RISK_CHOICES = (("none", "None — unlikely to result in a risk"),
                ("risk", "Risk — likely to result in a risk to people"),
                ("high", "High risk — likely to result in a high risk to people"))
#: which field a service error belongs to, by the words it uses
_ERROR_FIELDS = (("time of awareness", "aware"), ("title", "title"), ("describe", "description"),
                 ("description", "description"), ("nature", "nature"), ("risk", "risk"),
                 ("regime", "regimes"), ("exception", "exemption_reasoning"),
                 ("34(3)", "exemption_reasoning"), ("people", "subjects_approx"),
                 ("records", "records_approx"))


def zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", "") or zone.tzname(datetime.now(zone)) or zone)


class NewBreachDialog(QDialog):
    """The breach record as an authority's form asks for it; errors keep the input. Given a
    ``detail`` it edits that breach instead (the risk assessment and exceptions change as the
    investigation goes on; every change goes to the audit trail)."""

    recorded = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, now: datetime | None = None,
                 detail: svc.BreachDetail | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.now, self.editing = ctx, now, detail
        self.setWindowTitle(self.tr("Record a breach") if detail is None else self.tr("Edit {0}").format(detail.reference))
        self.setMinimumWidth(560)
        self.zone: tzinfo = (detail.aware.tzinfo or svc.organisation_zone(ctx)) if detail is not None \
            else svc.organisation_zone(ctx)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.touched: set[str] = set()

        def row(key: str, label: str, widget: QWidget | QHBoxLayout | QVBoxLayout) -> None:
            self.errors[key] = field_with_error(form, self.tr(label), widget, f"error:{key}")

        def line(key: str, label: str, placeholder: str = "") -> QLineEdit:
            w = QLineEdit()
            w.setObjectName(f"field:{key}")
            w.setPlaceholderText(placeholder)
            w.textEdited.connect(lambda _t: self._touch(key))
            w.textChanged.connect(lambda t: self._touch(key) if t else self.validate())
            self.fields[key] = w
            row(key, label, w)
            return w

        def block(key: str, label: str, placeholder: str = "") -> QPlainTextEdit:
            w = multiline(height=56)
            w.setObjectName(f"field:{key}")
            w.setPlaceholderText(placeholder)
            w.textChanged.connect(lambda: self._touch(key))
            self.fields[key] = w
            row(key, label, w)
            return w

        line("title", "Title*", "e.g. Payroll file e-mailed to the wrong recipient")
        self.aware = moment_editor((now or datetime.now(self.zone)).astimezone(self.zone), "field:aware")
        self.aware.dateTimeChanged.connect(lambda _d: self._touch("aware"))
        aware_row = QHBoxLayout()
        aware_row.addWidget(self.aware)
        zone_label = QLabel(self.tr("time in {0}").format(zone_name(self.zone)))
        zone_label.setObjectName("awareZone")
        aware_row.addWidget(zone_label, 1)
        row("aware", "Became aware*", aware_row)
        self.nature: dict[str, QCheckBox] = {}
        nature_row = QHBoxLayout()
        for n in dom.Nature:
            cb = QCheckBox(n.value.capitalize())
            cb.setObjectName(f"nature:{n.value}")
            cb.toggled.connect(lambda _c: self._touch("nature"))
            self.nature[n.value] = cb
            nature_row.addWidget(cb)
        nature_row.addStretch(1)
        row("nature", "Nature*", nature_row)
        block("description", "What happened*")
        line("data_categories", "Data categories", "health, contact, credentials, … (special ones are flagged)")
        line("subject_categories", "Subject categories", "customers, employees, children, …")
        line("subjects_approx", "People (approx.)", "e.g. 300")
        line("records_approx", "Records (approx.)", "e.g. 1,250")
        block("consequences", "Likely consequences")
        block("measures", "Measures taken")
        line("measures_proposed", "Measures proposed")
        self.risk = QComboBox()
        self.risk.setObjectName("field:risk")
        for value, text in RISK_CHOICES:
            self.risk.addItem(self.tr(text), value)
        self.risk.setPlaceholderText(self.tr("Choose after assessing the breach…"))
        self.risk.setCurrentIndex(-1)  # no default: an unassessed breach is not "a risk"
        self.risk.currentIndexChanged.connect(lambda _i: self._touch("risk"))
        row("risk", "Risk*", self.risk)
        line("risk_reasoning", "Risk reasoning")
        self.regimes: dict[str, QCheckBox] = {}
        regime_box = QVBoxLayout()
        regime_box.setSpacing(2)
        default_law = settings_svc.get_settings(ctx).get("default_law", "")
        default_regime = dom.default_regime_for_law(default_law)
        for rid, regime in sorted(dom.load_regimes().items(), key=lambda kv: law_name(kv[0])):
            cb = QCheckBox(f"{law_name(rid)} — {REGIME_PLACES.get(rid, regime.jurisdiction)}")
            cb.setToolTip(regime.name)
            cb.setObjectName(f"regime:{rid}")
            cb.setChecked(rid == default_regime and detail is None)
            cb.toggled.connect(lambda _c: self._touch("regimes"))
            self.regimes[rid] = cb
            regime_box.addWidget(cb)
        row("regimes", "Laws that apply*", regime_box)
        self.exemptions: dict[str, QCheckBox] = {}
        ex_box = QVBoxLayout()
        ex_box.setSpacing(2)
        for e in dom.Exemption:
            cb = QCheckBox(self.tr(EXEMPTION_NAMES.get(e.value, e.label)))
            cb.setObjectName(f"exemption:{e.value}")
            cb.setToolTip(e.label)
            cb.toggled.connect(lambda _c: self._touch("exemption_reasoning"))
            self.exemptions[e.value] = cb
            ex_box.addWidget(cb)
        row("exemptions", "Not telling individuals because", ex_box)
        line("exemption_reasoning", "Why the exception applies")

        body = QWidget()
        body.setLayout(form)
        scroll = QScrollArea()
        scroll.setObjectName("recordScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        self.error = QLabel()
        self.error.setObjectName("errorLabel")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.resize(640, 720)
        self.result_detail: svc.BreachDetail | None = None
        if detail is not None:
            self._fill(detail)
            self.touched.clear()
        self.validate()

    # -- values ---------------------------------------------------------------------------------
    def _fill(self, d: svc.BreachDetail) -> None:
        values = {
            "title": d.title, "description": d.description,
            "data_categories": ", ".join(c.to_text() for c in d.data_categories),  # labels hold commas
            "subject_categories": ", ".join(d.subject_categories),
            "subjects_approx": "" if d.subjects_approx is None else str(d.subjects_approx),
            "records_approx": "" if d.records_approx is None else str(d.records_approx),
            "consequences": d.consequences, "measures": d.measures, "measures_proposed": d.measures_proposed,
            "risk_reasoning": d.risk_reasoning, "exemption_reasoning": d.exemption_reasoning,
        }
        for key, value in values.items():
            w = self.fields[key]
            if isinstance(w, QPlainTextEdit):
                w.setPlainText(value)
            else:
                w.setText(value)
        self.aware.setDateTime(_qdt(d.aware.astimezone(self.zone)))
        for key, cb in self.nature.items():
            cb.setChecked(key in d.nature)
        self.risk.setCurrentIndex(self.risk.findData(d.risk))
        for key, cb in self.regimes.items():
            cb.setChecked(key in d.regimes)
        for key, cb in self.exemptions.items():
            cb.setChecked(key in d.exemptions)

    def _text(self, key: str) -> str:
        w = self.fields[key]
        return w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()

    def aware_at(self) -> datetime:
        """The editor's wall-clock time in the organisation's zone, as an aware datetime."""
        return moment_of(self.aware, self.zone)

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {k: self._text(k) for k in self.fields}
        values["aware"] = self.aware_at().isoformat(timespec="minutes")
        values["nature"] = ",".join(k for k, cb in self.nature.items() if cb.isChecked())
        values["risk"] = self.risk.currentData() or ""
        values["regimes"] = ",".join(k for k, cb in self.regimes.items() if cb.isChecked())
        values["exemptions"] = ",".join(k for k, cb in self.exemptions.items() if cb.isChecked())
        return values

    # -- checking -------------------------------------------------------------------------------
    def problems(self) -> dict[str, str]:
        """Field -> sentence for what the dialog can check before the service does."""
        out: dict[str, str] = {}
        if not self._text("title").strip():
            out["title"] = self.tr("Give the breach a short title.")
        if not self._text("description").strip():
            out["description"] = self.tr("Describe what happened.")
        if not any(cb.isChecked() for cb in self.nature.values()):
            out["nature"] = self.tr("Tick at least one: confidentiality, integrity or availability.")
        if self.risk.currentIndex() < 0:
            out["risk"] = self.tr("Choose the risk once you have assessed it.")
        if not any(cb.isChecked() for cb in self.regimes.values()):
            out["regimes"] = self.tr("Tick at least one law.")
        now = self.now or datetime.now(self.zone)
        if self.aware_at() > now:
            out["aware"] = self.tr("This is in the future.")
        for key in ("subjects_approx", "records_approx"):
            text = self._text(key).replace(",", "").replace(" ", "").strip()
            if text and not text.isdigit():
                out[key] = self.tr("Write a whole number, e.g. 300.")
        if any(cb.isChecked() for cb in self.exemptions.values()) and not self._text("exemption_reasoning").strip():
            out["exemption_reasoning"] = self.tr("Say why the exception applies; it must be documented.")
        return out

    def _touch(self, key: str) -> None:
        self.touched.add(key)
        self.validate()

    def validate(self) -> bool:
        problems = self.problems()
        for key, label in self.errors.items():
            text = problems.get(key, "") if key in self.touched else ""
            label.setText(text)
            label.setVisible(bool(text))
        return not problems

    def show_service_error(self, message: str) -> str:
        """Put a service's sentence beside the field it is about, else below the form."""
        low = message.lower()
        key = next((k for words, k in _ERROR_FIELDS if words in low), "")
        if key in self.errors:
            self.errors[key].setText(message)
            self.errors[key].show()
            self.error.setText("")
            return key
        self.error.setText(message)
        return ""

    def save(self) -> None:
        self.touched.update(self.errors)
        if not self.validate():
            self.error.setText(self.tr("Some fields need attention (in red)."))
            return
        values = self.values()
        try:
            if self.editing is None:
                detail = svc.add_breach(self.ctx, dom.BreachInput(**values), self.ctx.actor(), now=self.now)
            else:
                detail = svc.update_breach(self.ctx, self.editing.reference, values, self.ctx.actor(),
                                           expected_version=self.editing.version, now=self.now)
        except PrivDeskError as exc:
            self.show_service_error(exc.message)
            return
        self.result_detail = detail
        self.recorded.emit(detail)
        self.accept()


def _qdt(value: datetime) -> QDateTime:
    """The wall-clock reading of ``value`` (the editor shows the organisation's zone)."""
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))


def moment_editor(value: datetime, name: str) -> QDateTimeEdit:
    """A date-time editor (calendar pop-up, the locale's date format, minutes) showing ``value``
    on the wall clock of ``value``'s zone."""
    editor = QDateTimeEdit()
    editor.setObjectName(name)
    editor.setCalendarPopup(True)
    editor.setDisplayFormat(f"{date_format()} HH:mm")
    editor.setDateTime(_qdt(value))
    return editor


def moment_of(editor: QDateTimeEdit, zone: tzinfo) -> datetime:
    """The editor's wall-clock reading in ``zone`` as an aware datetime."""
    qd = editor.dateTime()
    d, t = qd.date(), qd.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=zone)
