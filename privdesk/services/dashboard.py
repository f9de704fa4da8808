"""The manager's review of the queue: what is due, what is late, on whose desk, and how the
deadlines of a period were kept (GDPR Art. 5(2), accountability).

Every figure is a named SQL condition on the ``requests`` table (:data:`FIGURES`). One grouped
query sums all conditions at once (by status, type, law and assignee), so 100,000 requests cost
one table scan; the queue's drill-down filters by the very same condition
(:func:`drill_condition`), so the count a figure shows is the count the queue lists. The window,
the ``dashboard`` command and the compliance report all read :func:`dashboard`.

Closed means answered: completed or denied, decided within the period. Withdrawn requests are
counted apart; they were not answered. "Answered on time" is the share of those closed on or
before their deadline (extensions included); because it ignores requests still open past their
deadline, :attr:`Dashboard.deadlines_met_rate` counts the overdue open requests against it.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, func, literal, not_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from privdesk.domain.dashboard import (
    FIGURE_LABELS,
    FIGURES,
    BreachClock,
    BreachLine,
    Dashboard,
    Drill,
    LateRequest,
    Rate,
    WeekBucket,
    Workload,
    law_label,
    type_label,
)
from privdesk.domain.laws import get_law, law_ids
from privdesk.domain.periods import DUE_SOON_DAYS, Period, median, percentile, preset
from privdesk.domain.requests import Status, Verification
from privdesk.services.context import AppContext
from privdesk.store.breach_models import Breach, BreachNotification
from privdesk.store.models import Officer
from privdesk.store.request_models import Request

log = logging.getLogger("privdesk.dashboard")

OPEN = tuple(s.value for s in Status if s.is_open)
ANSWERED = (Status.COMPLETED.value, Status.DENIED.value)
WEEKS = 8
LATE_LIST_LIMIT = 500


# -- days between two dates, per database --------------------------------------------------------
class days_between(FunctionElement[int]):  # a SQL function, named like one
    """Whole days from the first date to the second, in SQL."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_generic(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"({compiler.process(b, **kw)} - {compiler.process(a, **kw)})"  # PostgreSQL: date - date


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"CAST(julianday({compiler.process(b, **kw)}) - julianday({compiler.process(a, **kw)}) AS INTEGER)"


@compiles(days_between, "mysql")
@compiles(days_between, "mariadb")
def _days_mysql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"DATEDIFF({compiler.process(b, **kw)}, {compiler.process(a, **kw)})"


# -- the figures as SQL conditions -----------------------------------------------------------------


@functools.cache
def _identity_pausing_laws() -> tuple[str, ...]:
    return tuple(lid for lid in law_ids() if get_law(lid).clock_starts_on_verification)


def clock_running() -> ColumnElement[bool]:
    """The request's clock runs: not stopped for a clarification, and not waiting for identity
    under a law whose clock starts only on verification (as the queue shows "paused")."""
    waiting = and_(Request.verification == Verification.PENDING.value, Request.law.in_(_identity_pausing_laws()))
    return and_(Request.paused_since.is_(None), not_(waiting))


def _conditions(period: Period, today: date) -> dict[str, ColumnElement[bool]]:
    d = Request.deadline
    is_open = Request.status.in_(OPEN)
    # A stopped clock is not overdue: its deadline moves by the pause when it restarts.
    running = and_(is_open, clock_running())
    start, end = literal(period.start), literal(period.end)
    decided_in = and_(Request.decided_on.is_not(None), Request.decided_on >= start, Request.decided_on <= end)
    closed = and_(Request.status.in_(ANSWERED), decided_in)
    return {
        "open": is_open,
        "overdue": and_(running, d < literal(today)),
        "due_soon": and_(running, d >= literal(today), d <= literal(today + timedelta(days=DUE_SOON_DAYS))),
        "unassigned": and_(is_open, Request.assignee_id.is_(None)),
        "paused": and_(is_open, not_(clock_running())),
        "received": and_(Request.received >= start, Request.received <= end),
        "closed": closed,
        "closed_on_time": and_(closed, Request.decided_on <= d),
        "closed_late": and_(closed, Request.decided_on > d),
        "extended": and_(Request.received >= start, Request.received <= end, Request.extension_reason != ""),
        "denied": and_(Request.status == Status.DENIED.value, decided_in),
        "withdrawn": and_(Request.status == Status.WITHDRAWN.value, decided_in),
    }


