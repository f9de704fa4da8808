"""The manager's view of the queue: what is due, what is late, on whose desk, and how often
requests are answered on time. Aggregates run in SQL so 100,000 requests cost milliseconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select

from privdesk.domain.requests import Status
from privdesk.services.context import AppContext
from privdesk.store.models import Officer
from privdesk.store.request_models import Request

OPEN = tuple(s.value for s in Status if s.is_open)
ANSWERED = (Status.COMPLETED.value, Status.DENIED.value)


@dataclass(frozen=True)
class Workload:
    officer: str
    open: int
    overdue: int
    due_soon: int


@dataclass(frozen=True)
class WeekBucket:
    start: date
    due: int


@dataclass(frozen=True)
class Dashboard:
    today: date
    open: int
    overdue: int
    due_within_3: int
    due_within_7: int
    unassigned: int
    answered: int
    answered_on_time: int
    by_status: dict[str, int]
    by_type: dict[str, int]
    by_law: dict[str, int]
    workload: list[Workload]
    weeks: list[WeekBucket]

    @property
    def on_time_rate(self) -> float | None:
        """Share of answered requests decided on or before their deadline; None before any."""
        return self.answered_on_time / self.answered if self.answered else None


def dashboard(ctx: AppContext, today: date | None = None, weeks: int = 8) -> Dashboard:
    today = today or date.today()
    is_open = Request.status.in_(OPEN)
    with ctx.db.session() as s:
        def count(*where: object) -> int:
            return int(s.scalar(select(func.count()).select_from(Request).where(*where)) or 0)  # type: ignore[arg-type]

        open_n = count(is_open)
        overdue = count(is_open, Request.deadline < today)
        soon3 = count(is_open, Request.deadline >= today, Request.deadline <= today + timedelta(days=3))
        soon7 = count(is_open, Request.deadline >= today, Request.deadline <= today + timedelta(days=7))
        unassigned = count(is_open, Request.assignee_id.is_(None))
        answered = count(Request.status.in_(ANSWERED))
        on_time = count(Request.status.in_(ANSWERED), Request.decided_on.is_not(None),
                        Request.decided_on <= Request.deadline)
        by_status = {str(k): int(v) for k, v in s.execute(
            select(Request.status, func.count()).group_by(Request.status))}
        by_type = {str(k): int(v) for k, v in s.execute(
            select(Request.type, func.count()).where(is_open).group_by(Request.type))}
        by_law = {str(k): int(v) for k, v in s.execute(
            select(Request.law, func.count()).where(is_open).group_by(Request.law))}
        rows = s.execute(
            select(
                func.coalesce(Officer.name, "Unassigned"),
                func.count(),
                func.sum(case((Request.deadline < today, 1), else_=0)),
                func.sum(case(((Request.deadline >= today) & (Request.deadline <= today + timedelta(days=7)), 1),
                              else_=0)),
            )
            .select_from(Request)
            .outerjoin(Officer, Officer.id == Request.assignee_id)
            .where(is_open)
            .group_by(Officer.name)
        ).all()
        monday = today - timedelta(days=today.weekday())
        horizon = monday + timedelta(weeks=weeks)
        due_dates = s.execute(
            select(Request.deadline, func.count()).where(is_open, Request.deadline >= monday,
                                                         Request.deadline < horizon).group_by(Request.deadline)
        ).all()
    buckets = [WeekBucket(monday + timedelta(weeks=i), 0) for i in range(weeks)]
    counts = [0] * weeks
    for d, n in due_dates:
        counts[(d - monday).days // 7] += int(n)
    buckets = [WeekBucket(b.start, c) for b, c in zip(buckets, counts, strict=True)]
    workload = sorted((Workload(str(name), int(n), int(late or 0), int(soon or 0)) for name, n, late, soon in rows),
                      key=lambda w: (-w.overdue, -w.open, w.officer))
    return Dashboard(today, open_n, overdue, soon3, soon7, unassigned, answered, on_time,
                     by_status, by_type, by_law, workload, buckets)
