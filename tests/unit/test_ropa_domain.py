"""The register's pure rules: validation, CSV, the Art. 15 composition, withholding, retention dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from privdesk.domain.retention import expires_on, is_expired, parse_years
from privdesk.domain.ropa import (
    Activity,
    Transfer,
    activities_for_tables,
    activities_from_csv,
    activities_to_csv,
    compose_art15,
    make_activity,
)
from privdesk.domain.withholding import Withholding, filter_row, ground, grounds_for
from privdesk.errors import ValidationError

WORDING = {"source_subject": "From you.", "automated_none": "No ADM.", "transfers_none": "No transfers.",
           "retention_item": "{activity}: {text}", "automated_item": "{activity}: {text}",
           "transfers_item": "{activity}: {text}"}


def _a(id: int, name: str, **kw: object) -> Activity:
    return make_activity({"name": name, "purposes": [f"{name} purpose", "Shared purpose"], "lawful_basis": "b", **kw},
                         id=id)


def test_make_activity_cleans_and_refuses_in_plain_words() -> None:
    a = make_activity({"name": "  News  letter ", "purposes": "Send news;  Send news ; Measure", "lawful_basis": "consent",
                       "transfers": "United States: SCC; India: bcrs"})
    assert a.name == "News letter" and a.purposes == ("Send news", "Measure")
    assert a.transfers == (Transfer("United States", "sccs"), Transfer("India", "bcrs"))
    with pytest.raises(ValidationError, match="needs a name"):
        make_activity({"purposes": "x", "lawful_basis": "y"})
    with pytest.raises(ValidationError, match="at least one purpose"):
        make_activity({"name": "A", "lawful_basis": "y"})
    with pytest.raises(ValidationError, match="COUNTRY: SAFEGUARD"):
        make_activity({"name": "A", "purposes": "p", "lawful_basis": "y", "transfers": "Mars"})
    with pytest.raises(ValidationError, match="not a field"):
        make_activity({"name": "A", "purposes": "p", "lawful_basis": "y", "colour": "red"})


def test_csv_round_trip_keeps_every_field() -> None:
    a = make_activity({"name": "Zoë's \"club\"", "purposes": ["p1", "p2, with comma"], "lawful_basis": "consent",
                       "recipients": ["R1"], "transfers": ["Brazil: adequacy"], "retention": "line one\nline two",
                       "systems": ["CRM"], "security_measures": "TLS"})
    a = replace(a, tables=("crm · customers", "crm · customers · email"))
    good, refused = activities_from_csv(activities_to_csv([a]))
    assert refused == [] and good == [a] and good[0].tables == a.tables
    good, refused = activities_from_csv(b"name,purposes,lawful_basis,tables\nA,p,b,crm customers\n")
    assert good == [] and "CONNECTION \u00b7 TABLE" in refused[0].reason


def test_activities_follow_snapshot_order_and_column_mappings() -> None:
    mappings = [("m", "subs", "", 2), ("s", "pay", "", 1), ("m", "subs", "", 1), ("m", "events", "ip", 3)]
    ids, uncovered = activities_for_tables([("m", "subs", ("email",)), ("m", "events", ("id",)), ("x", "t", ())],
                                           mappings)
    assert ids == [2, 1] and uncovered == ["m · events", "x · t"]  # the ip column held nothing
    ids, _ = activities_for_tables([("m", "events", ("ip",))], mappings)
    assert ids == [3]


def test_compose_deduplicates_in_a_stable_order_and_names_generic_sections() -> None:
    acts = [_a(2, "Marketing", recipients=["Mailer", "Host"], retention="1 year"),
            _a(1, "Accounts", recipients=["Host"], source="Broker", transfers="Canada: adequacy")]
    s = compose_art15(acts, [], WORDING)
    assert s.purposes == ("Marketing purpose (b)", "Shared purpose (b)", "Accounts purpose (b)")
    assert s.recipients == ("Mailer", "Host")
    assert s.retention == ("Marketing: 1 year",)
    assert s.source == ("From you.", "Broker")
    assert s.automated == ("No ADM.",) and s.transfers[0].startswith("Accounts: Canada, under an adequacy")
    assert s.generic == frozenset({"categories"})  # no activity names categories of data
    assert compose_art15(acts, ["x · t"], WORDING).generic == frozenset(
        {"purposes", "categories", "recipients", "retention", "source", "automated", "transfers"})


def test_withholding_rules() -> None:
    row_rule = Withholding("m", "events", {"id": 11}, "", "rights-of-others", "friend")
    col_rule = Withholding("m", "subs", None, "ip", "crime-prevention", "fraud")
    rules = (row_rule, col_rule)
    assert filter_row({"id": 11}, "m", "events", {"id": "11"}, rules) is None
    assert filter_row({"id": 10}, "m", "events", {"id": 10}, rules) == {"id": 10}
    assert filter_row({"id": 1, "ip": "1.2.3.4"}, "m", "subs", {"id": 1}, rules) == {"id": 1}
    assert row_rule.describe() == "one record from m · events"
    assert col_rule.describe() == "the field ip of the records from m · subs"
    assert "Data Protection Act 2018" in ground("uk-gdpr", "legal-privilege").citation
    assert set(grounds_for("no-such-law")) == set(grounds_for("gdpr"))
    with pytest.raises(ValidationError, match="not a ground"):
        ground("ccpa", "negotiations")


def test_retention_dates() -> None:
    assert expires_on(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert not is_expired(date(2023, 12, 1), 3, date(2026, 11, 30))
    assert is_expired(date(2023, 12, 1), 3, date(2026, 12, 1))
    assert parse_years(" 5 ") == 5
    for bad in ("0", "101", "three"):
        with pytest.raises(ValidationError):
            parse_years(bad)
