"""The ownership rule (privdesk.discovery.ownership): whose row is it."""

from __future__ import annotations

import pytest

from privdesk.discovery import classify as c
from privdesk.discovery import ownership as o

PERSON = o.TableRole(o.PERSON)
PERSONAL = o.TableRole(o.PERSONAL)
CATALOGUE = o.TableRole(o.CATALOGUE)
CATALOGUE_BY_OFFICER = o.TableRole(o.CATALOGUE, "override")


@pytest.mark.parametrize(("table", "kinds", "links", "expected"), [
    ("customers", {"email": c.EMAIL}, (), o.PERSON),
    ("Employee", {}, (), o.PERSON),
    ("crm.app_users", {}, (), o.PERSON),
    ("user_profiles", {}, (), o.CATALOGUE),
    ("people", {}, (), o.PERSON),
    ("newsletter", {"email": c.EMAIL, "full_name": c.FULL_NAME}, (), o.PERSON),
    ("orders", {"customer_email": c.EMAIL, "ship_name": c.FULL_NAME}, ("customer_email",), o.PERSONAL),
    ("orders", {"customer_id": c.CUSTOMER_ID}, ("customer_id",), o.CATALOGUE),
    ("addresses", {"street": c.ADDRESS, "postcode": c.POSTCODE}, (), o.PERSONAL),
    ("payment_cards", {"holder_name": c.FULL_NAME, "customer_id": c.CUSTOMER_ID}, ("customer_id",), o.PERSONAL),
    ("products", {}, (), o.CATALOGUE),
    ("Track", {}, (), o.CATALOGUE),
])
def test_table_roles(table: str, kinds: dict[str, str], links: tuple[str, ...], expected: str) -> None:
    assert o.table_role(table, kinds, links, bool(links)).role == expected


def test_officer_override_wins() -> None:
    r = o.table_role("customers", {"email": c.EMAIL}, override=o.CATALOGUE)
    assert r == o.TableRole(o.CATALOGUE, "override")
    assert o.table_role("customers", {}, override="nonsense").role == o.PERSON


def _ev(row: dict[str, object], kinds: dict[str, str], hits: list[str], given: set[str]) -> o.Evidence:
    return o.evidence(row, kinds, hits, given)


KINDS = {"email": c.EMAIL, "phone": c.PHONE, "first": c.FIRST_NAME, "last": c.LAST_NAME}


def test_direct_match_by_email_is_the_subject() -> None:
    v = o.whose_row("match", PERSON, _ev({"email": "a@x"}, KINDS, ["email"], {c.EMAIL}))
    assert v == o.Verdict(o.SUBJECT, "Found because the e-mail matches", "both")


def test_same_phone_other_email_is_a_candidate_with_the_conflict_named() -> None:
    row = {"email": "cleo@x", "phone": "0207"}
    v = o.whose_row("match", PERSON, _ev(row, KINDS, ["phone"], {c.EMAIL, c.PHONE}))
    assert v.role == o.CANDIDATE
    assert v.reason == "the phone matches, but the row holds another e-mail"


def test_weak_identifiers_alone_make_candidates() -> None:
    assert o.whose_row("match", PERSON, _ev({}, KINDS, ["first", "last"], {c.FULL_NAME})).role == o.CANDIDATE
    assert o.whose_row("match", PERSON, _ev({}, KINDS, ["phone"], {c.PHONE})).role == o.CANDIDATE
    both = o.whose_row("match", PERSON, _ev({}, KINDS, ["phone", "first", "last"], {c.PHONE, c.FULL_NAME}))
    assert both.role == o.SUBJECT and both.reason == "Found because the phone and the name match"


def test_empty_other_email_is_no_conflict() -> None:
    ev = _ev({"email": "  ", "phone": "0207"}, KINDS, ["phone", "first", "last"], {c.EMAIL, c.PHONE, c.FULL_NAME})
    assert ev.conflicts == frozenset()


def test_dependent_rows() -> None:
    # the customer's orders are the customer's, and followed further
    assert o.whose_row("dependent", CATALOGUE, via="customers 1") == o.Verdict(
        o.SUBJECT, "Linked through customers 1", "both")
    assert o.whose_row("dependent", PERSONAL, parent_role=o.CANDIDATE).role == o.CANDIDATE
    # the customers naming the employee as their contact are other people
    assert o.whose_row("dependent", PERSON) == o.Verdict(None, o.OTHER_PEOPLE, "none")
    assert o.whose_row("dependent", CATALOGUE_BY_OFFICER).role == o.CONTEXT


