"""The audit trail is hash-chained: an altered or deleted entry is found and named."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from privdesk.cli import main
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store.request_models import AuditEntry


def _write(ctx: AppContext, n: int) -> None:
    for i in range(n):
        with ctx.db.unit_of_work() as s:
            audit.append(s, "dpo@northwind.example", "request", f"DSR-2026-{i + 1:04d}", "open",
                         {"status": (None, "received"), "subject_name": (None, "Zoë Ødegård")})


def test_empty_and_intact_chain(ctx: AppContext) -> None:
    assert audit.verify(ctx).message() == "audit trail intact: 0 entries"
    _write(ctx, 5)
    result = audit.verify(ctx)
    assert result.ok and result.entries == 5
    assert result.message() == "audit trail intact: 5 entries"
    events = audit.history(ctx, "request", "DSR-2026-0003")
    assert [e.seq for e in events] == [3]
    assert events[0].changes["subject_name"] == (None, "Zoë Ødegård")
    assert "status: - -> received" in events[0].describe()


def test_altered_row_is_reported(ctx: AppContext) -> None:
    _write(ctx, 5)
    with ctx.db.engine.begin() as c:
        c.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    result = audit.verify(ctx)
    assert not result.ok
    assert result.broken_seq == 3 and result.entries == 2
    assert "altered" in result.message()


def test_altered_changes_is_reported(ctx: AppContext) -> None:
    _write(ctx, 3)
    with ctx.db.engine.begin() as c:
        c.execute(text("""UPDATE audit_log SET changes = '{"status":[null,"completed"]}' WHERE seq = 2"""))
    assert audit.verify(ctx).broken_seq == 2


def test_rehashed_row_breaks_the_next_link(ctx: AppContext) -> None:
    """A forger who also recomputes the altered row's hash is caught by the next entry."""
    from privdesk.store.audit import entry_hash

    _write(ctx, 4)
    with ctx.db.engine.begin() as c:
        row = c.execute(text("SELECT * FROM audit_log WHERE seq = 2")).mappings().one()
        new_hash = entry_hash(row["prev_hash"], 2, row["at"], "mallory", row["entity"],
                              row["entity_id"], row["action"], row["changes"])
        c.execute(text("UPDATE audit_log SET actor='mallory', hash=:h WHERE seq=2"), {"h": new_hash})
    result = audit.verify(ctx)
    assert result.broken_seq == 3
    assert "link to the previous entry" in result.problem


def test_deleted_row_is_reported(ctx: AppContext) -> None:
    _write(ctx, 5)
    with ctx.db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    result = audit.verify(ctx)
    assert not result.ok and result.broken_seq == 4
    assert "entry 4 is missing" in result.message()


def test_deleted_first_row_is_reported(ctx: AppContext) -> None:
    _write(ctx, 2)
    with ctx.db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq = 1"))
    assert audit.verify(ctx).broken_seq == 1


def test_orm_refuses_to_change_an_entry(ctx: AppContext) -> None:
    _write(ctx, 1)
    with pytest.raises(RuntimeError, match="append-only"), ctx.db.unit_of_work() as s:
        entry = s.get(AuditEntry, 1)
        assert entry is not None
        entry.actor = "mallory"
    assert audit.verify(ctx).ok


def test_cli_verify(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    _write(ctx, 3)
    data = str(ctx.paths.data_dir)
    assert main(["--data-dir", data, "audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "audit trail intact: 3 entries"
    with ctx.db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    assert main(["--data-dir", data, "audit", "verify"]) == 1
    assert "broken at entry 2" in capsys.readouterr().out
    assert main(["--data-dir", data, "audit", "log", "DSR-2026-0003", "--json"]) == 0
    assert '"action": "open"' in capsys.readouterr().out
