"""Rights requests: opening, reading the queue, and every step of the workflow.

Each public function is one unit of work: it validates with the domain's rules, changes the
request, writes the audit entry and commits, or changes nothing. Results are frozen dataclasses.
The queue functions (:func:`count_requests`, :func:`list_requests`) push filtering, sorting and
paging into SQL so that 100,000 requests stay fast.

Concurrency: every request row carries a version number (SQLAlchemy ``version_id_col``). A caller
that read a request passes ``expected_version``; a change made meanwhile by another window or
officer raises :class:`ConflictError` instead of being overwritten.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from privdesk.domain.deadlines import (
    Deadline,
    HolidayCalendar,
    Pause,
    compute_deadline,
    holiday_calendar,
)
from privdesk.domain.identifiers import (
    email_problem,
    normalise_email,
    normalise_name,
    normalise_phone,
    phone_problem,
)
from privdesk.domain.laws import get_law, law_ids
from privdesk.domain.requests import (
    Channel,
    RequestType,
    Status,
    Verification,
    allowed_actions,
    check_extension,
    check_transition,
    legal_basis,
)
from privdesk.errors import ConflictError, NotFoundError, ValidationError
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store import audit as store_audit
from privdesk.store import models
from privdesk.store.request_models import Attachment, Request, SubjectIdentifier

log = logging.getLogger("privdesk.requests")

# Statements are built up in steps; their column types do not matter to the filters.
_Stmt: TypeAlias = Any

ENTITY = "request"
IDENTIFIER_KINDS = ("email", "phone", "customer_id")
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s.is_open)
FINAL_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s.is_final)
_REF_RE = re.compile(r"^DSR-(\d{4})-(\d{4,})$")


# -- plain values --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identifier:
    kind: str
    value: str
    normalised: str


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    path: str
    sha256: str
    size: int
    added_by: str


@dataclass(frozen=True)
class NewRequest:
    """What an officer types (or an import supplies) to open a request. Dates may be text."""

    type: str
    law: str
    received: date | str
    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    customer_ids: tuple[str, ...] = ()
    channel: str = "email"
    address: str = ""
    requester: str = ""
    notes: str = ""
    assignee_id: int | None = None
    holiday_country: str = ""
    holiday_subdivision: str = ""
    verification: str = ""


@dataclass(frozen=True)
class RequestRow:
    """One line of the queue."""

    id: int
    reference: str
    subject_name: str
    primary_email: str
    type: str
    law: str
    received: date
    deadline: date
    status: str
    verification: str
    assignee_id: int | None
    assignee_name: str
    paused: bool

    def days_left(self, today: date | None = None) -> int:
        return (self.deadline - (today or date.today())).days

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class RequestDetail:
    """Everything about one request, for the detail pane and ``request show``."""

    id: int
    reference: str
    type: str
    law: str
    law_name: str
    channel: str
    received: date
    clock_start: date
    due: date
    extended_due: date | None
    acknowledge_by: date | None
    deadline: date
    extended: bool
    extension_reason: str
    subject_name: str
    subject_address: str
    requester: str
    verification: str
    verified_on: date | None
    assignee_id: int | None
    assignee_name: str
    status: str
    outcome: str
    decision_reason: str
    decided_by: str
    decided_on: date | None
    notes: str
    holiday_country: str
    holiday_subdivision: str
    duplicate_of: str
    merged_into: str
    version: int
    legal_basis: str
    paused: bool
    paused_since: date | None = None
    pauses: tuple[tuple[date, date | None], ...] = ()
    can_pause: bool = False
    identifiers: tuple[Identifier, ...] = ()
    attachments: tuple[AttachmentInfo, ...] = ()
    actions: tuple[str, ...] = ()

    @property
    def emails(self) -> list[str]:
        return [i.value for i in self.identifiers if i.kind == "email"]

    @property
    def phones(self) -> list[str]:
        return [i.value for i in self.identifiers if i.kind == "phone"]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def days_left(self, today: date | None = None) -> int:
        return (self.deadline - (today or date.today())).days

    def to_json(self) -> dict[str, Any]:
        """The ``deadline`` command's keys first, then the request's own."""
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "law": self.law, "type": self.type, "received": iso(self.received), "due": iso(self.due),
            "extended_due": iso(self.extended_due), "acknowledge_by": iso(self.acknowledge_by),
            "reference": self.reference, "status": self.status, "subject": self.subject_name,
            "deadline": iso(self.deadline), "extended": self.extended,
            "clock_start": iso(self.clock_start), "channel": self.channel,
            "emails": self.emails, "phones": self.phones,
            "customer_ids": [i.value for i in self.identifiers if i.kind == "customer_id"],
            "address": self.subject_address, "requester": self.requester,
            "verification": self.verification, "verified_on": iso(self.verified_on),
            "assignee": self.assignee_name or None, "outcome": self.outcome,
            "decision_reason": self.decision_reason, "decided_by": self.decided_by or None,
            "decided_on": iso(self.decided_on), "extension_reason": self.extension_reason,
            "duplicate_of": self.duplicate_of or None, "merged_into": self.merged_into or None,
            "notes": self.notes, "version": self.version, "legal_basis": self.legal_basis,
            "paused_since": iso(self.paused_since),
            "pauses": [[iso(a), iso(b)] for a, b in self.pauses],
            "attachments": [{"filename": a.filename, "sha256": a.sha256, "size": a.size}
                            for a in self.attachments],
            "actions": list(self.actions),
        }


@dataclass(frozen=True)
class OpenResult:
    request: RequestDetail
    duplicates: tuple[RequestRow, ...] = ()

    @property
    def reference(self) -> str:
        return self.request.reference


@dataclass(frozen=True)
class RequestQuery:
    """The queue's filter and sort, all applied in SQL.

    ``due_within`` keeps open requests whose deadline is at most that many days away (overdue
    ones included); ``overdue`` keeps open requests past their deadline.
    """

    text: str = ""
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    laws: tuple[str, ...] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    due_within: int | None = None
    overdue: bool = False
    open_only: bool = False
    sort: str = "deadline"
    descending: bool = False


@dataclass(frozen=True)
class BulkResult:
    changed: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DueSummary:
    overdue: int
    due_soon: int
    days: int

    def message(self) -> str:
        return f"{self.overdue} overdue, {self.due_soon} due within {self.days} days"


# -- helpers -------------------------------------------------------------------------------------
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


def _is_paused(law_id: str, status: str, verification: str, paused_since: date | None = None) -> bool:
    """The clock is not running: stopped for a clarification, or waiting for identity where the
    law starts it only on verification."""
    if status not in OPEN_STATUSES:
        return False
    return paused_since is not None or (verification == Verification.PENDING.value
                                        and law_pauses_for_identity(law_id))


def _search_text(reference: str, name: str, idents: Iterable[tuple[str, str, str]]) -> str:
    parts = [reference.casefold(), normalise_name(name)]
    for _kind, value, norm in idents:
        parts.append(norm.casefold())
        if value.casefold() != norm.casefold():
            parts.append(value.casefold())
    return " ".join(parts)


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
        can_pause=bool(law.clock_pauses) and Status(r.status).is_open,
        identifiers=tuple(Identifier(i.kind, i.value, i.normalised) for i in r.identifiers),
        attachments=tuple(AttachmentInfo(a.id, a.filename, a.stored_path, a.sha256, a.size, a.added_by)
                          for a in r.attachments),
        actions=tuple(a.value for a in allowed_actions(Status(r.status))),
    )


# -- opening -------------------------------------------------------------------------------------
@dataclass
class _Prepared:
    """A validated new request: column values and normalised identifiers."""

    values: dict[str, Any]
    identifiers: list[tuple[str, str, str]] = field(default_factory=list)


def _clean_list(values: Iterable[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def prepare(s: Session, new: NewRequest, today: date | None = None) -> _Prepared:
    """Validate a new request and compute its deadline; raises ValidationError naming the field."""
    today = today or date.today()
    name = " ".join(new.name.split())
    if not name:
        raise ValidationError("The data subject's name is missing.")
    if len(name) > 300:
        raise ValidationError("The data subject's name is longer than 300 characters.")
    rtype = RequestType.parse(new.type)
    law = get_law(new.law)
    rule = law.types[rtype]
    if not rule.available:
        raise ValidationError(f"The {law.short_name} gives no {rtype.label.lower()} right"
                              + (f": {rule.note}" if rule.note else "."))
    channel = Channel.parse(new.channel or "email")
    received = parse_date(new.received, "received date")
    if received > today:
        raise ValidationError(f"The received date {received.isoformat()} is in the future; "
                              f"today is {today.isoformat()}.")
    emails, phones = _clean_list(new.emails), _clean_list(new.phones)
    customer_ids = _clean_list(new.customer_ids)
    for e in emails:
        problem = email_problem(e)
        if problem:
            raise ValidationError(problem)
    for p in phones:
        problem = phone_problem(p)
        if problem:
            raise ValidationError(problem)
    if not (emails or phones or customer_ids or new.address.strip()):
        raise ValidationError("Give at least one way to reach the data subject: an e-mail, a "
                              "phone number, a customer id or a postal address.")
    country = new.holiday_country.strip().upper()
    sub = new.holiday_subdivision.strip().upper()
    if sub and not country:
        raise ValidationError("A holiday subdivision needs a holiday country.")
    if new.assignee_id is not None:
        o = s.get(models.Officer, new.assignee_id)
        if o is None or not o.active:
            raise ValidationError(f"There is no active officer number {new.assignee_id}.")
    verification = Verification.parse(new.verification) if new.verification else Verification.PENDING
    org_country, org_sub = _org_calendar_codes(s)
    calendar = _calendar(country, sub) if country else _calendar(org_country, org_sub)
    region = country or org_country or None
    dl = compute_deadline(law, rtype, received, calendar=calendar)
    idents: list[tuple[str, str, str]] = []
    for e in emails:
        idents.append(("email", e, normalise_email(e)))
    for p in phones:
        idents.append(("phone", p, normalise_phone(p, region)))
    for c in customer_ids:
        idents.append(("customer_id", c, c.casefold()))
    values: dict[str, Any] = {
        "type": rtype.value, "law": law.id, "channel": channel.value, "received": received,
        "clock_start": dl.clock_start, "due": dl.due, "extended_due": dl.extended_due,
        "acknowledge_by": dl.acknowledge_by, "deadline": dl.due, "extension_reason": "",
        "subject_name": name, "subject_key": normalise_name(name),
        "subject_address": new.address.strip(), "primary_email": normalise_email(emails[0]) if emails else "",
        "requester": new.requester.strip(), "verification": verification.value, "verified_on": None,
        "assignee_id": new.assignee_id, "status": Status.RECEIVED.value, "outcome": "",
        "decision_reason": "", "decided_by": "", "decided_on": None, "notes": new.notes.strip(),
        "holiday_country": country, "holiday_subdivision": sub, "duplicate_of": "", "merged_into": "",
    }
    return _Prepared(values, idents)


def find_duplicates(s: Session, identifiers: Iterable[tuple[str, str, str]],
                    exclude_id: int | None = None) -> list[RequestRow]:
    """Open requests sharing a normalised e-mail or phone with the given identifiers."""
    conds = [and_(SubjectIdentifier.kind == kind, SubjectIdentifier.normalised == norm)
             for kind, _v, norm in identifiers if kind in ("email", "phone") and norm]
    if not conds:
        return []
    ids = select(SubjectIdentifier.request_id).where(or_(*conds))
    stmt = _row_select().where(Request.id.in_(ids), Request.status.in_(OPEN_STATUSES))
    if exclude_id is not None:
        stmt = stmt.where(Request.id != exclude_id)
    return [_row(m) for m in s.execute(stmt.order_by(Request.id)).mappings()]


class ReferenceAllocator:
    """Hands out ``DSR-YYYY-NNNN`` numbers; reads the highest once per unit of work."""

    def __init__(self, s: Session, year: int) -> None:
        # Numbering and the audit chain share one lock on PostgreSQL: two officers opening
        # requests at the same moment take turns instead of colliding on a number.
        store_audit.lock_chain(s)
        self.year = year
        prefix = f"DSR-{year}-"
        refs = s.scalars(select(Request.reference).where(Request.reference.like(prefix + "%"))
                         .order_by(func.length(Request.reference).desc(), Request.reference.desc())
                         .limit(1)).all()
        self.last = int(refs[0].rsplit("-", 1)[1]) if refs else 0

    def next(self) -> str:
        self.last += 1
        return f"DSR-{self.year}-{self.last:04d}"


def insert_prepared(s: Session, prep: _Prepared, reference: str, actor: str,
                    duplicate_of: str = "", audit_action: str = "open") -> Request:
    """Write a prepared request and its first audit entry in the caller's transaction."""
    values = dict(prep.values, reference=reference, duplicate_of=duplicate_of,
                  search_text=_search_text(reference, prep.values["subject_name"], prep.identifiers))
    r = Request(**values)
    r.identifiers = [SubjectIdentifier(kind=k, value=v, normalised=n) for k, v, n in prep.identifiers]
    s.add(r)
    s.flush()
    logged = {k: (None, v) for k, v in values.items()
              if k not in ("search_text", "subject_key") and v not in ("", None)}
    for kind in IDENTIFIER_KINDS:
        vals = [v for k, v, _n in prep.identifiers if k == kind]
        if vals:
            logged[kind] = (None, ", ".join(vals))
    audit.append(s, actor, ENTITY, reference, audit_action, logged)
    return r


