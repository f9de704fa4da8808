"""``privdesk deadline``: compute a request's statutory dates without touching the case database.

A calculator for officers and for external checks; its ``--json`` output is a fixed contract
(keys ``law``, ``type``, ``received``, ``due``, ``extended_due``, ``acknowledge_by``, ``refuse_by``).
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from privdesk.errors import ValidationError

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "deadline",
        help="compute the due dates of a request under a law (does not open the case database)",
        description="Compute the statutory due date, extended due date and acknowledgement date.",
    )
    p.add_argument("--law", required=True, help="law id: gdpr, uk-gdpr, ccpa, lgpd, vcdpa, cpa, ...")
    p.add_argument("--received", required=True, metavar="YYYY-MM-DD", help="day the request was received")
    p.add_argument("--type", default="access", metavar="TYPE",
                   help="access, rectification, erasure, restriction, objection, opt-out, portability (default access)")
    p.add_argument("--country", metavar="CC", help="ISO country code whose public holidays apply (default: none)")
    p.add_argument("--subdivision", metavar="SD", help="state, region or nation within --country, e.g. ENG, CA, BY")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_deadline)


def parse_iso_date(text: str, what: str = "date") -> date:
    """A strict ``YYYY-MM-DD`` date with a sentence naming the bad value."""
    value = text.strip()
    if not _ISO_DATE.match(value):
        raise ValidationError(f"The {what} {text!r} is not a date in the form YYYY-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"The {what} {text!r} is not a real calendar date.") from None


def _fmt(d: date | None) -> str:
    return f"{d.isoformat()} ({d.strftime('%A')})" if d else "-"


def _deadline(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.domain.deadlines import compute_deadline, holiday_calendar
    from privdesk.domain.laws import get_law, use_organisation_laws
    from privdesk.domain.requests import RequestType, legal_basis
    from privdesk.paths import resolve_paths

    # The organisation's own law files are plain files in the data folder: read them, still without
    # opening the case database (so the LGPD small-agent setting, kept there, is not applied here).
    use_organisation_laws(resolve_paths(args.data_dir, args.db_url).data_dir / "laws")
    law = get_law(args.law)
    rtype = RequestType.parse(args.type)
    received = parse_iso_date(args.received, "received date")
    calendar = holiday_calendar(args.country, args.subdivision)
    result = compute_deadline(law, rtype, received, calendar)
    if args.json:
        emit_json(result.to_json())
        return 0

    rule = law.types[rtype]
    lines = [
        f"{law.short_name}, {rtype.label.lower()} request. {rule.right}: {legal_basis(law, rtype)}",
        f"Received        {_fmt(result.received)}",
        f"Due             {_fmt(result.due)}",
    ]
    if result.rolled and result.unrolled_due is not None:
        why = calendar.name_of(result.unrolled_due) or "not a working day"
        lines.append(f"                moved from {result.unrolled_due.isoformat()} ({why}) to the next working day")
    period = law.period_for(rtype)
    lines.append(f"Period          {period.describe()} from receipt ({law.period_citation(rtype)})")
    if result.extended_due is not None and law.extension is not None:
        lines.append(f"Extended due    {_fmt(result.extended_due)} if extended by {law.extension.period.describe()} "
                     f"({law.extension.citation})")
        if result.extension_notice_by is not None:
            lines.append(f"                tell the requester of an extension by {result.extension_notice_by.isoformat()}")
    else:
        lines.append("Extended due    - (no extension for this request)")
    if result.acknowledge_by is not None:
        lines.append(f"Acknowledge by  {_fmt(result.acknowledge_by)} ({law.citation('acknowledge')})")
    if result.refuse_by is not None and law.extras.refusal is not None:
        lines.append(f"Refuse by       {_fmt(result.refuse_by)}, not moved by an extension "
                     f"({law.extras.refusal.citation})")
    lines.append(f"Holidays        {calendar.describe()}")
    if not rule.available:
        lines.append(f"Caution         the {law.short_name} has no such right; {rule.note or 'dates are indicative'}")
        return _print(lines)
    if rule.note:
        lines.append(f"Note            {rule.note}")
    return _print(lines)


def _print(lines: list[str]) -> int:
    for line in lines:
        print(line)  # noqa: T201
    return 0
