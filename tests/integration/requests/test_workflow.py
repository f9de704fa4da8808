"""The workflow over the status machine: verification, extension, decisions, conflicts."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from privdesk.errors import ConflictError, NotFoundError, ValidationError
from privdesk.services import audit
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.store.request_models import Request
from tests.integration.requests.conftest import ACTOR, TODAY

New = Callable[..., svc.OpenResult]


def test_full_lifecycle_with_audit(ctx: AppContext, new: New, officers: dict[str, int]) -> None:
    ref = new(law="gdpr", received=date(2026, 11, 2)).reference
    d = svc.start_verification(ctx, ref, ACTOR)
    assert d.status == "verifying" and d.verification == "pending"
    d = svc.verify_identity(ctx, ref, ACTOR, on="2026-11-10", today=TODAY)
    # GDPR: the clock runs from receipt, verification does not restart it.
    assert d.status == "in_progress" and d.verification == "verified"
    assert d.clock_start == date(2026, 11, 2) and d.due == date(2026, 12, 2)
    d = svc.assign(ctx, ref, officers["priya"], ACTOR)
    assert d.assignee_name == "Priya Natarajan"
    with pytest.raises(ValidationError, match="needs a reason"):
        svc.extend(ctx, ref, "  ", ACTOR, today=TODAY)
    d = svc.extend(ctx, ref, "Records in three archives", ACTOR, today=TODAY)
    assert d.status == "extended" and d.extended and d.deadline == d.extended_due == date(2027, 2, 2)
    with pytest.raises(ValidationError, match="one extension only"):
        svc.extend(ctx, ref, "again", ACTOR, today=TODAY)
    with pytest.raises(ValidationError, match="needs a reason"):
        svc.complete(ctx, ref, "", ACTOR, today=TODAY)
    d = svc.complete(ctx, ref, "Copy sent by secure link", "priya@northwind.example",
                     outcome="Data exported", today=TODAY)
    assert (d.status, d.decided_by, d.decision_reason, d.decided_on) == (
        "completed", "priya@northwind.example", "Copy sent by secure link", TODAY)
    assert d.actions == ()
    with pytest.raises(ValidationError, match="closed requests do not change status"):
        svc.change_status(ctx, ref, "in_progress", ACTOR)
    events = audit.history(ctx, "request", ref)
    assert [e.action for e in events] == ["open", "verifying", "verify", "assign", "extend", "complete"]
    assert events[1].changes["status"] == ("received", "verifying")
    assert events[-1].actor == "priya@northwind.example"
    assert events[-1].changes["decided_by"] == ("", "priya@northwind.example")
    assert audit.verify(ctx).ok


def test_identity_restarts_the_clock_where_the_law_says(ctx: AppContext, new: New) -> None:
    d = new(law="uk-gdpr", received=date(2026, 11, 2)).request
    assert d.paused and d.due == date(2026, 12, 2)
    d = svc.verify_identity(ctx, d.reference, ACTOR, on=date(2026, 11, 16), today=TODAY)
    assert d.clock_start == date(2026, 11, 16) and d.due == date(2026, 12, 16)
    assert not d.paused
    [event] = [e for e in audit.history(ctx, "request", d.reference) if e.action == "verify"]
    assert event.changes["due"] == ("2026-12-02", "2026-12-16")
    with pytest.raises(ValidationError, match="in the future"):
        svc.verify_identity(ctx, d.reference, ACTOR, on=date(2026, 12, 1), today=TODAY)


def test_denial_and_withdrawal(ctx: AppContext, new: New) -> None:
    a = new().reference
    d = svc.verify_identity(ctx, a, ACTOR, failed=True, today=TODAY)
    assert d.verification == "failed" and d.status == "received"
    d = svc.deny(ctx, a, "Identity could not be verified", "jonas@northwind.example", today=TODAY)
    assert d.status == "denied" and d.decided_by == "jonas@northwind.example"
    b = new().reference
    d = svc.withdraw(ctx, b, ACTOR, today=TODAY)
    assert d.status == "withdrawn" and d.decision_reason


def test_illegal_moves_are_refused_with_reason(ctx: AppContext, new: New) -> None:
    ref = new().reference
    with pytest.raises(ValidationError, match="work must have started"):
        svc.extend(ctx, ref, "busy", ACTOR, today=TODAY)
    with pytest.raises(ValidationError, match="Cannot move a request from 'received' to 'completed'"):
        svc.complete(ctx, ref, "done", ACTOR, today=TODAY)
    assert svc.get_request(ctx, ref).status == "received"
    assert [e.action for e in audit.history(ctx, "request", ref)] == ["open"]


def test_extension_refused_after_the_deadline(ctx: AppContext, new: New) -> None:
    ref = new(received=date(2026, 9, 1)).reference  # due 2026-10-01
    svc.change_status(ctx, ref, "in_progress", ACTOR)
    with pytest.raises(ValidationError, match="Too late to extend"):
        svc.extend(ctx, ref, "complex", ACTOR, today=TODAY)


def test_lgpd_has_no_extension(ctx: AppContext, new: New) -> None:
    ref = new(law="lgpd", name="Maria Santos", emails=("maria.santos@example.com.br",),
              received=date(2026, 11, 20)).reference
    svc.change_status(ctx, ref, "in_progress", ACTOR)
    with pytest.raises(ValidationError, match="LGPD"):
        svc.extend(ctx, ref, "complex", ACTOR, today=TODAY)


def test_stale_version_is_a_conflict(ctx: AppContext, new: New, officers: dict[str, int]) -> None:
    d = new().request
    svc.assign(ctx, d.reference, officers["priya"], "priya@northwind.example", expected_version=d.version)
    with pytest.raises(ConflictError, match="changed by someone else"):
        svc.assign(ctx, d.reference, officers["jonas"], "jonas@northwind.example", expected_version=d.version)
    assert svc.get_request(ctx, d.reference).assignee_name == "Priya Natarajan"


def test_two_sessions_racing_do_not_overwrite(ctx: AppContext, new: New) -> None:
    """Window A has the row loaded; window B saves first; A's save fails instead of overwriting."""
    ref = new().reference
    with pytest.raises(ConflictError, match="Someone else changed this request"), svc._unit(ctx) as a:
        row = a.scalar(select(Request).where(Request.reference == ref))
        assert row is not None
        svc.add_note(ctx, ref, "B was here", ACTOR)  # another session commits meanwhile
        row.notes = "A overwrites"
        a.flush()
    assert "B was here" in svc.get_request(ctx, ref).notes