def open_request(ctx: AppContext, new: NewRequest, actor: str, today: date | None = None) -> OpenResult:
    """Validate, compute the deadline, flag possible duplicates and write the request."""
    today = today or date.today()
    for attempt in range(3):
        try:
            with _unit(ctx) as s:
                prep = prepare(s, new, today)
                dups = find_duplicates(s, prep.identifiers)
                ref = ReferenceAllocator(s, today.year).next()
                r = insert_prepared(s, prep, ref, actor, duplicate_of=dups[0].reference if dups else "")
                detail = _detail(s, r)
            break
        except IntegrityError:
            # Another officer took the same number at the same moment: take the next one.
            if attempt == 2:
                raise ConflictError("Could not allocate a request reference; please try again.") from None
    log.info("request %s opened (%d possible duplicates)", detail.reference, len(dups))
    return OpenResult(detail, tuple(dups))


# -- reading -------------------------------------------------------------------------------------
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
            stmt = stmt.where(Request.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
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
        stmt = stmt.where(Request.deadline < today)
    if q.due_within is not None:
        stmt = stmt.where(Request.deadline <= today + timedelta(days=q.due_within))
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


def due_summary(ctx: AppContext, days: int = 3, today: date | None = None) -> DueSummary:
    """How many open requests are overdue, and how many are due within ``days`` days."""
    today = today or date.today()
    open_ = Request.status.in_(OPEN_STATUSES)
    with ctx.db.session() as s:
        overdue = s.scalar(select(func.count(Request.id)).where(open_, Request.deadline < today)) or 0
        soon = s.scalar(select(func.count(Request.id)).where(
            open_, Request.deadline >= today, Request.deadline <= today + timedelta(days=days))) or 0
    return DueSummary(int(overdue), int(soon), days)


# -- workflow ------------------------------------------------------------------------------------
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


def apply_start_verification(s: Session, r: Request) -> None:
    _move(r, Status.VERIFYING)
    if r.verification != Verification.VERIFIED.value:
        r.verification = Verification.PENDING.value


def apply_verify(s: Session, r: Request, on: date, failed: bool, today: date) -> None:
    if Status(r.status).is_final:
        raise ValidationError(f"{r.reference} is {r.status}; its identity can no longer be verified.")
    if on > today:
        raise ValidationError(f"The verification date {on.isoformat()} is in the future.")
    if on < r.received:
        raise ValidationError(f"The verification date {on.isoformat()} is before the request was "
                              f"received ({r.received.isoformat()}).")
    if failed:
        r.verification = Verification.FAILED.value
        return
    r.verification = Verification.VERIFIED.value
    r.verified_on = on
    if r.status in (Status.RECEIVED.value, Status.VERIFYING.value):
        _move(r, Status.IN_PROGRESS)
    if get_law(r.law).clock_starts_on_verification:
        # The law starts the clock only once identity is confirmed: restart it from that day.
        _recompute(s, r, on)


def apply_extend(s: Session, r: Request, reason: str, today: date) -> None:
    reason = _require_reason(reason, "An extension")
    law = get_law(r.law)
    check_extension(law, current_deadline(s, r), today, reason, bool(r.extension_reason))
    _move(r, Status.EXTENDED)
    if r.extended_due is None:
        raise ValidationError(f"{law.short_name} has no extension.")
    r.extension_reason = reason
    r.deadline = r.extended_due


def apply_decision(r: Request, status: Status, reason: str, actor: str, outcome: str, today: date) -> None:
    what = "Completing a request" if status is Status.COMPLETED else "Denying a request"
    reason = _require_reason(reason, what)
    _move(r, status)
    r.decision_reason, r.decided_by, r.decided_on = reason, actor, today
    if outcome.strip():
        r.outcome = outcome.strip()


def apply_withdraw(r: Request, reason: str, actor: str, today: date) -> None:
    _move(r, Status.WITHDRAWN)
    r.decision_reason = reason.strip() or "Withdrawn by the data subject."
    r.decided_by, r.decided_on = actor, today


def apply_assign(s: Session, r: Request, assignee_id: int | None) -> None:
    if assignee_id is not None:
        o = s.get(models.Officer, assignee_id)
        if o is None or not o.active:
            raise ValidationError(f"There is no active officer number {assignee_id}.")
    r.assignee_id = assignee_id


def start_verification(ctx: AppContext, reference: str, actor: str,
                       expected_version: int | None = None) -> RequestDetail:
    """Received -> verifying identity (the verification is now pending)."""
    return _mutate(ctx, reference, actor, "verifying", lambda s, r: apply_start_verification(s, r),
                   expected_version)


def verify_identity(ctx: AppContext, reference: str, actor: str, on: date | str | None = None,
                    failed: bool = False, expected_version: int | None = None,
                    today: date | None = None) -> RequestDetail:
    """Record the identity check; where the law says so the clock restarts from that day."""
    today = today or date.today()
    day = parse_date(on, "verification date") if on is not None else today
    return _mutate(ctx, reference, actor, "verify-failed" if failed else "verify",
                   lambda s, r: apply_verify(s, r, day, failed, today), expected_version)


def assign(ctx: AppContext, reference: str, assignee_id: int | None, actor: str,
           expected_version: int | None = None) -> RequestDetail:
    return _mutate(ctx, reference, actor, "assign", lambda s, r: apply_assign(s, r, assignee_id),
                   expected_version)


def officer_id_by_email(ctx: AppContext, email: str) -> int:
    with ctx.db.session() as s:
        oid = s.scalar(select(models.Officer.id).where(
            models.Officer.email == normalise_email(email), models.Officer.active.is_(True)))
    if oid is None:
        raise NotFoundError(f"There is no active officer with the e-mail {normalise_email(email)}.")
    return int(oid)


def extend(ctx: AppContext, reference: str, reason: str, actor: str,
           expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    """Extend the deadline once, with a reason, while the law still allows it."""
    today = today or date.today()
    return _mutate(ctx, reference, actor, "extend", lambda s, r: apply_extend(s, r, reason, today),
                   expected_version)


def complete(ctx: AppContext, reference: str, reason: str, actor: str, outcome: str = "",
             expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    today = today or date.today()
    return _mutate(ctx, reference, actor, "complete",
                   lambda s, r: apply_decision(r, Status.COMPLETED, reason, actor, outcome, today),
                   expected_version)


def deny(ctx: AppContext, reference: str, reason: str, actor: str, outcome: str = "",
         expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    today = today or date.today()
    return _mutate(ctx, reference, actor, "deny",
                   lambda s, r: apply_decision(r, Status.DENIED, reason, actor, outcome, today),
                   expected_version)


def withdraw(ctx: AppContext, reference: str, actor: str, reason: str = "",
             expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    today = today or date.today()
    return _mutate(ctx, reference, actor, "withdraw", lambda s, r: apply_withdraw(r, reason, actor, today),
                   expected_version)


def change_status(ctx: AppContext, reference: str, status: str, actor: str, reason: str = "",
                  expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    """Any move of the status machine by name (the detail pane's buttons, bulk actions)."""
    new = Status.parse(status)
    if new is Status.VERIFYING:
        return start_verification(ctx, reference, actor, expected_version)
    if new is Status.EXTENDED:
        return extend(ctx, reference, reason, actor, expected_version, today)
    if new is Status.COMPLETED:
        return complete(ctx, reference, reason, actor, expected_version=expected_version, today=today)
    if new is Status.DENIED:
        return deny(ctx, reference, reason, actor, expected_version=expected_version, today=today)
    if new is Status.WITHDRAWN:
        return withdraw(ctx, reference, actor, reason, expected_version, today)
    return _mutate(ctx, reference, actor, new.value, lambda s, r: _move(r, new), expected_version)


def add_note(ctx: AppContext, reference: str, text: str, actor: str,
             expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    text = text.strip()
    if not text:
        raise ValidationError("The note is empty.")
    stamp = (today or date.today()).isoformat()

    def change(_s: Session, r: Request) -> None:
        r.notes = (r.notes + "\n" if r.notes else "") + f"{stamp} {actor}: {text}"
        r._audit_extra = {"note": (None, text)}  # type: ignore[attr-defined]

    return _mutate(ctx, reference, actor, "note", change, expected_version)


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", Path(name).name).strip(" .") or "file"
    return cleaned[:120]


def store_file(ctx: AppContext, reference: str, src: Path, name: str | None = None) -> tuple[Path, str, int, bool]:
    """Copy a file into ``attachments/<reference>/`` (owner-only); returns (path, sha256, size,
    created) so a caller whose transaction fails can remove what it copied."""
    if not src.is_file():
        raise ValidationError(f"Cannot attach {src}: there is no such file.")
    safe = _safe_name(name or src.name)
    folder = ctx.paths.attachments_dir / reference
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ctx.paths.attachments_dir.chmod(0o700)
    digest = hashlib.sha256()
    try:
        with src.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise ValidationError(f"Cannot read {src}: {exc.strerror}.") from exc
    sha = digest.hexdigest()
    dest = folder / f"{sha[:12]}-{safe}"
    created = not dest.exists()
    if created:
        shutil.copyfile(src, dest)
    os.chmod(dest, 0o600)
    return dest, sha, dest.stat().st_size, created


def add_attachment_row(ctx: AppContext, r: Request, dest: Path, sha: str, size: int, actor: str) -> Attachment:
    name = dest.name.split("-", 1)[1] if "-" in dest.name else dest.name
    a = Attachment(filename=name, stored_path=str(dest.relative_to(ctx.paths.data_dir)),
                   sha256=sha, size=size, added_by=actor)
    r.attachments.append(a)
    return a


def attach_file(ctx: AppContext, reference: str, path: str | Path, actor: str,
                filename: str | None = None, expected_version: int | None = None) -> RequestDetail:
    """Copy a file into the data directory (owner-only) and record its SHA-256."""
    ref = parse_reference(reference)
    with ctx.db.session() as s:
        _load(s, ref)  # a typo in the reference must not leave a copied file behind
    dest, sha, size, created = store_file(ctx, ref, Path(path), filename)

    def change(_s: Session, r: Request) -> None:
        a = add_attachment_row(ctx, r, dest, sha, size, actor)
        r._audit_extra = {"attachment": (None, f"{a.filename} sha256:{sha}")}  # type: ignore[attr-defined]

    try:
        return _mutate(ctx, ref, actor, "attach", change, expected_version)
    except Exception:
        if created:
            dest.unlink(missing_ok=True)
        raise


def attachment_path(ctx: AppContext, info: AttachmentInfo) -> Path:
    return ctx.paths.data_dir / info.path


def update_subject(ctx: AppContext, reference: str, actor: str, name: str | None = None,
                   address: str | None = None, requester: str | None = None,
                   add_emails: Sequence[str] = (), add_phones: Sequence[str] = (),
                   add_customer_ids: Sequence[str] = (), remove: Sequence[str] = (),
                   expected_version: int | None = None) -> RequestDetail:
    """Correct or complete the subject's details; every old -> new value goes to the audit trail.

    ``remove`` names identifiers (as typed or normalised) to drop; at least one way to reach the
    subject must remain.
    """
    def change(s: Session, r: Request) -> None:
        extra: dict[str, tuple[Any, Any]] = {}
        if name is not None:
            clean = " ".join(name.split())
            if not clean:
                raise ValidationError("The data subject's name is missing.")
            if clean != r.subject_name:
                extra["subject_name"] = (r.subject_name, clean)
                r.subject_name, r.subject_key = clean, normalise_name(clean)
        for attr, value in (("subject_address", address), ("requester", requester)):
            if value is not None and value.strip() != getattr(r, attr):
                extra[attr] = (getattr(r, attr), value.strip())
                setattr(r, attr, value.strip())
        region = (r.holiday_country or _org_calendar_codes(s)[0]) or None
        have = {(i.kind, i.normalised) for i in r.identifiers}
        added: list[str] = []
        for kind, values in (("email", add_emails), ("phone", add_phones), ("customer_id", add_customer_ids)):
            for v in _clean_list(values):
                problem = email_problem(v) if kind == "email" else phone_problem(v) if kind == "phone" else None
                if problem:
                    raise ValidationError(problem)
                norm = (normalise_email(v) if kind == "email" else normalise_phone(v, region)
                        if kind == "phone" else v.casefold())
                if (kind, norm) not in have:
                    r.identifiers.append(SubjectIdentifier(kind=kind, value=v, normalised=norm))
                    have.add((kind, norm))
                    added.append(v)
        gone = {x.strip().casefold() for x in remove if x.strip()}
        dropped = [i for i in r.identifiers if i.value.casefold() in gone or i.normalised.casefold() in gone]
        for i in dropped:
            r.identifiers.remove(i)
        if gone and not dropped:
            raise ValidationError(f"{reference} has no identifier {', '.join(sorted(gone))}.")
        if not (r.identifiers or r.subject_address):
            raise ValidationError("At least one way to reach the data subject must remain.")
        if added:
            extra["identifiers_added"] = (None, ", ".join(added))
        if dropped:
            extra["identifiers_removed"] = (", ".join(i.value for i in dropped), None)
        emails = [i.normalised for i in r.identifiers if i.kind == "email"]
        r.primary_email = emails[0] if emails else ""
        r.search_text = _search_text(r.reference, r.subject_name,
                                     [(i.kind, i.value, i.normalised) for i in r.identifiers])
        if not extra:
            raise ValidationError("Nothing to change.")
        r._audit_extra = extra  # type: ignore[attr-defined]

    return _mutate(ctx, reference, actor, "edit", change, expected_version)


def keep_duplicate(ctx: AppContext, reference: str, actor: str,
                   expected_version: int | None = None) -> RequestDetail:
    """The officer looked: not a duplicate. Clears the flag."""
    def change(_s: Session, r: Request) -> None:
        r.duplicate_of = ""
    return _mutate(ctx, reference, actor, "keep", change, expected_version)


def merge_duplicate(ctx: AppContext, reference: str, into: str, actor: str,
                    expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    """Fold a duplicate into another request: identifiers, files and notes move, the duplicate
    is withdrawn with a pointer to the one that continues. Returns the surviving request."""
    today = today or date.today()
    src_ref, dst_ref = parse_reference(reference), parse_reference(into)
    if src_ref == dst_ref:
        raise ValidationError("A request cannot be merged into itself.")
    with _unit(ctx) as s:
        src = _load(s, src_ref, expected_version)
        dst = _load(s, dst_ref)
        if not Status(dst.status).is_open:
            raise ValidationError(f"{dst_ref} is {dst.status}; merge into an open request.")
        before_src = _snapshot(src)
        have = {(i.kind, i.normalised) for i in dst.identifiers}
        moved = []
        for i in src.identifiers:
            if (i.kind, i.normalised) not in have:
                dst.identifiers.append(SubjectIdentifier(kind=i.kind, value=i.value, normalised=i.normalised))
                have.add((i.kind, i.normalised))
                moved.append(i.value)
        for a in list(src.attachments):
            src.attachments.remove(a)
            dst.attachments.append(a)
        if src.notes:
            dst.notes = (dst.notes + "\n" if dst.notes else "") + f"[from {src_ref}] {src.notes}"
        dst.search_text = _search_text(dst.reference, dst.subject_name,
                                       [(i.kind, i.value, i.normalised) for i in dst.identifiers])
        apply_withdraw(src, f"Merged into {dst_ref} as a duplicate.", actor, today)
        src.merged_into, src.duplicate_of = dst_ref, ""
        if dst.duplicate_of == src_ref:
            dst.duplicate_of = ""
        s.flush()
        audit.append(s, actor, ENTITY, src_ref, "merge", _changes(before_src, src))
        audit.append(s, actor, ENTITY, dst_ref, "merge-in",
                     {"merged_from": (None, src_ref), "identifiers": (None, ", ".join(moved))})
        detail = _detail(s, dst)
    return detail


# -- bulk ----------------------------------------------------------------------------------------
def bulk_assign(ctx: AppContext, references: Sequence[str], assignee_id: int | None,
                actor: str) -> BulkResult:
    """Assign many requests in one transaction (all or nothing)."""
    changed = []
    with _unit(ctx) as s:
        for ref in references:
            r = _load(s, ref)
            if r.assignee_id == assignee_id:
                continue
            before = _snapshot(r)
            apply_assign(s, r, assignee_id)
            s.flush()
            audit.append(s, actor, ENTITY, r.reference, "assign", _changes(before, r))
            changed.append(r.reference)
    return BulkResult(tuple(changed))


def bulk_status(ctx: AppContext, references: Sequence[str], status: str, actor: str,
                reason: str = "", today: date | None = None) -> BulkResult:
    """Move many requests where the status machine allows it; the others are listed with why."""
    today = today or date.today()
    new = Status.parse(status)
    changed: list[str] = []
    skipped: list[tuple[str, str]] = []
    with _unit(ctx) as s:
        for ref in references:
            r = _load(s, ref)
            before = _snapshot(r)
            try:
                with s.begin_nested():
                    if new is Status.VERIFYING:
                        apply_start_verification(s, r)
                    elif new is Status.EXTENDED:
                        apply_extend(s, r, reason, today)
                    elif new in (Status.COMPLETED, Status.DENIED):
                        apply_decision(r, new, reason, actor, "", today)
                    elif new is Status.WITHDRAWN:
                        apply_withdraw(r, reason, actor, today)
                    else:
                        _move(r, new)
                    s.flush()
            except ValidationError as exc:
                s.refresh(r)
                skipped.append((r.reference, exc.message))
                continue
            audit.append(s, actor, ENTITY, r.reference, new.value, _changes(before, r))
            changed.append(r.reference)
    return BulkResult(tuple(changed), tuple(skipped))


# -- export --------------------------------------------------------------------------------------
EXPORT_COLUMNS = ("reference", "received", "type", "law", "channel", "subject", "status",
                  "due", "extended_due", "deadline", "extension_reason", "verification",
                  "assignee", "decided_by", "decided_on", "decision_reason", "outcome")


def _cell(text: str) -> str:
    """Free text that a spreadsheet would run as a formula gets a leading apostrophe
    (CSV injection: a web-form name such as ``=HYPERLINK(...)``)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_log(ctx: AppContext, path: str | Path, q: RequestQuery = RequestQuery(),
               today: date | None = None) -> int:
    """The request log as CSV (record-keeping); the file is owner-only. Returns the row count."""
    dest = Path(path)
    stmt = _filtered(
        select(Request, func.coalesce(models.Officer.name, "").label("assignee_name"))
        .outerjoin(models.Officer, models.Officer.id == Request.assignee_id),
        q, today or date.today()).order_by(Request.received, Request.id)
    count = 0
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise ValidationError(f"Cannot write {dest}: {exc.strerror}.") from exc
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh, ctx.db.session() as s:
        w = csv.writer(fh)
        w.writerow(EXPORT_COLUMNS)
        for r, assignee in s.execute(stmt.execution_options(yield_per=1000)):
            w.writerow([r.reference, r.received, r.type, r.law, r.channel, _cell(r.subject_name), r.status,
                        r.due, r.extended_due or "", r.deadline, _cell(r.extension_reason), r.verification,
                        _cell(assignee), _cell(r.decided_by), r.decided_on or "", _cell(r.decision_reason),
                        _cell(r.outcome)])
            count += 1
    log.info("request log exported: %d rows", count)
    return count


def officers(ctx: AppContext) -> list[tuple[int, str]]:
    """Active officers as (id, name), for assignee pickers."""
    with ctx.db.session() as s:
        q = select(models.Officer.id, models.Officer.name).where(
            models.Officer.active.is_(True)).order_by(models.Officer.name)
        return [(int(i), str(n)) for i, n in s.execute(q)]


__all__ = [
    "BulkResult", "DueSummary", "Identifier", "NewRequest", "OpenResult", "RequestDetail",
    "RequestQuery", "RequestRow", "add_note", "assign", "attach_file", "bulk_assign", "bulk_status",
    "change_status", "complete", "count_requests", "deny", "due_summary", "export_log", "extend",
    "get_request", "keep_duplicate", "list_requests", "merge_duplicate", "open_request",
    "parse_date", "query_references", "start_verification", "verify_identity", "withdraw",
]
