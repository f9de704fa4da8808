"""Recording a breach and editing it: the ``BR-YYYY-NNNN`` reference, validation by the domain,
the audit entry of every change, status moves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privdesk.domain import breach as dom
from privdesk.errors import ConflictError, ValidationError
from privdesk.services import audit
from privdesk.services.breaches.common import (
    _audit_value,
    _detail,
    _input_from,
    _load,
    _now,
    _unit,
    _values,
    _with_defaults,
    organisation_zone,
)
from privdesk.services.breaches.values import ENTITY, BreachDetail
from privdesk.services.context import AppContext
from privdesk.store.breach_models import Breach

log = logging.getLogger("privdesk.breaches")


def _next_reference(s: Session, year: int) -> str:
    prefix = f"BR-{year}-"
    last = s.scalars(select(Breach.reference).where(Breach.reference.like(prefix + "%"))
                     .order_by(func.length(Breach.reference).desc(), Breach.reference.desc()).limit(1)).first()
    return dom.format_reference(year, int(last.rsplit("-", 1)[1]) + 1 if last else 1)


def add_breach(ctx: AppContext, data: dom.BreachInput, actor: str, now: datetime | None = None,
               zone: tzinfo | None = None) -> BreachDetail:
    """Validate and record a new breach; returns it with its reference (``BR-YYYY-NNNN``)."""
    now = _now(now)
    clean = dom.validate(_with_defaults(ctx, data), zone or organisation_zone(ctx), now)
    values = _values(clean)
    for attempt in range(3):
        try:
            with _unit(ctx) as s:
                ref = _next_reference(s, now.astimezone(clean.aware.tzinfo).year)
                b = Breach(reference=ref, version=1, **values)
                s.add(b)
                s.flush()
                audit.append(s, actor, ENTITY, ref, "record",
                             {k: (None, _audit_value(v)) for k, v in values.items() if v not in ("", None, "[]")})
                detail = _detail(s, b, now)
            break
        except IntegrityError:
            if attempt == 2:
                raise ConflictError("Could not allocate a breach reference; please try again.") from None
    log.info("breach %s recorded", detail.reference)
    return detail


def update_breach(ctx: AppContext, reference: str, changes: Mapping[str, Any], actor: str,
                  expected_version: int | None = None, now: datetime | None = None) -> BreachDetail:
    """Change any fields of the record (names as in :class:`BreachInput`); re-validates the whole."""
    now = _now(now)
    unknown = set(changes) - {f for f in dom.BreachInput.__dataclass_fields__}
    if unknown:
        raise ValidationError(f"Unknown breach field(s): {', '.join(sorted(unknown))}.")
    with _unit(ctx) as s:
        b = _load(s, reference, expected_version)
        current = _input_from(b)
        clean = dom.validate(replace(current, **dict(changes)), dom.zone_from_text(b.aware_zone), now)
        values = _values(clean)
        diff = {k: (_audit_value(getattr(b, k)), _audit_value(v)) for k, v in values.items() if getattr(b, k) != v}
        if diff:
            for k, v in values.items():
                setattr(b, k, v)
            s.flush()
            audit.append(s, actor, ENTITY, b.reference, "update", diff)
        detail = _detail(s, b, now)
    return detail


def set_status(ctx: AppContext, reference: str, status: str, actor: str) -> BreachDetail:
    return update_breach(ctx, reference, {"status": dom.BreachStatus.parse(status).value}, actor)


