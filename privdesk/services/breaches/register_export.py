"""The breach register exported as CSV (GDPR Art. 33(5): document every breach, notified or not),
owner-only and safe against CSV injection.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from privdesk.domain import breach as dom
from privdesk.domain.spreadsheet import neutralise
from privdesk.services.breaches.common import _now
from privdesk.services.breaches.reading import get_breach
from privdesk.services.context import AppContext
from privdesk.store.breach_models import Breach

log = logging.getLogger("privdesk.breaches")


REGISTER_COLUMNS = (
    "reference", "title", "status", "risk", "risk_reasoning", "aware", "aware_zone", "authority_due",
    "occurred_from", "occurred_to", "discovery", "nature", "description", "data_categories",
    "special_categories", "subject_categories", "subjects_approx", "records_approx", "consequences",
    "measures", "measures_proposed", "contact_name", "contact_email", "contact_phone", "countries",
    "authorities", "regimes", "exemptions", "exemption_reasoning", "incident_type", "cyber_incident",
    "ongoing", "unintelligible", "processor", "others_informed", "law_enforcement_delay", "affected_people", "authority_notified_at",
    "authority_late", "delay_reasons", "individuals_notified", "notifications", "clock",
)


def _cell(v: Any) -> str:
    """CSV cells that a spreadsheet would run as a formula are prefixed with a quote."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    text = str(v)
    return neutralise(text)


def register_rows(ctx: AppContext, now: datetime | None = None) -> list[dict[str, str]]:
    now = _now(now)
    out: list[dict[str, str]] = []
    with ctx.db.session() as s:
        refs = list(s.scalars(select(Breach.reference).order_by(Breach.aware_at)))
    for ref in refs:
        d = get_breach(ctx, ref, now)
        j = d.to_json()
        auth = [n for n in d.notifications if n.kind == "authority"]
        indiv = sum(n.count for n in d.notifications if n.kind == "individuals")
        urgent = dom.most_urgent(d.clocks)
        row = {k: j.get(k) for k in REGISTER_COLUMNS if k in j}
        row.update(
            data_categories="; ".join(c.label + (" [special]" if c.special else "") for c in d.data_categories),
            nature=", ".join(d.nature), subject_categories="; ".join(d.subject_categories),
            contact_name=d.contact_name, contact_email=d.contact_email, contact_phone=d.contact_phone,
            countries=", ".join(d.countries), authorities="; ".join(d.authorities),
            regimes=", ".join(d.regimes), exemptions=", ".join(d.exemptions),
            affected_people=d.affected,
            authority_notified_at=auth[0].sent_at.isoformat(timespec="minutes") if auth else "",
            authority_late=any(n.late for n in auth), delay_reasons=" ".join(n.delay_reasons for n in auth if n.delay_reasons),
            individuals_notified=indiv,
            notifications=" | ".join(f"{n.sent_at.isoformat(timespec='minutes')} {n.kind} {n.phase} to {n.recipient}"
                                     f"{' (' + n.document_file + ' sha256 ' + n.document_sha256 + ')' if n.document_file else ''}"
                                     for n in d.notifications),
            clock=(f"{urgent.kind.label}: {urgent.describe()}" if urgent else ""),
        )
        out.append({k: _cell(row.get(k)) for k in REGISTER_COLUMNS})
    return out


def export_register(ctx: AppContext, path: Path, now: datetime | None = None) -> int:
    """Write every breach to a CSV file (atomically, owner-only); returns the number of rows."""
    from privdesk.documents.breach import write_private

    rows = register_rows(ctx, now)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(REGISTER_COLUMNS), lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    write_private(Path(path), buf.getvalue().encode("utf-8-sig"))
    log.info("register exported: %d breaches", len(rows))
    return len(rows)


