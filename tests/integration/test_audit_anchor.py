"""Issue 11 point 15: entries deleted from the end and rows changed in the database are found."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from privdesk.cli import main
from privdesk.services import casefile
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.store.casefile_models import RequestDocument
from privdesk.store.request_models import AuditEntry

ACTOR = "dpo@example.com"


def _request(ctx: AppContext) -> str:
    from privdesk.services.demo import seed_profile

    seed_profile(ctx)
    return rq.open_request(ctx, rq.NewRequest(type="access", law="gdpr", received=date.today(), name="Zoë Ødegård",
                                              emails=("zoe@example.com",)), actor=ACTOR).reference


def _verify(ctx: AppContext, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = main(["--data-dir", str(ctx.paths.data_dir), "audit", "verify", "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_anchor_file_finds_entries_deleted_from_the_end(ctx: AppContext, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    ref = _request(ctx)
    rq.add_note(ctx, ref, "first call", ACTOR)
    anchor = tmp_path / "anchor.json"
    assert main(["--data-dir", str(ctx.paths.data_dir), "audit", "anchor", "-o", str(anchor)]) == 0
    code, out = _verify(ctx, capsys, "--anchor", str(anchor))
    assert code == 0 and out["ok"] and out["anchor_checked"]
    with ctx.db.engine.begin() as c:  # someone removes the last entry, and the note with it
        last = c.execute(text("SELECT max(seq) FROM audit_log")).scalar()
        c.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
    code, out = _verify(ctx, capsys)  # the chain alone cannot see it ...
    assert out["entries"] == last - 1
    code, out = _verify(ctx, capsys, "--anchor", str(anchor))  # ... the anchor can
    assert code == 1 and not out["ok"]
    assert f"names entry {last}, but the chain ends at entry {last - 1}" in str(out["problem"])
    doc = json.loads(anchor.read_text())
    doc["seq"] = 1
    anchor.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["--data-dir", str(ctx.paths.data_dir), "audit", "verify", "--anchor", str(anchor)]) == 2
    assert "was altered" in capsys.readouterr().err


def test_letters_anchor_the_head_they_were_written_under(ctx: AppContext, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    ref = _request(ctx)
    doc = casefile.generate_letter(ctx, "acknowledgement", ref, tmp_path / "ack.pdf", ACTOR)
    with ctx.db.session() as s:
        head = s.scalar(select(RequestDocument.audit_head).where(RequestDocument.id == doc.id))
        head_seq = s.scalar(select(AuditEntry.seq).where(AuditEntry.hash == head))
    assert head and head_seq is not None
    from pypdf import PdfReader

    keywords = str((PdfReader(tmp_path / "ack.pdf").metadata or {}).get("/Keywords", ""))
    assert keywords == f"privdesk-audit-head:{head}"  # the letter itself carries the anchor
    rq.add_note(ctx, ref, "sent by post", ACTOR)
    assert _verify(ctx, capsys)[0] == 0
    with ctx.db.engine.begin() as c:  # delete the end of the chain back to the letter's head
        c.execute(text("DELETE FROM audit_log WHERE seq >= :s"), {"s": head_seq})
    code, out = _verify(ctx, capsys)
    assert code == 1
    assert "acknowledgement letter ack.pdf" in str(out["problem"]) and "no longer in the chain" in str(out["problem"])


def test_a_request_changed_in_the_database_is_named(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    ref = _request(ctx)
    rq.start_verification(ctx, ref, ACTOR)
    assert _verify(ctx, capsys)[0] == 0
    with ctx.db.engine.begin() as c:
        c.execute(text("UPDATE requests SET status = 'completed' WHERE reference = :r"), {"r": ref})
    code, out = _verify(ctx, capsys)
    assert code == 1
    assert str(out["problem"]) == (f"request {ref}: status is 'completed' in the database, but its audit entries "
                                   "end at 'verifying' (changed outside PrivDesk)")


def test_values_redacted_by_retention_are_not_compared(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import timedelta

    from privdesk.services import retention

    ref = rq.open_request(ctx, rq.NewRequest(type="access", law="gdpr", received=date(2019, 1, 7), name="Old Case",
                                             emails=("old@example.com",)), actor=ACTOR,
                          today=date(2019, 1, 7)).reference
    rq.start_verification(ctx, ref, ACTOR)
    rq.withdraw(ctx, ref, ACTOR, "The subject withdrew by phone.", today=date(2019, 1, 9))
    result = retention.run(ctx, ACTOR, today=date.today() + timedelta(days=3650))
    assert [c.reference for c in result.cases] == [ref]
    code, out = _verify(ctx, capsys)
    assert code == 0, out["problems"]
