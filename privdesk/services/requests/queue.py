"""Reading: one request, and the queue with filtering, sorting and paging pushed into SQL so that
100,000 requests stay fast.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from privdesk.domain.identifiers import normalise_name
from privdesk.domain.periods import DUE_SOON_DAYS
from privdesk.errors import ValidationError
from privdesk.services.context import AppContext
from privdesk.services.requests.common import _detail, _escape_like, _is_paused, _load
from privdesk.services.requests.values import (
    OPEN_STATUSES,
    DueSummary,
    RequestDetail,
    RequestQuery,
    RequestRow,
    _Stmt,
)
from privdesk.store import models
from privdesk.store.request_models import Request


def get_request(ctx: AppContext, reference: str) -> RequestDetail:
    with ctx.db.session() as s:
        return _detail(s, _load(s, reference))


def _row_select() -> _Stmt:
    return (select(Request.id, Request.reference, Request.subject_name, Request.primary_email,
                   Request.type, Request.law, Request.received, Request.deadline, Request.status,
                   Request.verification, Request.assignee_id, Request.paused_since,
                   func.coalesce(models.Officer.name, "").label("assignee_name"))
            .outerjoin(models.Officer, models.Officer.id == Request.assignee_id))


def _row(m: Any) -> RequestRow:
    return RequestRow(m["id"], m["reference"], m["subject_name"], m["primary_email"], m["type"],
                      m["law"], m["received"], m["deadline"], m["status"], m["verification"],
                      m["assignee_id"], m["assignee_name"],
                      _is_paused(m["law"], m["status"], m["verification"], m["paused_since"]))


SORT_COLUMNS: dict[str, Any] = {
    "reference": Request.reference, "subject": Request.subject_key, "type": Request.type,
    "law": Request.law, "received": Request.received, "due": Request.deadline,
    "deadline": Request.deadline, "days_left": Request.deadline, "status": Request.status,
    "assignee": models.Officer.name, "id": Request.id,
}


def _filtered(stmt: _Stmt, q: RequestQuery, today: date) -> _Stmt:
    text = " ".join(q.text.split()).casefold()
    if text:
        for word in text.split(" "):
            # the name sits in search_text as its comparison key (YILMAZ and Yılmaz as yilmaz);
            # the word as typed still finds references, e-mails and older rows
            forms = sorted({word, normalise_name(word)} - {""})
            stmt = stmt.where(or_(*[Request.search_text.like(f"%{_escape_like(f)}%", escape="\\") for f in forms]))
    if q.statuses:
        stmt = stmt.where(Request.status.in_(q.statuses))
    if q.types:
        stmt = stmt.where(Request.type.in_(q.types))
    if q.laws:
        stmt = stmt.where(Request.law.in_(q.laws))
    if q.unassigned:
        stmt = stmt.where(Request.assignee_id.is_(None))
    elif q.assignee_id is not None:
        stmt = stmt.where(Request.assignee_id == q.assignee_id)
    if q.open_only or q.overdue or q.due_within is not None:
        stmt = stmt.where(Request.status.in_(OPEN_STATUSES))
    if q.overdue:
        from privdesk.services.dashboard import clock_running

        stmt = stmt.where(Request.deadline < today, clock_running())
    if q.due_within is not None:
        stmt = stmt.where(Request.deadline <= today + timedelta(days=q.due_within))
    if q.drill is not None:
        from privdesk.services.dashboard import drill_condition

        stmt = stmt.where(drill_condition(q.drill))
    return stmt


def count_requests(ctx: AppContext, q: RequestQuery = RequestQuery(), today: date | None = None) -> int:
    """How many requests match the filter (the queue's row count)."""
    stmt = _filtered(select(func.count(Request.id)), q, today or date.today())
    with ctx.db.session() as s:
        return int(s.scalar(stmt) or 0)


def list_requests(ctx: AppContext, q: RequestQuery = RequestQuery(), offset: int = 0,
                  limit: int | None = 200, today: date | None = None) -> list[RequestRow]:
    """One page of the queue, filtered and sorted by the database."""
    col = SORT_COLUMNS.get(q.sort)
    if col is None:
        raise ValidationError(f"Cannot sort by {q.sort!r}; choose one of: {', '.join(SORT_COLUMNS)}.")
    order = [col.desc(), Request.id.desc()] if q.descending else [col.asc(), Request.id.asc()]
    stmt = _filtered(_row_select(), q, today or date.today()).order_by(*order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    with ctx.db.session() as s:
        return [_row(m) for m in s.execute(stmt).mappings()]


def query_references(ctx: AppContext, q: RequestQuery, today: date | None = None) -> list[str]:
    """Every reference the filter matches (bulk actions on 'all filtered rows')."""
    stmt = _filtered(select(Request.reference), q, today or date.today()).order_by(Request.id)
    with ctx.db.session() as s:
        return list(s.scalars(stmt))


def due_summary(ctx: AppContext, days: int = DUE_SOON_DAYS, today: date | None = None) -> DueSummary:
    """How many open requests are overdue, and how many are due within ``days`` days (by default
    the same "due soon" as the badge and the dashboard)."""
    today = today or date.today()
    from privdesk.services.dashboard import clock_running

    open_ = and_(Request.status.in_(OPEN_STATUSES), clock_running())  # a stopped clock is not late
    with ctx.db.session() as s:
        overdue = s.scalar(select(func.count(Request.id)).where(open_, Request.deadline < today)) or 0
        soon = s.scalar(select(func.count(Request.id)).where(
            open_, Request.deadline >= today, Request.deadline <= today + timedelta(days=days))) or 0
    return DueSummary(int(overdue), int(soon), days)


