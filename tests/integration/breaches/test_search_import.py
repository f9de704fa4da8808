"""A CSV of identifiers run through the real subject search over the demo databases."""

from __future__ import annotations

from pathlib import Path

from privdesk.services import breaches as svc
from privdesk.services import discovery
from privdesk.services.context import AppContext

ACTOR = "dpo@northwind.example"


def test_identifier_csv_finds_people_in_the_connected_databases(org_ctx: AppContext, breach: svc.BreachDetail,
                                                                tmp_path: Path) -> None:
    discovery.seed_demo_connections(org_ctx)
    f = tmp_path / "identifiers.csv"
    f.write_text("ZOE.ODEGARD@example.com\n+48 512 345 678\nnobody-at-all@example.org\n", encoding="utf-8")
    result = svc.import_affected_csv(org_ctx, breach.reference, f, ACTOR)
    people = svc.list_affected(org_ctx, breach.reference)
    by_email = {p.email: p for p in people}
    assert "zoe.odegard@example.com" in by_email
    assert "ødegård" in by_email["zoe.odegard@example.com"].name.casefold()
    # the phone alone matches Łukasz only as a candidate: the number is kept as given, nobody named
    assert "lukasz.wrobel@example.pl" not in by_email
    assert {(p.name, p.phone) for p in people if not p.email} == {("", "+48512345678")}
    assert result.left_out and all("only the phone matches" in x for x in result.left_out)
    # the unknown identifier is kept as it is, so nobody is silently dropped
    assert "nobody-at-all@example.org" in by_email
    assert result.added == len(people) and all(p.source == "search" for p in people)
    # included, the candidate fills in the number's name and e-mail
    svc.import_affected_csv(org_ctx, breach.reference, f, ACTOR, include_candidates=True)
    lukasz = next(p for p in svc.list_affected(org_ctx, breach.reference) if p.phone == "+48512345678")
    assert (lukasz.email, lukasz.name) == ("lukasz.wrobel@example.pl", "Łukasz Wróbel")
    # stored minimally: the search's other columns (birth dates, orders, ...) are not kept
    assert set(vars(people[0])) == {"id", "name", "email", "phone", "address", "language", "region", "source",
                                    "notified_at", "notice_file", "notice_sha256"}


def test_people_from_a_search_result(org_ctx: AppContext, breach: svc.BreachDetail) -> None:
    discovery.seed_demo_connections(org_ctx)
    result = discovery.search(org_ctx, discovery.make_query(org_ctx, emails=["lukasz.wrobel@example.pl"]))
    added = svc.add_affected_from_matches(org_ctx, breach.reference, result.matches, ACTOR)
    assert added.added == 1 and added.merged >= 0
    (person,) = svc.list_affected(org_ctx, breach.reference)
    assert person.email == "lukasz.wrobel@example.pl" and "wróbel" in person.name.casefold()