def test_referenced_rows_are_end_points() -> None:
    addr = o.whose_row("referenced", PERSONAL, via="orders 11")
    assert addr == o.Verdict(o.SUBJECT, "Linked through orders 11", "none")
    product = o.whose_row("referenced", CATALOGUE)
    assert product.role == o.CONTEXT and product.follow == "none"
    assert o.whose_row("referenced", PERSON).role is None  # the employee named as contact


def test_disclosed_and_sentence() -> None:
    class M:
        def __init__(self, role: str) -> None:
            self.role = role

    rows = [M(o.SUBJECT), M(o.CANDIDATE), M(o.CONTEXT)]
    assert [m.role for m in o.disclosed(rows)] == [o.SUBJECT]
    assert [m.role for m in o.disclosed(rows, include_candidates=True)] == [o.SUBJECT, o.CANDIDATE]
    assert o.excluded_sentence(21, "customer", o.OTHER_PEOPLE) == "21 rows of table customer belong to other people"
    assert o.excluded_sentence(1, "employee", o.OTHER_PEOPLE) == "1 row of table employee belongs to other people"


def test_records_naming_two_people() -> None:
    # the customer's rental names the clerk who handled it: still the customer's
    v = o.whose_row("dependent", CATALOGUE, via="customer 1", others=[("staff 1", True)])
    assert v.role == o.SUBJECT
    # reached from the clerk, the rental names a customer: that customer's record, left out
    v = o.whose_row("dependent", CATALOGUE, via="staff 1", others=[("customer 7", False)], from_staff=True)
    assert v.role is None and v.reason == "belong to other people (their records name the subject as handler)"
    # two customers on one record: a candidate, the other person named
    v = o.whose_row("dependent", PERSONAL, via="customer 1", others=[("customer 9", False)])
    assert v.role == o.CANDIDATE and "customer 9" in v.reason
    assert o.is_staff_table("Employee") and o.is_staff_table("sales_reps") and not o.is_staff_table("customers")


def test_rows_named_after_a_person_table_are_that_persons() -> None:
    # customer_contacts.customer_id -> customers: the customer's contact rows, not other people
    r = o.table_role("customer_contacts", {"email": c.EMAIL, "customer_id": c.CUSTOMER_ID}, ("customer_id",),
                     True, owned_by_person=True)
    assert r.role == o.PERSONAL
    assert o.table_role("user_accounts", {}, ("user_id",), True, owned_by_person=True).role == o.CATALOGUE
    assert o.is_person_noun("crm.Users") and not o.is_person_noun("orders")


def test_an_internal_key_does_not_contradict_a_quoted_customer_number() -> None:
    """Found with the demo: a request quoting customer number C-109959 made the subject's own
    contact row (found by her e-mail) a candidate, because its ``customer_id`` link holds the
    customers row's internal key 2546. Two numberings cannot contradict each other; two
    references or two numbers of the same kind still do."""
    kinds = {"customer_id": c.CUSTOMER_ID, "email": c.EMAIL}
    row = {"customer_id": 2546, "email": "liam@x"}
    quoted = o.evidence(row, kinds, ["email"], {c.EMAIL, c.CUSTOMER_ID}, given_ids=("C-109959",))
    assert quoted.conflicts == frozenset()
    assert o.whose_row("match", PERSONAL, quoted).role == o.SUBJECT
    number = o.evidence(row, kinds, ["email"], {c.EMAIL, c.CUSTOMER_ID}, given_ids=("42",))
    assert number.conflicts == {c.CUSTOMER_ID}  # customer 42 quoted, the row is customer 2546's
    other_ref = o.evidence({"ref": "C-101380", "email": "liam@x"}, {"ref": c.CUSTOMER_ID, "email": c.EMAIL},
                           ["email"], {c.EMAIL, c.CUSTOMER_ID}, given_ids=("C-109959",))
    assert o.whose_row("match", PERSON, other_ref).reason == "the e-mail matches, but the row holds another customer id"
