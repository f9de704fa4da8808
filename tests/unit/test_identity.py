"""One identity: the chosen officer beside the login, stored in one audit field."""

from __future__ import annotations

from privdesk.domain.identity import Actor, OfficerChoice, match_login, parse_actor, same_person


def test_actor_round_trips_and_shows_both_only_when_they_differ() -> None:
    a = Actor("priya.natarajan@northwind.example", "bob")
    assert a.encode() == "priya.natarajan@northwind.example [login: bob]"
    assert parse_actor(a.encode()) == a
    assert a.differs and a.describe("Priya Natarajan") == "Priya Natarajan (signed in as bob)"
    same = Actor("priya.natarajan@northwind.example", "priya.natarajan")
    assert not same.differs and same.describe("Priya Natarajan") == "Priya Natarajan"
    # entries written before logins were recorded
    assert parse_actor("dpo@northwind.example") == Actor("dpo@northwind.example", "")
    # a login cannot close the bracket early and forge the officer part
    forged = Actor("x@y", "eve] [login: root").encode()
    assert parse_actor(forged).officer == "x@y"
    assert len(Actor("a" * 400, "bob").encode()) <= 320


def test_os_login_matches_one_officer_or_none() -> None:
    officers = [OfficerChoice("Priya Natarajan", "priya.natarajan@northwind.example"),
                OfficerChoice("Jonas Becker", "jonas@northwind.example")]
    assert match_login(officers, "priya.natarajan") == officers[0]
    assert match_login(officers, "jonasbecker") == officers[1]
    assert match_login(officers, "JONAS") == officers[1]
    assert match_login(officers, "root") is None
    twice = [*officers, OfficerChoice("Jonas Other", "jonas@other.example")]
    assert match_login(twice, "jonas") is None  # ambiguous: the officer must choose
    assert not same_person("priya@x", "pri")