def drill_condition(drill: Drill) -> ColumnElement[bool]:
    """The SQL condition that selects exactly the requests a figure counts."""
    conds = _conditions(drill.period, drill.today)
    if drill.figure not in conds:
        raise ValueError(f"unknown figure {drill.figure!r}")
    parts: list[ColumnElement[bool]] = [conds[drill.figure]]
    if drill.law is not None:
        parts.append(Request.law == drill.law)
    if drill.type is not None:
        parts.append(Request.type == drill.type)
    if drill.status is not None:
        parts.append(Request.status == drill.status)
    if drill.unassigned:
        parts.append(Request.assignee_id.is_(None))
    elif drill.officer_id is not None:
        parts.append(Request.assignee_id == drill.officer_id)
    if drill.running:
        parts.append(clock_running())
    if drill.deadline_from is not None:
        parts.append(Request.deadline >= literal(drill.deadline_from))
    if drill.deadline_before is not None:
        parts.append(Request.deadline < literal(drill.deadline_before))
    return and_(*parts)


# -- computing ---------------------------------------------------------------------------------------
def _rates(groups: Iterable[tuple[str, Mapping[str, int]]], label: Any) -> tuple[Rate, ...]:
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key, sums in groups:
        a = acc[key]
        a[0] += sums["closed"]
        a[1] += sums["closed_on_time"]
        a[2] += sums["closed_late"]
    rates = [Rate(k, label(k), *v) for k, v in acc.items() if v[0]]
    return tuple(sorted(rates, key=lambda r: (-r.closed, r.key)))