def test_notes_and_attachments(ctx: AppContext, new: New, tmp_path: Path) -> None:
    ref = new().reference
    svc.add_note(ctx, ref, "Called the subject", ACTOR, today=TODAY)
    src = tmp_path / "passport scan.pdf"
    src.write_bytes(b"%PDF-1.4 fake")
    d = svc.attach_file(ctx, ref, src, ACTOR)
    [a] = d.attachments
    stored = svc.attachment_path(ctx, a)
    assert stored.read_bytes() == b"%PDF-1.4 fake"
    assert stored.is_relative_to(ctx.paths.attachments_dir)
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    import hashlib
    assert a.sha256 == hashlib.sha256(b"%PDF-1.4 fake").hexdigest()
    assert "2026-11-25 dpo@northwind.example: Called the subject" in d.notes
    assert [e.action for e in audit.history(ctx, "request", ref)] == ["open", "note", "attach"]
    with pytest.raises(NotFoundError):
        svc.attach_file(ctx, "DSR-2026-9999", src, ACTOR)
    with pytest.raises(ValidationError, match="no such file"):
        svc.attach_file(ctx, ref, tmp_path / "missing.pdf", ACTOR)


def test_unknown_reference(ctx: AppContext) -> None:
    with pytest.raises(NotFoundError, match="no request DSR-2026-0042"):
        svc.get_request(ctx, "dsr-2026-0042")
    with pytest.raises(ValidationError, match="not a request reference"):
        svc.get_request(ctx, "42")


