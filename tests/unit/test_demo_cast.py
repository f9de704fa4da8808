"""The demo's cast: deterministic, a third of the subjects with data, every request type tried."""

from __future__ import annotations

from collections import Counter

from privdesk.discovery.demo_data import DEMO_SUBJECTS
from privdesk.domain.laws import get_law
from privdesk.domain.requests import RequestType
from privdesk.services.demo_cast import DEMO_SIZE, OPEN_STATES, demo_cases

TYPES = {"access", "erasure", "rectification", "opt-out", "portability", "objection", "restriction"}


def test_same_seed_same_cast() -> None:
    again = demo_cases.__wrapped__(DEMO_SIZE)  # computed afresh, not the cached tuple
    assert again == demo_cases() and again is not demo_cases()
    assert len(again) == DEMO_SIZE
    assert len({c.email for c in again}) == DEMO_SIZE and len({c.name for c in again}) == DEMO_SIZE
    assert [c.held for c in again[:5]] == list(DEMO_SUBJECTS)  # the featured five come first


def test_a_third_has_data_in_every_request_type() -> None:
    cases = demo_cases()
    with_data = [c for c in cases if c.has_data]
    assert 0.3 <= len(with_data) / len(cases) <= 0.45, len(with_data)
    open_types = Counter(c.type for c in with_data if c.state in OPEN_STATES)
    assert set(open_types) == TYPES and min(open_types.values()) >= 2, open_types
    # and "we hold nothing about you" is a real answer in most types too
    assert len({c.type for c in cases if not c.has_data and c.state in OPEN_STATES}) >= 5
    # an erasure that was carried out leaves nothing behind
    assert not any(c.has_data for c in cases if (c.type, c.state) == ("erasure", "completed"))
    # every type is one the request's law gives
    assert all(get_law(c.law).types[RequestType.parse(c.type)].available for c in cases)


def test_the_request_carries_what_the_systems_hold() -> None:
    for c in demo_cases():
        h = c.held
        assert (h.first + " " + h.last, h.email) == (c.name, c.email)
        assert c.phones == ((h.phone,) if h.phone and c.held not in DEMO_SUBJECTS else ())
        if c.customer_ids:
            assert "crm" in h.systems and c.customer_ids == (h.customer_ref,)
        if h.partner:
            assert c.phones and "crm" in h.systems, c.name  # the partner is found by the shared phone
        if h.crm_last:
            assert c.type == "rectification" and h.crm_last != h.last and h.crm_last in c.notes
    phones = [c.phones[0] for c in demo_cases() if c.phones]
    assert len(phones) == len(set(phones))


def test_the_ownership_rule_has_cases_to_show() -> None:
    held = [c.held for c in demo_cases()]
    assert sum(h.namesake for h in held if h.systems) >= 3  # a candidate by name who is somebody else
    assert sum(h.namesake for h in held if not h.systems) >= 2  # nothing held, but a namesake is
    assert sum(bool(h.partner) for h in held) >= 3  # shared address and landline
    assert sum(h.tickets > 0 for h in held) >= 10  # the agent on the ticket is left out
    assert sum(bool(c.customer_ids) for c in demo_cases()) >= 5
