"""The breach facts LGPD and California notices need (issue 10): security measures used, whether
we were the source and the identity-theft services offered, the owner of data we only maintain,
and permitted delays with their reason. Errors keep the input."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from privdesk.domain.breach_legal import DELAYS
from privdesk.errors import PrivDeskError
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from privdesk.ui.breaches.dialogs import _form_with_footer

DELAY_LABELS = {
    "law-enforcement": "Delayed for law enforcement (§ 1798.82(c))",
    "scope-and-restore": "Delayed to find scope, restore system (§ 1798.82(a))",
}


class LegalFactsDialog(QDialog):
    def __init__(self, ctx: AppContext, reference: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.reference = ctx, reference
        self.setWindowTitle(self.tr("What the law asks – {0}").format(reference))
        self.setMinimumWidth(700)
        facts = svc.get_legal(ctx, reference)
        form = QFormLayout()
        self.security = QPlainTextEdit(facts.security_measures)
        self.security.setObjectName("securityEdit")
        self.security.setFixedHeight(70)
        self.security.setTabChangesFocus(True)
        form.addRow(self.tr("Security measures used (LGPD Art. 48 §1, III):"), self.security)
        self.source = QCheckBox(self.tr("We were the source (§ 1798.82(d)(2)(G))"))
        self.source.setObjectName("sourceCheck")
        self.source.setChecked(facts.was_source)
        form.addRow("", self.source)
        self.services = QPlainTextEdit(facts.identity_services)
        self.services.setObjectName("servicesEdit")
        self.services.setFixedHeight(56)
        self.services.setTabChangesFocus(True)
        self.services.setPlaceholderText(self.tr("Provider, how to enrol, code, until when"))
        form.addRow(self.tr("Identity-theft services offered:"), self.services)
        self.months = QSpinBox()
        self.months.setObjectName("monthsSpin")
        self.months.setRange(0, 120)
        self.months.setValue(facts.service_months)
        self.months.setSuffix(self.tr(" months"))
        form.addRow(self.tr("Offered for (at least 12):"), self.months)
        self.owner = QLineEdit(facts.data_owner)
        self.owner.setObjectName("ownerEdit")
        self.owner.setPlaceholderText(self.tr("only when we maintain the data for its owner (§ 1798.82(b))"))
        form.addRow(self.tr("Owner of the data:"), self.owner)
        self.owner_told = QLineEdit(facts.owner_notified_at.isoformat(timespec="minutes")
                                    if facts.owner_notified_at else "")
        self.owner_told.setObjectName("ownerToldEdit")
        self.owner_told.setPlaceholderText("YYYY-MM-DDTHH:MM+01:00")
        form.addRow(self.tr("Owner told on:"), self.owner_told)
        self.delays: dict[str, QCheckBox] = {}
        for key, text in DELAYS.items():
            box = QCheckBox(self.tr(DELAY_LABELS[key]))
            box.setToolTip(text)
            box.setObjectName(f"delay-{key}")
            box.setChecked(key in facts.delays)
            self.delays[key] = box
            form.addRow("", box)
        self.delay_reason = QPlainTextEdit(facts.delay_reason)
        self.delay_reason.setObjectName("delayReasonEdit")
        self.delay_reason.setFixedHeight(56)
        self.delay_reason.setTabChangesFocus(True)
        form.addRow(self.tr("Reason for the delay:"), self.delay_reason)
        self.error = _form_with_footer(self, form, self.save)

    def save(self) -> None:
        try:
            svc.set_legal(
                self.ctx, self.reference, self.ctx.actor(),
                security_measures=self.security.toPlainText(), was_source=self.source.isChecked(),
                identity_services=self.services.toPlainText(), service_months=self.months.value(),
                data_owner=self.owner.text(), owner_notified_at=self.owner_told.text(),
                delays=tuple(k for k, box in self.delays.items() if box.isChecked()),
                delay_reason=self.delay_reason.toPlainText())
        except PrivDeskError as exc:
            self.error.setText(exc.message)
            return
        self.accept()
