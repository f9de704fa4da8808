"""The statutory clock of a request: the organisation's holiday calendar, recomputing the
deadline, and stopping / restarting the clock while a clarification is awaited.
"""

from __future__ import annotations

import functools
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from privdesk.domain.deadlines import (
    Deadline,
    HolidayCalendar,
    Pause,
    compute_deadline,
    holiday_calendar,
)
from privdesk.domain.laws import get_law
from privdesk.domain.requests import RequestType, Status
from privdesk.errors import ValidationError
from privdesk.services.context import AppContext
from privdesk.services.requests.common import (
    _mutate,
    _pause_list,
    _require_reason,
    _store_pauses,
    parse_date,
)
from privdesk.services.requests.values import RequestDetail
from privdesk.store import models
from privdesk.store.request_models import Request


@functools.lru_cache(maxsize=32)
def _calendar(country: str, subdivision: str) -> HolidayCalendar | None:
    if not country:
        return holiday_calendar()
    return holiday_calendar(country, subdivision or None)


def _org_calendar_codes(s: Session) -> tuple[str, str]:
    """The organisation's holiday country and subdivision (read once per unit of work)."""
    cached = s.info.get("org_calendar_codes")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    rows = dict(s.execute(select(models.Setting.key, models.Setting.value).where(
        models.Setting.key.in_(["holidays.country", "holidays.subdivision"]))).all())
    codes = rows.get("holidays.country", "").upper(), rows.get("holidays.subdivision", "")
    s.info["org_calendar_codes"] = codes
    return codes


def _calendar_for(s: Session, r: Request) -> HolidayCalendar | None:
    country, sub = (r.holiday_country, r.holiday_subdivision) if r.holiday_country else _org_calendar_codes(s)
    return _calendar(country, sub)


def _recompute(s: Session, r: Request, clock_start: date | None) -> None:
    law = get_law(r.law)
    dl = compute_deadline(law, RequestType(r.type), r.received, calendar=_calendar_for(s, r),
                          pauses=_pause_list(r), clock_start=clock_start)
    r.clock_start, r.due, r.extended_due, r.acknowledge_by = (
        dl.clock_start, dl.due, dl.extended_due, dl.acknowledge_by)
    r.deadline = dl.extended_due if (r.extension_reason and dl.extended_due) else dl.due


def current_deadline(s: Session, r: Request) -> Deadline:
    return compute_deadline(get_law(r.law), RequestType(r.type), r.received,
                            calendar=_calendar_for(s, r), pauses=_pause_list(r), clock_start=r.clock_start)


def apply_pause(s: Session, r: Request, on: date, reason: str, today: date) -> None:
    """Stop the clock (e.g. while a clarification the officer asked for is awaited)."""
    reason = _require_reason(reason, "Stopping the clock")
    law = get_law(r.law)
    if not law.clock_pauses:
        raise ValidationError(f"Under the {law.short_name} the clock cannot be stopped; the deadline "
                              "runs on while you wait for an answer.")
    if not law.types[RequestType(r.type)].pauses:
        raise ValidationError(f"Under the {law.short_name} the clock stops only while waiting for what is needed to "
                              f"identify the data an access request is about ({law.citations['clock']}); a "
                              f"{r.type} request runs on.")
    if not Status(r.status).is_open:
        raise ValidationError(f"{r.reference} is {r.status}; its clock no longer runs.")
    if r.paused_since is not None:
        raise ValidationError(f"The clock of {r.reference} is already stopped since "
                              f"{r.paused_since.isoformat()}.")
    if on > today or on < r.clock_start:
        raise ValidationError(f"The clock can be stopped from {r.clock_start.isoformat()} to today, "
                              f"not on {on.isoformat()}.")
    _store_pauses(r, [*_pause_list(r), Pause(on, None)])
    _recompute(s, r, r.clock_start)
    r._audit_extra = {"pause_reason": (None, reason)}  # type: ignore[attr-defined]


def apply_resume(s: Session, r: Request, on: date, today: date) -> None:
    """Start the clock again (the answer arrived on ``on``); the deadline moves by the pause."""
    if r.paused_since is None:
        raise ValidationError(f"The clock of {r.reference} is not stopped.")
    if on > today or on < r.paused_since:
        raise ValidationError(f"The clock stopped on {r.paused_since.isoformat()}; it can restart "
                              f"from that day to today, not on {on.isoformat()}.")
    pauses = [Pause(p.start, on) if p.end is None else p for p in _pause_list(r)]
    _store_pauses(r, pauses)
    _recompute(s, r, r.clock_start)


def pause_clock(ctx: AppContext, reference: str, reason: str, actor: str, on: date | str | None = None,
                expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    today = today or date.today()
    day = parse_date(on, "pause date") if on is not None else today
    return _mutate(ctx, reference, actor, "pause", lambda s, r: apply_pause(s, r, day, reason, today),
                   expected_version)


def resume_clock(ctx: AppContext, reference: str, actor: str, on: date | str | None = None,
                 expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    today = today or date.today()
    day = parse_date(on, "resume date") if on is not None else today
    return _mutate(ctx, reference, actor, "resume", lambda s, r: apply_resume(s, r, day, today),
                   expected_version)


