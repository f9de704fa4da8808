"""Adding affected people from a search follows the search's ownership rule: a real SQLite company
database where Alice and Bob share a household phone. Only the person the search confirms is
added (and told); Bob, who matched only on the phone, is added only when the officer includes him,
and the audit entry names him as left out and why."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from privdesk.cli import main
from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services import breach_notices as notices
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import ALICE, BOB, HOUSEHOLD_PHONE, NOW, household_crm

ACTOR = "dpo@northwind.example"


@pytest.fixture
def crm(org_ctx: AppContext, tmp_path: Path) -> str:
    return household_crm(org_ctx, tmp_path)


def identifiers_csv(folder: Path) -> Path:
    """A breach list with Alice's e-mail and the household phone on one line."""
    f = folder / "leaked.csv"
    f.write_text(f"email,phone\n{ALICE[1]},{HOUSEHOLD_PHONE}\n", encoding="utf-8")
    return f


def last_add(ctx: AppContext, reference: str) -> audit.AuditEvent:
    return [e for e in svc.history(ctx, reference) if e.action == "affected-add"][-1]


def notice_names(ctx: AppContext, reference: str, out: Path) -> tuple[list[str], str]:
    """Write the individual notices; the manifest's names and the text of all the PDFs."""
    notices.notify_subjects(ctx, reference, ACTOR, out_dir=out, now=NOW + timedelta(hours=1))
    rows = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8"))))
    text = " ".join(page.extract_text() for row in rows for page in PdfReader(out / row["file"]).pages)
    return [row["name"] for row in rows], text


def test_email_and_phone_add_only_the_confirmed_person(org_ctx: AppContext, breach: svc.BreachDetail, crm: str,
                                                       tmp_path: Path) -> None:
    result = svc.import_affected_csv(org_ctx, breach.reference, identifiers_csv(tmp_path), ACTOR)
    assert (result.added, result.merged) == (1, 0)
    (person,) = svc.list_affected(org_ctx, breach.reference)
    assert (person.name, person.email, person.source) == (*ALICE, "search")
    assert svc.get_breach(org_ctx, breach.reference, now=NOW).affected == 1
    # Bob's row holds the phone and another e-mail: left out, the conflict named
    assert result.left_out == ("crm customer 2 (the phone matches, but the row holds another e-mail)",)
    assert "1 candidate not added" in result.message()
    entry = last_add(org_ctx, breach.reference)
    assert entry.changes["added"] == (None, 1)
    assert entry.changes["candidates_left_out"] == (
        None, "crm customer 2 (the phone matches, but the row holds another e-mail)")
    assert BOB[1] not in str(entry.changes)  # the audit names the row, not the other person's details
    names, text = notice_names(org_ctx, breach.reference, tmp_path / "notices")
    assert names == [ALICE[0]]
    assert ALICE[0] in text and BOB[0] not in text


def test_the_candidate_is_added_only_when_included(org_ctx: AppContext, breach: svc.BreachDetail, crm: str,
                                                   tmp_path: Path) -> None:
    found = svc.find_affected_in_csv(org_ctx, identifiers_csv(tmp_path))
    assert [p.contact["name"] for p in found.confirmed] == [ALICE[0]]
    (bob,) = found.candidates
    assert (bob.contact["name"], bob.contact["email"], bob.rows) == (*BOB, ("crm customer 2",))
    assert bob.why == "the phone matches, but the row holds another e-mail"
    assert svc.count_affected(org_ctx, breach.reference) == 0  # finding writes nothing

    result = svc.add_found(org_ctx, breach.reference, found, ACTOR, include=[bob.key])
    assert (result.added, result.left_out) == (2, ())
    people = {p.email: p for p in svc.list_affected(org_ctx, breach.reference)}
    # the shared phone does not merge two people with their own e-mails: each is told
    assert set(people) == {ALICE[1], BOB[1]} and people[BOB[1]].name == BOB[0]
    assert svc.get_breach(org_ctx, breach.reference, now=NOW).affected == 2
    entry = last_add(org_ctx, breach.reference)
    assert entry.changes["candidates_included"] == (None, 1) and "candidates_left_out" not in entry.changes
    names, text = notice_names(org_ctx, breach.reference, tmp_path / "notices")
    assert sorted(names) == [ALICE[0], BOB[0]] and BOB[0] in text