def test_clock_pause_for_clarification(ctx: AppContext, new: New, capsys: pytest.CaptureFixture[str]) -> None:
    d = new(law="uk-gdpr", received=date(2026, 11, 2)).request
    d = svc.verify_identity(ctx, d.reference, ACTOR, on=date(2026, 11, 2), today=TODAY)
    assert d.due == date(2026, 12, 2) and d.can_pause
    with pytest.raises(ValidationError, match="needs a reason"):
        svc.pause_clock(ctx, d.reference, " ", ACTOR, on=date(2026, 11, 10), today=TODAY)
    d = svc.pause_clock(ctx, d.reference, "Asked which accounts", ACTOR, on=date(2026, 11, 10), today=TODAY)
    assert d.paused and d.paused_since == date(2026, 11, 10)
    [row] = svc.list_requests(ctx, svc.RequestQuery(text=d.reference), today=TODAY)
    assert row.paused
    with pytest.raises(ValidationError, match="already stopped"):
        svc.pause_clock(ctx, d.reference, "again", ACTOR, today=TODAY)
    d = svc.resume_clock(ctx, d.reference, ACTOR, on=date(2026, 11, 17), today=TODAY)
    # UK GDPR Art. 12A: 10 to 17 November, both days included, do not count: 8 days, 2 Dec + 8.
    assert not d.paused and d.paused_since is None and d.due == date(2026, 12, 10)
    assert d.pauses == ((date(2026, 11, 10), date(2026, 11, 17)),)
    actions = [(e.action, e.changes.get("due")) for e in audit.history(ctx, "request", d.reference)]
    assert actions[-1] == ("resume", ("2026-12-02", "2026-12-10"))
    with pytest.raises(ValidationError, match="not stopped"):
        svc.resume_clock(ctx, d.reference, ACTOR, today=TODAY)
    gdpr = new(law="gdpr").reference
    with pytest.raises(ValidationError, match="cannot be stopped"):
        svc.pause_clock(ctx, gdpr, "waiting", ACTOR, today=TODAY)
    from privdesk.cli import main

    assert main(["--data-dir", str(ctx.paths.data_dir), "request", "pause", gdpr, "--reason", "x"]) == 2
    assert "cannot be stopped" in capsys.readouterr().err


def test_update_subject_is_audited(ctx: AppContext, new: New) -> None:
    ref = new(name="Zoe Odegard", phones=("+47 912 34 567",)).reference
    d = svc.update_subject(ctx, ref, ACTOR, name="Zoë  Ødegård", address="Storgata 1, Oslo",
                           add_emails=("Zoe@Work.example",), remove=("+4791234567",))
    assert d.subject_name == "Zoë Ødegård" and d.subject_address == "Storgata 1, Oslo"
    assert d.emails == ["zoe.odegard@example.com", "Zoe@Work.example"] and d.phones == []
    [edit] = [e for e in audit.history(ctx, "request", ref) if e.action == "edit"]
    assert edit.changes["subject_name"] == ("Zoe Odegard", "Zoë Ødegård")
    assert edit.changes["identifiers_added"] == (None, "Zoe@Work.example")
    assert edit.changes["identifiers_removed"] == ("+47 912 34 567", None)
    assert [r.reference for r in svc.list_requests(ctx, svc.RequestQuery(text="zoe@work"))] == [ref]
    with pytest.raises(ValidationError, match="not a valid e-mail"):
        svc.update_subject(ctx, ref, ACTOR, add_emails=("nope@",))
    with pytest.raises(ValidationError, match="Nothing to change"):
        svc.update_subject(ctx, ref, ACTOR, name="Zoë Ødegård")
    with pytest.raises(ValidationError, match="must remain"):
        svc.update_subject(ctx, ref, ACTOR, address="", remove=("zoe.odegard@example.com", "zoe@work.example"))
    assert len(svc.get_request(ctx, ref).emails) == 2
