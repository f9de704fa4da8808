"""What every request room shares: the reference format, loading a request under its version
number, turning it into a plain :class:`RequestDetail`, and :func:`_mutate`, the one path every
edit takes (load, change, audit the difference, commit).

Concurrency: every request row carries a version number (SQLAlchemy ``version_id_col``). A caller
that read a request passes ``expected_version``; a change made meanwhile by another window or
officer raises :class:`ConflictError` instead of being overwritten.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from privdesk.domain.deadlines import Pause
from privdesk.domain.identifiers import request_search_text
from privdesk.domain.laws import get_law, law_ids
from privdesk.domain.requests import (
    RequestType,
    Status,
    Verification,
    allowed_actions,
    check_transition,
    legal_basis,
)
from privdesk.errors import ConflictError, NotFoundError, ValidationError
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.services.requests.values import (
    _REF_RE,
    ENTITY,
    OPEN_STATUSES,
    AttachmentInfo,
    Identifier,
    RequestDetail,
)
from privdesk.store import models
from privdesk.store.request_models import Request

log = logging.getLogger("privdesk.requests")


def parse_date(value: date | str, what: str = "date") -> date:
    """A date from ``YYYY-MM-DD`` text, with a sentence saying what is wrong otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"The {what} {text!r} is not a date; write it as YYYY-MM-DD.") from None


def parse_reference(value: str) -> str:
    ref = value.strip().upper()
    if not _REF_RE.match(ref):
        raise ValidationError(f"{value!r} is not a request reference (like DSR-2026-0001).")
    return ref


def law_pauses_for_identity(law_id: str) -> bool:
    """Whether this law's clock starts only once identity is verified."""
    return bool(_pausing_laws().get(law_id, False))


@functools.cache
def _pausing_laws() -> dict[str, bool]:
    return {lid: bool(get_law(lid).clock_starts_on_verification) for lid in law_ids()}


def _is_paused(law_id: str, status: str, verification: str, paused_since: date | None = None) -> bool:
    """The clock is not running: stopped for a clarification, or waiting for identity where the
    law starts it only on verification."""
    if status not in OPEN_STATUSES:
        return False
    return paused_since is not None or (verification == Verification.PENDING.value
                                        and law_pauses_for_identity(law_id))


#: The stored free-text of a request; the rule lives in the domain so a migration can reapply it.
_search_text = request_search_text


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@contextmanager
def _unit(ctx: AppContext) -> Iterator[Session]:
    """A unit of work that turns a lost optimistic-lock race into a readable conflict."""
    try:
        with ctx.db.unit_of_work() as s:
            yield s
    except StaleDataError as exc:
        raise ConflictError(
            "Someone else changed this request while you were saving. Nothing was saved; "
            "reload it and make your change again.") from exc


def _load(s: Session, reference: str, expected_version: int | None = None) -> Request:
    ref = parse_reference(reference)
    r = s.scalar(select(Request).where(Request.reference == ref))
    if r is None:
        raise NotFoundError(f"There is no request {ref}.")
    if expected_version is not None and r.version != expected_version:
        raise ConflictError(
            f"{ref} was changed by someone else since you opened it (it is now at version "
            f"{r.version}, you had version {expected_version}). Nothing was saved; reload it and "
            "make your change again.")
    return r


def _officer_name(s: Session, officer_id: int | None) -> str:
    if officer_id is None:
        return ""
    o = s.get(models.Officer, officer_id)
    return o.name if o is not None else ""


def _detail(s: Session, r: Request) -> RequestDetail:
    law = get_law(r.law)
    return RequestDetail(
        id=r.id, reference=r.reference, type=r.type, law=r.law, law_name=law.name,
        channel=r.channel, received=r.received, clock_start=r.clock_start, due=r.due,
        extended_due=r.extended_due, acknowledge_by=r.acknowledge_by, deadline=r.deadline,
        extended=bool(r.extension_reason), extension_reason=r.extension_reason,
        subject_name=r.subject_name, subject_address=r.subject_address, requester=r.requester,
        verification=r.verification, verified_on=r.verified_on, assignee_id=r.assignee_id,
        assignee_name=_officer_name(s, r.assignee_id), status=r.status, outcome=r.outcome,
        decision_reason=r.decision_reason, decided_by=r.decided_by, decided_on=r.decided_on,
        notes=r.notes, holiday_country=r.holiday_country,
        holiday_subdivision=r.holiday_subdivision, duplicate_of=r.duplicate_of,
        merged_into=r.merged_into, version=r.version,
        legal_basis=legal_basis(law, RequestType(r.type)),
        paused=_is_paused(r.law, r.status, r.verification, r.paused_since),
        paused_since=r.paused_since,
        pauses=tuple((p.start, p.end) for p in _pause_list(r)),
        can_pause=bool(law.clock_pauses and law.types[RequestType(r.type)].pauses) and Status(r.status).is_open,
        identifiers=tuple(Identifier(i.kind, i.value, i.normalised) for i in r.identifiers),
        attachments=tuple(AttachmentInfo(a.id, a.filename, a.stored_path, a.sha256, a.size, a.added_by)
                          for a in r.attachments),
        actions=tuple(a.value for a in allowed_actions(Status(r.status))),
    )


# -- the one path every edit takes ------------------------------------------------------------
def _snapshot(r: Request) -> dict[str, Any]:
    return {k: getattr(r, k) for k in (
        "status", "verification", "verified_on", "clock_start", "due", "extended_due",
        "acknowledge_by", "deadline", "extension_reason", "assignee_id", "outcome",
        "decision_reason", "decided_by", "decided_on", "duplicate_of", "merged_into", "pauses",
        "paused_since")}


def _changes(before: dict[str, Any], r: Request) -> dict[str, tuple[Any, Any]]:
    after = _snapshot(r)
    return {k: (before[k], v) for k, v in after.items() if before[k] != v}


def _mutate(ctx: AppContext, reference: str, actor: str, action: str,
            change: Callable[[Session, Request], None], expected_version: int | None) -> RequestDetail:
    """Load, apply ``change``, audit the difference, commit; the one path every edit takes."""
    with _unit(ctx) as s:
        r = _load(s, reference, expected_version)
        before = _snapshot(r)
        change(s, r)
        diff = _changes(before, r)
        extra = getattr(r, "_audit_extra", None)
        if extra:
            diff.update(extra)
        s.flush()
        audit.append(s, actor, ENTITY, r.reference, action, diff)
        detail = _detail(s, r)
    log.info("request %s: %s", detail.reference, action)
    return detail


def _require_reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(f"{what} needs a reason.")
    return reason


def _move(r: Request, new: Status) -> None:
    check_transition(Status(r.status), new)
    r.status = new.value


def _pause_list(r: Request) -> list[Pause]:
    try:
        raw = json.loads(r.pauses or "[]")
    except ValueError:
        raw = []
    return [Pause(date.fromisoformat(a), date.fromisoformat(b) if b else None) for a, b in raw]


def _store_pauses(r: Request, pauses: Sequence[Pause]) -> None:
    r.pauses = json.dumps([[p.start.isoformat(), p.end.isoformat() if p.end else None] for p in pauses])
    r.paused_since = next((p.start for p in pauses if p.end is None), None)


