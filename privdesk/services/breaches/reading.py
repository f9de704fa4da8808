"""Reading the register: one breach, the filtered list with the most urgent clock first, history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from privdesk.domain import breach as dom
from privdesk.services import audit
from privdesk.services.breaches.common import _clocks, _detail, _load, _now, _residents
from privdesk.services.breaches.values import ENTITY, BreachDetail, BreachQuery, BreachRow
from privdesk.services.context import AppContext
from privdesk.store.breach_models import Breach


def get_breach(ctx: AppContext, reference: str, now: datetime | None = None) -> BreachDetail:
    with ctx.db.session() as s:
        return _detail(s, _load(s, reference), _now(now))


def list_breaches(ctx: AppContext, query: BreachQuery = BreachQuery(), now: datetime | None = None) -> list[BreachRow]:
    """The register, most urgent clock first then newest awareness first."""
    now = _now(now)
    stmt = select(Breach).options(selectinload(Breach.notifications))
    if query.status:
        stmt = stmt.where(Breach.status == dom.BreachStatus.parse(query.status).value)
    elif not query.include_closed:
        stmt = stmt.where(Breach.status != dom.BreachStatus.CLOSED.value)
    if query.risk:
        stmt = stmt.where(Breach.risk == dom.Risk.parse(query.risk).value)
    if query.text.strip():
        like = f"%{query.text.strip().casefold()}%"
        stmt = stmt.where(or_(func.lower(Breach.reference).like(like), func.lower(Breach.title).like(like)))
    rows: list[BreachRow] = []
    with ctx.db.session() as s:
        breaches = list(s.scalars(stmt.order_by(Breach.aware_at.desc())))
        residents = _residents(s, [b.id for b in breaches])
        for b in breaches:
            clocks = _clocks(b, residents[b.id], now)
            pending = [c for c in clocks if b.status != "closed"]
            zone = dom.zone_from_text(b.aware_zone)
            rows.append(BreachRow(
                reference=b.reference, title=b.title, status=b.status, risk=b.risk,
                aware=b.aware_at.astimezone(zone),
                authority_due=b.authority_due.astimezone(zone) if b.authority_due else None,
                clock=dom.most_urgent(pending), affected=residents[b.id]["all"],
                special_categories=b.special_categories, regimes=tuple(b.regimes.split(",")),
                notified_authority=any(n.kind == "authority" for n in b.notifications)))
    if query.clock == "late":
        rows = [r for r in rows if r.clock_state == "red"]
    elif query.clock == "due-soon":
        rows = [r for r in rows if r.clock_state in ("red", "amber")]
    elif query.clock == "pending":
        rows = [r for r in rows if r.clock_state in ("red", "amber", "ok", "no-deadline")]
    order = {"red": 0, "amber": 1, "ok": 2, "no-deadline": 3, "done": 4, "not-required": 5}
    rows.sort(key=lambda r: (order.get(r.clock_state, 9),
                             r.clock.minutes_left if r.clock and r.clock.minutes_left is not None else 10**9))
    return rows


def history(ctx: AppContext, reference: str) -> list[audit.AuditEvent]:
    """The breach's audit trail, oldest first (the detail pane's timeline)."""
    return audit.history(ctx, ENTITY, dom.parse_reference(reference))


