"""Recording the breach facts of :mod:`privdesk.domain.breach_legal` (LGPD, California).

One row per breach in ``breach_legal``; every change is audited on the breach. The notices read
these facts through :func:`get_legal`.
"""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from datetime import UTC, datetime
from typing import Any

from privdesk.domain import breach as dom
from privdesk.domain import breach_legal as legal
from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services.breaches.common import _load
from privdesk.services.context import AppContext
from privdesk.store.legal_models import BreachLegal

_FIELDS = tuple(f.name for f in fields(legal.BreachLegal))


def _facts(row: BreachLegal | None) -> legal.BreachLegal:
    if row is None:
        return legal.BreachLegal()
    return legal.BreachLegal(
        security_measures=row.security_measures, was_source=row.was_source,
        identity_services=row.identity_services, service_months=row.service_months,
        data_owner=row.data_owner, owner_notified_at=row.owner_notified_at,
        delays=tuple(d for d in row.delays.split(",") if d), delay_reason=row.delay_reason,
    )


def get_legal(ctx: AppContext, reference: str) -> legal.BreachLegal:
    """The recorded facts (all empty when nothing was recorded)."""
    with ctx.db.session() as s:
        b = _load(s, reference)
        return _facts(s.get(BreachLegal, b.id))


def set_legal(ctx: AppContext, reference: str, actor: str, **changes: Any) -> legal.BreachLegal:
    """Change some facts (keyword names as :class:`~privdesk.domain.breach_legal.BreachLegal`).

    ``delays`` takes names or comma lists; ``owner_notified_at`` an aware datetime or ISO text.
    """
    unknown = sorted(set(changes) - set(_FIELDS))
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a breach fact PrivDesk records.")
    with ctx.db.session() as s, s.begin():
        b = _load(s, reference)
        row = s.get(BreachLegal, b.id)
        before = _facts(row)
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key == "delays":
                value = legal.parse_delays([value] if isinstance(value, str) else value)
            elif key == "owner_notified_at" and isinstance(value, str):
                value = dom.parse_moment(value, b.aware_at.tzinfo or UTC, "time the owner was told") if value.strip() else None
            elif key == "service_months":
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise ValidationError(f"The number of months {value!r} is not a whole number.") from None
            elif isinstance(value, str):
                value = value.strip()
            clean[key] = value
        after = legal.validate_legal(replace(before, **clean), b.aware_at)
        if row is None:
            row = BreachLegal(breach_id=b.id)
            s.add(row)
        diff = {k: (v, getattr(after, k)) for k, v in asdict(before).items() if getattr(after, k) != v}
        for key in _FIELDS:
            value = getattr(after, key)
            setattr(row, key, ",".join(value) if key == "delays" else value)
        if diff:
            audit.append(s, actor, "breach", b.reference, "legal-facts",
                         {k: (_plain(a), _plain(z)) for k, (a, z) in diff.items()})
    return after


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return ",".join(value)
    return value
