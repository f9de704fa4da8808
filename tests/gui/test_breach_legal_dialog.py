"""The breach facts of issue 10 (LGPD security measures, California services, owner, delays)
recorded from the window: errors keep the input, saved facts show in the record."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from privdesk.services import breaches as svc
from privdesk.ui.breaches import BreachesPane
from privdesk.ui.breaches.legal_dialog import LegalFactsDialog
from tests.gui.test_breaches import pane, seeded  # noqa: F401


def test_legal_facts_dialog_keeps_input_on_error_and_saves(qtbot: QtBot, pane: BreachesPane) -> None:  # noqa: F811
    pane.table.selectRow(1)
    d = pane.detail
    assert d.legal_button.isEnabled()
    dlg = d.edit_legal()
    assert isinstance(dlg, LegalFactsDialog)
    qtbot.addWidget(dlg)
    dlg.security.setPlainText("Customer data encrypted at rest; access by role only.")
    dlg.delays["law-enforcement"].setChecked(True)
    dlg.save()
    assert "give the reason for the delay" in dlg.error.text()
    assert dlg.security.toPlainText() == "Customer data encrypted at rest; access by role only."
    dlg.delay_reason.setPlainText("Police asked us on 20 November to wait while they traced the sender.")
    dlg.services.setPlainText("CreditWatch: enrol with code NW-1")
    dlg.months.setValue(24)
    with qtbot.waitSignal(dlg.accepted):
        dlg.save()
    facts = svc.get_legal(pane.ctx, d.detail.reference)  # type: ignore[union-attr]
    assert facts.security_measures.startswith("Customer data encrypted") and facts.service_months == 24
    assert facts.delays == ("law-enforcement",)
    html = d.record.toHtml()
    assert "Customer data encrypted at rest" in html and "CreditWatch" in html and "Police asked us" in html
