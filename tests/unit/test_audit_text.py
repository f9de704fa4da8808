"""Audit entries in sentences."""

from __future__ import annotations

from privdesk.services.audit import AuditEvent
from privdesk.services.audit_text import Sentences

WORDS = Sentences({"jonas.becker@northwind.example": "Jonas Becker"}, {3: "Priya Natarajan"})


def ev(action: str, changes: dict[str, tuple[object, object]], login: str = "") -> AuditEvent:
    return AuditEvent(7, "2026-09-22T10:15:00+00:00", "jonas.becker@northwind.example", "request", "DSR-2026-0001",
                      action, dict(changes), login)


def test_sentences_read_as_an_officer_would_say_them() -> None:
    verify = ev("verify", {"verification": ("pending", "verified"), "verified_on": (None, "2026-09-22"),
                           "status": ("verifying", "in_progress")})
    assert WORDS.sentence(verify) == "Identity verified on 22 Sep 2026 by Jonas Becker"
    assert WORDS.sentence(ev("assign", {"assignee_id": (None, 3)})) == "Assigned to Priya Natarajan by Jonas Becker"
    assert WORDS.sentence(ev("assign", {"assignee_id": (3, None)})) == "Unassigned by Jonas Becker"
    assert WORDS.sentence(ev("extend", {"deadline": ("2026-10-22", "2026-12-22"),
                                        "extension_reason": ("", "Three archives")})) == \
        "Deadline extended to 22 Dec 2026 by Jonas Becker: Three archives"
    assert WORDS.sentence(ev("contained", {"status": ("open", "contained")})) == \
        "Status changed from open to contained by Jonas Becker"
    update = WORDS.sentence(ev("update", {"risk": ("risk", "high"), "subjects_approx": (10, 300)}))
    assert update == "Changed by Jonas Becker: risk Risk → High risk; people (approx.) 10 → 300"


def test_a_different_login_is_shown_beside_the_officer_and_the_raw_entry_stays() -> None:
    e = ev("note", {"notes": ("", "Called")}, login="bob")
    assert WORDS.sentence(e) == "Note added by Jonas Becker (signed in as bob)"
    assert "signed in as bob" in WORDS.raw(e) and "notes: '' → 'Called'" in WORDS.raw(e)


def test_affected_people_added_from_a_search_say_which_candidates_stayed_out() -> None:
    plain = ev("affected-add", {"source": (None, "csv"), "added": (None, 3), "merged": (None, 0)})
    assert WORDS.sentence(plain) == "3 affected people added by Jonas Becker"
    left = ev("affected-add", {"added": (None, 1), "candidates_left_out": (
        None, "crm customer 2 (the phone matches, but the row holds another e-mail)")})
    assert WORDS.sentence(left) == ("1 affected person added by Jonas Becker; left out, not confirmed by the "
                                    "search: crm customer 2 (the phone matches, but the row holds another e-mail)")
    included = ev("affected-add", {"added": (None, 2), "candidates_included": (None, 1)})
    assert WORDS.sentence(included) == ("2 affected people added by Jonas Becker, 1 of them a candidate the "
                                        "officer included")
