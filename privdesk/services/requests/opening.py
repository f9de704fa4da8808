"""Opening a request: validate and normalise what was typed (:func:`prepare`), look for
duplicates, allocate the ``DSR-YYYY-NNNN`` reference and write the row with its first audit entry.
CSV and e-mail intake (:mod:`privdesk.services.intake`) reuse the same steps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privdesk.domain.deadlines import compute_deadline
from privdesk.domain.identifiers import (
    email_problem,
    normalise_email,
    normalise_name,
    normalise_phone,
    phone_problem,
)
from privdesk.domain.laws import get_law
from privdesk.domain.requests import Channel, RequestType, Status, Verification
from privdesk.errors import ConflictError, ValidationError
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.services.requests.clock import _calendar, _org_calendar_codes
from privdesk.services.requests.common import _detail, _search_text, _unit, parse_date
from privdesk.services.requests.queue import _row, _row_select
from privdesk.services.requests.values import (
    ENTITY,
    IDENTIFIER_KINDS,
    OPEN_STATUSES,
    NewRequest,
    OpenResult,
    RequestRow,
)
from privdesk.store import audit as store_audit
from privdesk.store import models
from privdesk.store.request_models import Request, SubjectIdentifier

log = logging.getLogger("privdesk.requests")


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


def open_request(ctx: AppContext, new: NewRequest, actor: str, today: date | None = None,
                 then: Callable[[Session, Request], None] | None = None) -> OpenResult:
    """Validate, compute the deadline, flag possible duplicates and write the request.

    ``then`` writes what belongs with the new request (an appeal's link) in the same transaction,
    so either both are saved or neither.
    """
    today = today or date.today()
    for attempt in range(3):
        try:
            with _unit(ctx) as s:
                prep = prepare(s, new, today)
                dups = find_duplicates(s, prep.identifiers)
                ref = ReferenceAllocator(s, today.year).next()
                r = insert_prepared(s, prep, ref, actor, duplicate_of=dups[0].reference if dups else "")
                if then is not None:
                    then(s, r)
                detail = _detail(s, r)
            break
        except IntegrityError:
            # Another officer took the same number at the same moment: take the next one.
            if attempt == 2:
                raise ConflictError("Could not allocate a request reference; please try again.") from None
    log.info("request %s opened (%d possible duplicates)", detail.reference, len(dups))
    return OpenResult(detail, tuple(dups))

