"""Demo breaches for the demo organisation (one clock running, one notified, one closed)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from privdesk.domain import breach as dom
from privdesk.services.breaches.affected import add_affected
from privdesk.services.breaches.notifications import record_notification
from privdesk.services.breaches.recording import add_breach
from privdesk.services.context import AppContext
from privdesk.store.breach_models import Breach


def seed_demo_breaches(ctx: AppContext) -> str:
    """Demo step: three breaches in different states, one with affected people.

    Awareness is set relative to now so that the register shows a live clock (amber), a
    notified breach and a closed low-risk one. Idempotent: nothing is added when breaches exist.
    """
    from datetime import timedelta

    with ctx.db.session() as s:
        if s.scalar(select(func.count()).select_from(Breach)):
            return "breaches: already present"
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    actor = "dpo@northwind.example"
    live = add_breach(ctx, dom.BreachInput(
        title="Customer export e-mailed to the wrong agency", aware=now - timedelta(hours=52),
        nature="confidentiality", description=(
            "A marketing analyst sent a spreadsheet of 1,840 loyalty customers to a former agency "
            "instead of the current one. The agency confirmed receipt and deletion by phone."),
        data_categories="identifiers, contact, Loyalty tier and points", subject_categories="customers",
        subjects_approx=1840, records_approx=1840, consequences="Unwanted marketing and phishing attempts.",
        measures="Agency asked to delete and confirm in writing; mail rule now warns on external attachments.",
        measures_proposed="Data-sharing checklist for campaign exports.", risk="high",
        risk_reasoning="Contact details of many customers with a real phishing risk.", incident_type="E-mail to the wrong recipient",
        discovery="The former agency called our marketing team.", cyber_incident="no", countries="GB"), actor)
    add_affected(ctx, live.reference, [
        {"name": "Zoë Ødegård", "email": "zoe.odegard@example.com", "address": "3 Fjord Road\nBergen", "language": "en"},
        {"name": "Łukasz Wróbel", "email": "lukasz.wrobel@example.pl", "address": "ul. Długa 5\nGdańsk"},
        {"name": "Ζωή Παπαδοπούλου", "email": "zoi@example.gr"},
        {"name": "Дмитрий Иванов", "email": "dmitry@example.ru"},
        {"name": "Carla Díaz", "email": "carla.diaz@example.com", "address": "1 Main St\nFresno, CA 93701", "region": "CA"},
    ], actor, source="demo")
    notified = add_breach(ctx, dom.BreachInput(
        title="Ransomware on the HR file server", aware=now - timedelta(days=9), nature="availability,confidentiality",
        description="Ransomware encrypted the HR share; attackers claim to have copied files.",
        data_categories="identifiers, health, financial", subject_categories="employees",
        subjects_approx=214, records_approx=5200, consequences="Identity fraud; exposure of sickness records.",
        measures="Server isolated, restored from backup; police informed.", risk="high",
        risk_reasoning="Health data of employees (special category).", incident_type="Ransomware",
        cyber_incident="yes", others_informed="Action Fraud", countries="GB", status="contained"), actor)
    record_notification(ctx, notified.reference, "authority", actor, sent_at=now - timedelta(days=8, hours=2),
                        document_file=f"{notified.reference}-authority.pdf", case_reference="ICO/2026/4471")
    add_breach(ctx, dom.BreachInput(
        title="Lost encrypted laptop", aware=now - timedelta(days=30), nature="availability",
        description="A sales laptop with full-disk encryption was left on a train.",
        data_categories="contact", subject_categories="customers", subjects_approx=60, records_approx=60,
        consequences="None expected: the disk is encrypted.", measures="Device wiped remotely.",
        risk="none", risk_reasoning="Full-disk encryption; the key was not on the device.", unintelligible=True,
        status="closed"), actor)
    return "breaches: 3 recorded (one clock running, one notified, one closed), 5 affected people"
