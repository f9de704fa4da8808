"""Request rules of the legal review (issue 10) that sit beside the queue: the refusal deadline.

GDPR / UK GDPR Art. 12(4), Va. Code 59.1-577(B)(2) and C.R.S. 6-1-1306(2) fix by when a refusal
must reach the requester, counted from receipt; the extension does not move it. A denial decided
after that day is flagged as late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from privdesk.domain.deadlines import holiday_calendar, refusal_deadline
from privdesk.domain.laws import get_law
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
    extra = refusal_info(ctx, detail).to_json()
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value
        if key == "acknowledge_by":
            out.update(extra)
    return out