def _weeks(s: Any, today: date, weeks: int, overdue: int) -> tuple[WeekBucket, ...]:
    """An "Overdue" bar, then this week from today, then the following weeks from Monday."""
    monday = today - timedelta(days=today.weekday())
    edges = [today] + [monday + timedelta(weeks=i) for i in range(1, weeks + 1)]
    is_open = and_(Request.status.in_(OPEN), clock_running())
    rows = s.execute(select(Request.deadline, func.count()).where(
        is_open, Request.deadline >= today, Request.deadline < edges[-1]).group_by(Request.deadline)).all()
    counts = [0] * weeks
    for d, n in rows:
        day = d if isinstance(d, date) else date.fromisoformat(str(d))
        counts[0 if day < edges[1] else (day - edges[1]).days // 7 + 1] += int(n)
    buckets = [WeekBucket("Overdue", None, today, overdue, overdue=True)]
    for i in range(weeks):
        label = "This week" if i == 0 else edges[i].strftime("%d %b")
        buckets.append(WeekBucket(label, edges[i], edges[i + 1], counts[i]))
    return tuple(buckets)


def _scopes(conds: Mapping[str, ColumnElement[bool]]) -> list[tuple[ColumnElement[bool], tuple[str, ...]]]:
    """The figures grouped by the narrowest condition every one of them implies."""
    decided = or_(conds["closed"], conds["denied"], conds["withdrawn"])
    return [
        (conds["open"], ("open", "overdue", "due_soon", "unassigned", "paused")),
        (conds["received"], ("received", "extended")),
        (decided, ("closed", "closed_on_time", "closed_late", "denied", "withdrawn")),
    ]


def _late(s: Any, conds: Mapping[str, ColumnElement[bool]], today: date, limit: int) -> tuple[list[LateRequest], int]:
    if not limit:
        return [], 0
    where = or_(conds["closed_late"], conds["overdue"])
    total = int(s.scalar(select(func.count()).select_from(Request).where(where)) or 0)
    rows = s.execute(
        select(Request.reference, Request.type, Request.law, Request.received, Request.deadline,
               Request.decided_on, Request.status, Request.decision_reason, Request.extension_reason,
               Request.notes, func.coalesce(Officer.name, "Unassigned"))
        .outerjoin(Officer, Officer.id == Request.assignee_id)
        .where(where).order_by(Request.deadline, Request.id).limit(limit)).all()
    out = []
    for ref, rtype, law, received, deadline, decided, status, reason, ext, notes, who in rows:
        end = decided or today
        why = reason if decided else ""
        if ext:
            why = f"Extended: {ext}" + (f" — {why}" if why else "")
        if not why:
            why = (notes or "").strip().splitlines()[0] if (notes or "").strip() else "No reason recorded"
        out.append(LateRequest(ref, rtype, law, received, deadline, decided, status, (end - deadline).days,
                               str(who), why))
    return out, total


def _breaches(s: Any, period: Period, now: datetime | None) -> tuple[BreachLine, ...]:
    from privdesk.services import breaches as breach_svc

    zone = breach_svc.local_zone()
    start = datetime.combine(period.start, time(), tzinfo=zone)
    end = datetime.combine(period.end_exclusive, time(), tzinfo=zone)
    rows = s.execute(select(Breach.id, Breach.reference, Breach.title, Breach.risk, Breach.aware_at,
                            Breach.authority_due, Breach.exemptions)
                     .where(Breach.aware_at >= start, Breach.aware_at < end).order_by(Breach.aware_at)).all()
    if not rows:
        return ()
    ids = [r[0] for r in rows]
    sent: dict[int, tuple[datetime, bool]] = {}
    told: dict[int, int] = defaultdict(int)
    told_late: set[int] = set()
    for bid, kind, at, late, count in s.execute(
            select(BreachNotification.breach_id, BreachNotification.kind, BreachNotification.sent_at,
                   BreachNotification.late, BreachNotification.count)
            .where(BreachNotification.breach_id.in_(ids), BreachNotification.phase == "initial")
            .order_by(BreachNotification.sent_at)):
        if kind == "authority" and bid not in sent:
            sent[bid] = (at, bool(late))
        elif kind == "individuals":
            told[bid] += int(count or 0)
            if late:
                told_late.add(bid)
    now = now or datetime.now(zone)
    out = []
    for bid, ref, title, risk, aware, due, exemptions in rows:
        if bid in sent:
            at, late = sent[bid]
            notice = "late" if late or (due is not None and at > due) else "in time"
            notified: datetime | None = at.astimezone(zone)
        else:
            notified = None
            notice = "not required" if risk == "none" else ("overdue" if due is not None and now > due else "not sent")
        if told[bid]:
            people = "late" if bid in told_late else "in time"
        else:
            people = "not sent" if risk == "high" and not (exemptions or "").strip() else "not required"
        out.append(BreachLine(ref, title, risk, aware.astimezone(zone), due.astimezone(zone) if due else None,
                              notified, notice, told[bid], people))
    return tuple(out)


def nearest_breach_clock(ctx: AppContext, now: datetime | None = None) -> BreachClock | None:
    """The pending breach notice due soonest (late ones first), or None when none is pending."""
    from privdesk.services import breaches as breach_svc

    rows = breach_svc.list_breaches(ctx, breach_svc.BreachQuery(clock="pending", include_closed=False), now=now)
    for row in rows:
        c = row.clock
        if c is not None and c.sent_at is None and c.state in ("red", "amber", "ok", "no-deadline"):
            return BreachClock(row.reference, row.title, c.kind.label, c.due, c.minutes_left, c.state)
    return None


def dashboard(ctx: AppContext, today: date | None = None, period: Period | None = None, *,
              weeks: int = WEEKS, details: bool = False, late_limit: int = LATE_LIST_LIMIT,
              now: datetime | None = None) -> Dashboard:
    """All figures at ``today`` for ``period`` (this month by default). ``details`` adds what only
    the report prints: the late requests (at most ``late_limit``)."""
    today = today or date.today()
    period = period or preset("this-month", today)
    conds = _conditions(period, today)
    keys = (Request.status, Request.type, Request.law, Request.assignee_id)
    grouped: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    with ctx.db.session() as s:
        # Each figure is summed only over the rows that can match it (an indexed scope), so the
        # open snapshot and the period cost a fraction of a full table scan each.
        for scope, figures in _scopes(conds):
            sums = [func.sum(case((conds[k], 1), else_=0)) for k in figures]
            for row in s.execute(select(*keys, *sums).where(scope).group_by(*keys)):
                values = grouped[tuple(row[:4])]
                for k, v in zip(figures, row[4:], strict=True):
                    values[k] = int(v or 0)
        officers: dict[int, str] = {int(i): str(n) for i, n in s.execute(select(Officer.id, Officer.name))}
        hist = {int(d): int(n) for d, n in s.execute(
            select(days_between(Request.received, Request.decided_on).label("d"), func.count())
            .where(conds["closed"]).group_by("d")) if d is not None}
        denied = s.execute(
            select(Request.decision_reason, func.count()).where(conds["denied"])
            .group_by(Request.decision_reason).order_by(func.count().desc(), Request.decision_reason)).all()
        buckets = _weeks(s, today, weeks, sum(v["overdue"] for v in grouped.values()))
        late, late_total = _late(s, conds, today, late_limit if details else 0)
        breach_lines = _breaches(s, period, now)
    counts: dict[str, int] = dict.fromkeys(FIGURES, 0)
    by_status: dict[str, int] = defaultdict(int)
    by_type: dict[str, int] = defaultdict(int)
    by_law: dict[str, int] = defaultdict(int)
    per_law: list[tuple[str, dict[str, int]]] = []
    per_type: list[tuple[str, dict[str, int]]] = []
    work: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (status, rtype, law, who), values in grouped.items():
        for k, v in values.items():
            counts[k] += v
        if values["open"]:
            by_status[status] += values["open"]
            by_type[rtype] += values["open"]
            by_law[law] += values["open"]
            w = work[who]
            w[0] += values["open"]
            w[1] += values["overdue"]
            w[2] += values["due_soon"]
        per_law.append((law, values))
        per_type.append((rtype, values))
    workload = [Workload(officers.get(oid, "Unassigned") if oid is not None else "Unassigned", oid, *v)
                for oid, v in work.items()]
    workload.sort(key=lambda w: (-w.overdue, -w.open, w.officer))
    return Dashboard(
        today=today, period=period, counts=counts,
        open_by_status=dict(sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0]))),
        open_by_type=dict(sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
        open_by_law=dict(sorted(by_law.items(), key=lambda kv: (-kv[1], kv[0]))),
        rates_by_law=_rates(per_law, law_label), rates_by_type=_rates(per_type, type_label),
        median_days_to_close=median(hist), p90_days_to_close=percentile(hist, 0.9),
        denied_grounds=tuple((str(r or "No reason recorded"), int(n)) for r, n in denied),
        workload=tuple(workload), weeks=buckets,
        breach_clock=nearest_breach_clock(ctx, now), breaches=breach_lines,
        late=tuple(late), late_total=late_total, officers=officers,
    )


