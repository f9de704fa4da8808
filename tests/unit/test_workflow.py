"""The request status machine, extension rules and the parsing of types, channels and statuses."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from privdesk.domain.deadlines import compute_deadline
from privdesk.domain.laws import get_law
from privdesk.domain.requests import (
    TRANSITIONS,
    Channel,
    RequestType,
    Status,
    Verification,
    allowed_actions,
    check_extension,
    check_received,
    check_transition,
)
from privdesk.errors import ValidationError

S = Status

# Written out independently of TRANSITIONS so a change to the machine must change this table too.
LEGAL = {
    (S.RECEIVED, S.VERIFYING), (S.RECEIVED, S.IN_PROGRESS), (S.RECEIVED, S.DENIED), (S.RECEIVED, S.WITHDRAWN),
    (S.VERIFYING, S.IN_PROGRESS), (S.VERIFYING, S.DENIED), (S.VERIFYING, S.WITHDRAWN),
    (S.IN_PROGRESS, S.EXTENDED), (S.IN_PROGRESS, S.COMPLETED), (S.IN_PROGRESS, S.DENIED), (S.IN_PROGRESS, S.WITHDRAWN),
    (S.EXTENDED, S.COMPLETED), (S.EXTENDED, S.DENIED), (S.EXTENDED, S.WITHDRAWN),
}
ALL_PAIRS = list(product(Status, Status))


@pytest.mark.parametrize(("current", "new"), [p for p in ALL_PAIRS if p in LEGAL])
def test_legal_transition(current: Status, new: Status) -> None:
    check_transition(current, new)
    assert new in allowed_actions(current)


@pytest.mark.parametrize(("current", "new"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_illegal_transition_refused_with_reason(current: Status, new: Status) -> None:
    with pytest.raises(ValidationError) as info:
        check_transition(current, new)
    message = str(info.value)
    assert message.startswith(f"Cannot move a request from '{current.label}' to '{new.label}': ")
    assert "Allowed next: " in message
    assert "\n" not in message
    assert new not in allowed_actions(current)


def test_transitions_table_matches() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL
    assert set(TRANSITIONS) == set(Status)


def test_specific_reasons() -> None:
    with pytest.raises(ValidationError, match="already completed and closed requests do not change status"):
        check_transition(S.COMPLETED, S.IN_PROGRESS)
    with pytest.raises(ValidationError, match="Allowed next: none"):
        check_transition(S.DENIED, S.WITHDRAWN)
    with pytest.raises(ValidationError, match="work must have started"):
        check_transition(S.RECEIVED, S.EXTENDED)
    with pytest.raises(ValidationError, match="cannot go back to verification"):
        check_transition(S.IN_PROGRESS, S.VERIFYING)
    with pytest.raises(ValidationError, match="already in progress"):
        check_transition(S.IN_PROGRESS, S.IN_PROGRESS)


def test_allowed_actions_order_and_finals() -> None:
    assert allowed_actions(S.RECEIVED) == [S.VERIFYING, S.IN_PROGRESS, S.DENIED, S.WITHDRAWN]
    assert allowed_actions(S.IN_PROGRESS) == [S.EXTENDED, S.COMPLETED, S.DENIED, S.WITHDRAWN]
    for final in (S.COMPLETED, S.DENIED, S.WITHDRAWN):
        assert allowed_actions(final) == [] and final.is_final and not final.is_open
    for open_ in (S.RECEIVED, S.VERIFYING, S.IN_PROGRESS, S.EXTENDED):
        assert open_.is_open and not open_.is_final


# --- extensions ---------------------------------------------------------------------------------

def test_extension_allowed_within_first_period() -> None:
    law = get_law("gdpr")
    deadline = compute_deadline(law, RequestType.ACCESS, date(2025, 9, 3))
    check_extension(law, deadline, date(2025, 10, 3), "Twelve systems to search", already_extended=False)


def test_extension_needs_a_reason() -> None:
    law = get_law("gdpr")
    deadline = compute_deadline(law, RequestType.ACCESS, date(2025, 9, 3))
    with pytest.raises(ValidationError, match="needs a reason"):
        check_extension(law, deadline, date(2025, 9, 10), "   ", already_extended=False)


def test_extension_refused_after_the_deadline_where_notice_is_due_in_the_first_period() -> None:
    law = get_law("gdpr")
    deadline = compute_deadline(law, RequestType.ACCESS, date(2025, 9, 3))
    with pytest.raises(ValidationError, match="Too late to extend: the deadline 2025-10-03 has passed"):
        check_extension(law, deadline, date(2025, 10, 4), "complex", already_extended=False)


def test_extension_only_once() -> None:
    law = get_law("ccpa")
    deadline = compute_deadline(law, RequestType.ERASURE, date(2026, 3, 2))
    with pytest.raises(ValidationError, match="allows one extension only"):
        check_extension(law, deadline, date(2026, 3, 10), "more systems", already_extended=True)


def test_extension_refused_where_the_law_has_none() -> None:
    law = get_law("lgpd")
    deadline = compute_deadline(law, RequestType.ACCESS, date(2026, 3, 1))
    with pytest.raises(ValidationError, match="The LGPD does not allow extending the deadline; the reply is due by 2026-03-16"):
        check_extension(law, deadline, date(2026, 3, 2), "busy", already_extended=False)


def test_extension_refused_for_ccpa_opt_out() -> None:
    law = get_law("ccpa")
    deadline = compute_deadline(law, RequestType.OPT_OUT, date(2026, 3, 2))
    with pytest.raises(ValidationError, match="opt-out request under the CCPA/CPRA cannot be extended"):
        check_extension(law, deadline, date(2026, 3, 3), "busy", already_extended=False)


def test_received_in_the_future_refused() -> None:
    check_received(date(2026, 3, 2), date(2026, 3, 2))
    with pytest.raises(ValidationError, match="is in the future"):
        check_received(date(2026, 3, 3), date(2026, 3, 2))


# --- parsing ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("access", RequestType.ACCESS), ("Right-to-know", RequestType.ACCESS), ("know", RequestType.ACCESS),
        ("right to know", RequestType.ACCESS), ("correction", RequestType.RECTIFICATION),
        ("deletion", RequestType.ERASURE), ("ERASURE", RequestType.ERASURE), ("restriction", RequestType.RESTRICTION),
        ("objection", RequestType.OBJECTION), ("opt-out", RequestType.OPT_OUT), ("opt_out", RequestType.OPT_OUT),
        ("Opt out", RequestType.OPT_OUT), ("marketing", RequestType.OPT_OUT), ("portability", RequestType.PORTABILITY),
    ],
)
def test_request_type_parse(text: str, expected: RequestType) -> None:
    assert RequestType.parse(text) is expected


def test_request_type_parse_unknown_lists_valid_types() -> None:
    with pytest.raises(ValidationError) as info:
        RequestType.parse("complaint")
    assert str(info.value) == (
        "'complaint' is not a request type. Valid types: access, rectification, erasure, restriction, "
        "objection, opt-out, portability."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email", Channel.EMAIL), ("e-mail", Channel.EMAIL), ("E-Mail", Channel.EMAIL), ("web", Channel.WEB_FORM),
        ("web_form", Channel.WEB_FORM), ("web form", Channel.WEB_FORM), ("post", Channel.LETTER),
        ("letter", Channel.LETTER), ("phone", Channel.PHONE), ("telephone", Channel.PHONE),
    ],
)
def test_channel_parse(text: str, expected: Channel) -> None:
    assert Channel.parse(text) is expected


def test_channel_parse_unknown() -> None:
    with pytest.raises(ValidationError, match="'fax' is not a channel. Valid channels: email, web_form, letter, phone."):
        Channel.parse("fax")


def test_status_and_verification_parse() -> None:
    assert Status.parse("in progress") is S.IN_PROGRESS
    assert Status.parse("in-progress") is S.IN_PROGRESS
    assert Status.parse("verifying identity") is S.VERIFYING
    with pytest.raises(ValidationError, match="Valid statuses: received, verifying, in_progress"):
        Status.parse("open")
    assert Verification.parse("not-required") is Verification.NOT_REQUIRED
    with pytest.raises(ValidationError, match="not a verification state"):
        Verification.parse("maybe")


def test_enum_values_are_the_stored_strings() -> None:
    assert [t.value for t in RequestType] == [
        "access", "rectification", "erasure", "restriction", "objection", "opt-out", "portability"]
    assert [s.value for s in Status] == [
        "received", "verifying", "in_progress", "extended", "completed", "denied", "withdrawn"]
    assert [c.value for c in Channel] == ["email", "web_form", "letter", "phone"]
    assert [v.value for v in Verification] == ["not_required", "pending", "verified", "failed"]
