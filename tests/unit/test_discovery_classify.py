"""The identifier map's rules: column names and content samples."""

from __future__ import annotations

import pytest

from privdesk.discovery import classify as c


@pytest.mark.parametrize(("column", "table", "affinity", "kind"), [
    ("email", "customers", "text", c.EMAIL),
    ("customerEmail", "orders", "text", c.EMAIL),
    ("E-Mail Address", "x", "text", c.EMAIL),
    ("mail", "users", "text", c.EMAIL),
    ("email_opt_in", "users", "other", None),
    ("email_verified", "users", "text", None),
    ("phone", "customers", "text", c.PHONE),
    ("mobile_number", "subscribers", "text", c.PHONE),
    ("msisdn", "sims", "integer", c.PHONE),
    ("tel", "people", "text", c.PHONE),
    ("hotel", "bookings", "text", None),
    ("first_name", "customers", "text", c.FIRST_NAME),
    ("givenName", "customers", "text", c.FIRST_NAME),
    ("surname", "customers", "text", c.LAST_NAME),
    ("last_name", "customers", "text", c.LAST_NAME),
    ("full_name", "subscribers", "text", c.FULL_NAME),
    ("customer_name", "orders", "text", c.FULL_NAME),
    ("name", "customers", "text", c.FULL_NAME),
    ("name", "products", "text", None),
    ("company_name", "customers", "text", None),
    ("date_of_birth", "customers", "date", c.BIRTH_DATE),
    ("dob", "patients", "text", c.BIRTH_DATE),
    ("street", "addresses", "text", c.ADDRESS),
    ("address_line1", "addresses", "text", c.ADDRESS),
    ("postcode", "addresses", "text", c.POSTCODE),
    ("zip_code", "addresses", "text", c.POSTCODE),
    ("ip_address", "logins", "text", c.IP),
    ("remote_addr", "logins", "text", c.IP),
    ("ssn", "employees", "text", c.NATIONAL_ID),
    ("cnic", "citizens", "text", c.NATIONAL_ID),
    ("passport_number", "travellers", "text", c.NATIONAL_ID),
    ("customer_id", "orders", "integer", c.CUSTOMER_ID),
    ("customer_ref", "customers", "text", c.CUSTOMER_ID),
    ("user_id", "sessions", "integer", c.CUSTOMER_ID),
    ("subscriber_id", "campaign_events", "integer", None),
    ("order_id", "order_items", "integer", None),
    ("total", "orders", "number", None),
])
def test_classify_by_name(column: str, table: str, affinity: str, kind: str | None) -> None:
    assert c.classify_name(column, table, affinity) == kind


def test_primary_key_of_a_customers_table_is_a_customer_id() -> None:
    assert c.classify_name("id", "customers", "integer", is_pk=True) == c.CUSTOMER_ID
    assert c.classify_name("id", "orders", "integer", is_pk=True) is None
    assert c.classify_name("id", "customers", "integer", is_pk=False) is None


def test_classify_by_content() -> None:
    assert c.classify_values(["a@example.com", "B@Example.org ", "c@x.example", None]) == c.EMAIL
    assert c.classify_values(["+44 20 7946 0958", "(020) 7946-0958", "0044 20 7946 0958"]) == c.PHONE
    assert c.classify_values(["10.0.0.1", "2001:db8::1", "198.51.100.7"]) == c.IP
    # order numbers are digit runs, not phones; prose is nothing
    assert c.classify_values(["100234567", "100234568", "100234569"]) is None
    assert c.classify_values(["hello there", "blue", "green"]) is None
    # too few values decide nothing; a minority does not win
    assert c.classify_values(["a@example.com", "b@example.com"]) is None
    assert c.classify_values(["a@example.com", "x", "y", "z", "w"]) is None


def test_name_splits() -> None:
    assert c.name_splits("Ana Maria Santos") == [("Ana", "Maria Santos"), ("Ana Maria", "Santos")]
    assert c.name_splits("Cher") == []
