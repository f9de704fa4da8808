"""Opening a request: validation, deadline, identifiers, duplicates, first audit entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from privdesk.domain.deadlines import compute_deadline
from privdesk.domain.laws import get_law
from privdesk.domain.requests import RequestType
from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from tests.integration.requests.conftest import ACTOR, TODAY

New = Callable[..., svc.OpenResult]


def test_open_request_computes_deadline_and_normalises(ctx: AppContext, new: New) -> None:
    result = new(emails=(" Zoe.Odegard@Example.COM ",), phones=("+44 20 7946 0958",),
                 customer_ids=("C-1001",), address="Storgata 1\nOslo", channel="web form")
    d = result.request
    assert d.reference == "DSR-2026-0001"
    assert result.duplicates == ()
    expected = compute_deadline(get_law("gdpr"), RequestType.ACCESS, date(2026, 11, 2))
    assert d.due == expected.due == date(2026, 12, 2)
    assert d.extended_due == expected.extended_due
    assert d.deadline == d.due and d.status == "received" and d.verification == "pending"
    assert d.channel == "web_form"
    assert d.legal_basis == "GDPR Art. 15"
    norms = {(i.kind, i.normalised) for i in d.identifiers}
    assert ("email", "zoe.odegard@example.com") in norms
    assert ("phone", "+442079460958") in norms
    assert ("customer_id", "c-1001") in norms
    assert new(name="Second").request.reference == "DSR-2026-0002"
    [entry] = audit.history(ctx, "request", "DSR-2026-0001")
    assert entry.action == "open" and entry.actor == ACTOR
    assert entry.changes["subject_name"] == (None, "Zoë Ødegård")
    assert entry.changes["due"] == (None, "2026-12-02")


def test_holiday_override_per_request(ctx: AppContext, new: New) -> None:
    # 2026-11-25 + 1 month = 2026-12-25 (Christmas, a Friday) -> next working day in GB is 29 Dec
    # (28 Dec is the substitute Boxing Day bank holiday).
    d = new(received=date(2026, 11, 25), holiday_country="GB", holiday_subdivision="ENG").request
    assert d.due == date(2026, 12, 29)
    plain = new(received=date(2026, 11, 25)).request
    assert plain.due == date(2026, 12, 25)  # no country: only weekends roll


@pytest.mark.parametrize(("kw", "message"), [
    ({"law": "hipaa"}, "'hipaa' is not a known law"),
    ({"type": "teleport"}, "'teleport' is not a request type"),
    ({"received": "2026-02-30"}, "'2026-02-30' is not a date"),
    ({"received": "25/11/2026"}, "write it as YYYY-MM-DD"),
    ({"received": date(2026, 11, 26)}, "is in the future"),
    ({"emails": ("zoe@@example.com",)}, "is not a valid e-mail address"),
    ({"emails": ("zoe.example.com",)}, "it has no @"),
    ({"phones": ("call me maybe",)}, "contains letters"),
    ({"name": "   "}, "name is missing"),
    ({"emails": ()}, "at least one way to reach"),
    ({"channel": "pigeon"}, "'pigeon' is not a channel"),
    ({"assignee_id": 999}, "no active officer number 999"),
    ({"holiday_country": "XX"}, "'XX' is not a country"),
])
def test_bad_input_is_refused_and_nothing_written(ctx: AppContext, new: New, kw: dict[str, object],
                                                  message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        new(**kw)
    assert svc.count_requests(ctx) == 0
    assert audit.verify(ctx).entries == 0


def test_duplicates_of_open_requests_are_flagged(ctx: AppContext, new: New) -> None:
    first = new(phones=("+44 20 7946 0958",)).request
    closed = new(emails=("other@example.com",)).request
    svc.withdraw(ctx, closed.reference, ACTOR, today=TODAY)
    by_mail = new(emails=("ZOE.ODEGARD@example.com",), name="Zoe Odegard")
    assert [d.reference for d in by_mail.duplicates] == [first.reference]
    assert by_mail.request.duplicate_of == first.reference
    by_phone = new(emails=(), phones=("+44 (0)20 7946-0958",), name="Z. Odegard", holiday_country="GB")
    assert first.reference in [d.reference for d in by_phone.duplicates]
    not_dup = new(emails=("other@example.com",))  # matches only the withdrawn request
    assert not_dup.duplicates == ()
    kept = svc.keep_duplicate(ctx, by_mail.request.reference, ACTOR)
    assert kept.duplicate_of == ""


def test_merge_duplicate(ctx: AppContext, new: New, tmp_path: object) -> None:
    first = new().request
    dup = new(emails=("zoe.odegard@example.com", "zoe@work.example"), notes="second e-mail").request
    survivor = svc.merge_duplicate(ctx, dup.reference, first.reference, ACTOR, today=TODAY)
    assert "zoe@work.example" in survivor.emails
    assert "second e-mail" in survivor.notes
    merged = svc.get_request(ctx, dup.reference)
    assert merged.status == "withdrawn" and merged.merged_into == first.reference
    assert [e.action for e in audit.history(ctx, "request", first.reference)] == ["open", "merge-in"]
    assert svc.list_requests(ctx, svc.RequestQuery(text="zoe@work"), today=TODAY)[0].reference in (
        first.reference, dup.reference)
    with pytest.raises(ValidationError, match="into itself"):
        svc.merge_duplicate(ctx, first.reference, first.reference, ACTOR)