@dataclass(frozen=True)
class Reminder:
    """What the status-bar badge and the hourly reminder say."""

    overdue: int
    due_soon: int
    days: int
    breach: BreachClock | None

    def message(self) -> str:
        text = f"{self.overdue} overdue · {self.due_soon} due within {self.days} days"
        return f"{text} · {self.breach.text()}" if self.breach else text


def reminder(ctx: AppContext, today: date | None = None, now: datetime | None = None) -> Reminder:
    """Overdue and due-soon counts (the dashboard's conditions) and the nearest breach deadline."""
    today = today or date.today()
    conds = _conditions(preset("this-month", today), today)
    with ctx.db.session() as s:
        overdue, soon = s.execute(select(func.sum(case((conds["overdue"], 1), else_=0)),
                                         func.sum(case((conds["due_soon"], 1), else_=0)))
                                  .where(Request.status.in_(OPEN))).one()
    return Reminder(int(overdue or 0), int(soon or 0), DUE_SOON_DAYS, nearest_breach_clock(ctx, now))


__all__ = [
    "DUE_SOON_DAYS", "FIGURES", "FIGURE_LABELS", "BreachClock", "BreachLine", "Dashboard", "Drill",
    "LateRequest", "Rate", "Reminder", "WeekBucket", "Workload", "dashboard", "drill_condition",
    "law_label", "nearest_breach_clock", "reminder", "type_label",
]
