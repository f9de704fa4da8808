"""Request rules of the legal review (issue 10) that sit beside the queue: the refusal deadline
and appeals.

GDPR / UK GDPR Art. 12(4), Va. Code 59.1-577(B)(2) and C.R.S. 6-1-1306(2) fix by when a refusal
must reach the requester, counted from receipt; the extension does not move it. A denial decided
after that day is flagged as late.

An appeal of a refusal (VCDPA, CPA) is a request of its own, linked to the one it contests in
``request_appeals``, running under the law's appeal rules (:func:`privdesk.domain.laws.appeal_law`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from privdesk.domain.deadlines import holiday_calendar, refusal_deadline
from privdesk.domain.laws import get_law
from privdesk.errors import ValidationError
from privdesk.services.context import AppContext


@dataclass(frozen=True)
class RefusalInfo:
    refuse_by: date | None
    #: True/False once the request was denied (after / on or before ``refuse_by``), else None
    late: bool | None
    citation: str

    def to_json(self) -> dict[str, Any]:
        return {"refuse_by": self.refuse_by.isoformat() if self.refuse_by else None, "refusal_late": self.late}


def refusal_info(ctx: AppContext, detail: Any) -> RefusalInfo:
    """The refusal deadline of a request (a ``requests.RequestDetail``) and whether a denial was late."""
    law = get_law(detail.law)
    country, sub = detail.holiday_country, detail.holiday_subdivision
    if not country:
        from privdesk.services.settings import get_settings

        values = get_settings(ctx)
        country, sub = values.get("holidays.country", ""), values.get("holidays.subdivision", "")
    calendar = holiday_calendar(country or None, sub or None) if country else holiday_calendar()
    refuse_by = refusal_deadline(law, detail.received, calendar)
    late = None
    if refuse_by is not None and detail.status == "denied" and detail.decided_on is not None:
        late = detail.decided_on > refuse_by
    citation = law.extras.refusal.citation if law.extras.refusal else ""
    return RefusalInfo(refuse_by, late, citation)


def detail_json(ctx: AppContext, detail: Any) -> dict[str, Any]:
    """``request show --json``: the request's keys with ``refuse_by`` (and ``refusal_late``) placed
    after the deadline command's keys, so both commands share one contract."""
    data = detail.to_json()
    links = appeal_links(ctx, detail.reference)
    extra = {**refusal_info(ctx, detail).to_json(), "appeal_of": links.appeal_of or None,
             "appeals": list(links.appeals)}
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value
        if key == "acknowledge_by":
            out.update(extra)
    return out


# -- appeals (Va. Code 59.1-577(C); C.R.S. 6-1-1306(3)) ---------------------------------------------

def open_appeal(ctx: AppContext, original: str, received: date | str, actor: str,
                notes: str = "") -> Any:
    """Open the appeal of a refused request as a request of its own, linked to the original.

    It runs under the law's appeal rules (``<law>-appeal``: VCDPA 60 days; CPA 45 days, extendable
    by 60), is already verified (the consumer was identified for the original request) and gets the
    same subject, identifiers and assignee. Returns the new request's detail.
    """
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from privdesk.domain.laws import APPEAL_SUFFIX
    from privdesk.services import audit
    from privdesk.services.requests.opening import open_request
    from privdesk.services.requests.queue import get_request
    from privdesk.services.requests.values import NewRequest
    from privdesk.store.legal_models import RequestAppeal
    from privdesk.store.request_models import Request

    d = get_request(ctx, original)
    law = get_law(d.law)
    if law.origin == "appeal":
        raise ValidationError(f"{d.reference} is itself an appeal; the law gives no appeal of an appeal.")
    if law.extras.appeal is None:
        raise ValidationError(f"The {law.short_name} gives no appeal to the organisation; the requester's route "
                              f"is a complaint ({law.citation('complaint') or law.citation('refusal') or law.short_name}).")
    if d.status != "denied":
        raise ValidationError(f"An appeal contests a refusal, and {d.reference} is {d.status}, not denied.")
    with ctx.db.session() as s:
        earlier = s.scalar(select(Request.reference).join(RequestAppeal, RequestAppeal.appeal_id == Request.id)
                           .where(RequestAppeal.original_id == d.id).limit(1))
    if earlier is not None:  # one appeal per refusal: a second would run a second clock for the same decision
        raise ValidationError(f"{d.reference} already has an appeal, {earlier}; add what the consumer wrote to it "
                              f"(privdesk request note {earlier} ...).")
    received_on = received if isinstance(received, date) else _date(received)
    if received_on < (d.decided_on or d.received):
        raise ValidationError(f"The appeal cannot arrive ({received_on.isoformat()}) before the decision it "
                              f"contests ({(d.decided_on or d.received).isoformat()}).")
    new = NewRequest(
        type=d.type, law=f"{d.law}{APPEAL_SUFFIX}", received=received_on, name=d.subject_name,
        emails=tuple(d.emails), phones=tuple(d.phones),
        customer_ids=tuple(i.value for i in d.identifiers if i.kind == "customer_id"),
        channel=d.channel, address=d.subject_address, requester=d.requester,
        notes=(f"Appeal of {d.reference}. " + notes).strip(), assignee_id=d.assignee_id,
        holiday_country=d.holiday_country, holiday_subdivision=d.holiday_subdivision, verification="verified",
    )

    def link(s: Session, appeal: Request) -> None:
        # in the appeal's own transaction: an appeal without its link would be an orphan request
        s.add(RequestAppeal(appeal_id=appeal.id, original_id=d.id))
        audit.append(s, actor, "request", d.reference, "appealed", {"appeal": (None, appeal.reference)})

    opened = open_request(ctx, new, actor, then=link).request
    return get_request(ctx, opened.reference)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"{text!r} is not a date in the form YYYY-MM-DD.") from None


@dataclass(frozen=True)
class AppealLinks:
    appeal_of: str
    appeals: tuple[str, ...]


def appeal_links(ctx: AppContext, reference: str) -> AppealLinks:
    """The request an appeal contests, and the appeals made against a request."""
    from sqlalchemy import select
    from sqlalchemy.orm import aliased

    from privdesk.store.legal_models import RequestAppeal
    from privdesk.store.request_models import Request

    other = aliased(Request)
    with ctx.db.session() as s:
        me = s.scalar(select(Request.id).where(Request.reference == reference))
        of = s.scalar(select(other.reference).join(RequestAppeal, RequestAppeal.original_id == other.id)
                      .where(RequestAppeal.appeal_id == me))
        appeals = s.scalars(select(other.reference).join(RequestAppeal, RequestAppeal.appeal_id == other.id)
                            .where(RequestAppeal.original_id == me).order_by(other.reference)).all()
    return AppealLinks(of or "", tuple(appeals))