def test_one_identifier_a_line_email_then_phone(org_ctx: AppContext, breach: svc.BreachDetail, crm: str) -> None:
    lines = [{"identifier": ALICE[1]}, {"identifier": HOUSEHOLD_PHONE}]
    result = svc.add_affected_from_identifiers(org_ctx, breach.reference, lines, ACTOR)
    # the phone alone suggests Alice and Bob; Alice is confirmed by her e-mail, and the number is hers
    assert (result.added, result.merged) == (1, 0)
    assert [(p.name, p.email) for p in svc.list_affected(org_ctx, breach.reference)] == [ALICE]
    assert result.left_out == ("crm customer 2 (only the phone matches, nothing else in the row confirms it)",)

    again = svc.add_affected_from_identifiers(org_ctx, breach.reference, lines, ACTOR, include_candidates=True)
    assert again.added == 1 and svc.count_affected(org_ctx, breach.reference) == 2


def test_phone_alone_is_kept_as_given_without_a_name(org_ctx: AppContext, breach: svc.BreachDetail, crm: str) -> None:
    result = svc.add_affected_from_identifiers(org_ctx, breach.reference, [{"identifier": HOUSEHOLD_PHONE}], ACTOR)
    (person,) = svc.list_affected(org_ctx, breach.reference)
    # nobody confirmed: the number on the breach list is kept, no name or e-mail guessed for it
    assert (person.name, person.email, person.phone) == ("", "", "+442079460123")
    assert len(result.left_out) == 2 and all("only the phone matches" in x for x in result.left_out)


def test_a_search_result_follows_the_same_rule(org_ctx: AppContext, breach: svc.BreachDetail, crm: str) -> None:
    from privdesk.services import discovery

    result = discovery.search(org_ctx, discovery.make_query(org_ctx, emails=[ALICE[1]], phones=[HOUSEHOLD_PHONE]))
    assert svc.people_from_matches(result.matches) == [{"name": ALICE[0], "email": ALICE[1],
                                                        "phone": HOUSEHOLD_PHONE}]
    assert len(svc.people_from_matches(result.matches, include_candidates=True)) == 2
    added = svc.add_affected_from_matches(org_ctx, breach.reference, result.matches, ACTOR)
    assert added.added == 1 and len(added.left_out) == 1


def test_a_stale_candidate_is_refused_in_plain_words(org_ctx: AppContext, breach: svc.BreachDetail, crm: str,
                                                     tmp_path: Path) -> None:
    found = svc.find_affected_in_csv(org_ctx, identifiers_csv(tmp_path))
    with pytest.raises(ValidationError, match="run the search again"):
        svc.add_found(org_ctx, breach.reference, found, ACTOR, include=["e:someone.else@example.com"])
    assert svc.count_affected(org_ctx, breach.reference) == 0


def test_cli_include_candidates(org_ctx: AppContext, breach: svc.BreachDetail, crm: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    data = str(org_ctx.paths.data_dir)
    leaked = identifiers_csv(tmp_path)
    assert main(["--data-dir", data, "breach", "affected-add", breach.reference, "--csv", str(leaked)]) == 0
    out, err = capsys.readouterr()
    assert "1 added" in out and "1 candidate not added" in out
    assert "left out, a candidate: crm customer 2 (the phone matches, but the row holds another e-mail)" in err
    assert "--include-candidates" in err
    assert main(["--data-dir", data, "breach", "affected-add", breach.reference, "--csv", str(leaked),
                 "--include-candidates"]) == 0
    out, err = capsys.readouterr()
    assert "1 added, 1 duplicates merged" in out and "left out" not in err
    assert {p.email for p in svc.list_affected(org_ctx, breach.reference)} == {ALICE[1], BOB[1]}
