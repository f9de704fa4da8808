"""Retention of PrivDesk's own cases: exactly the expired cases are anonymised, their files go,
the statistics stay, and the audit chain still verifies (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from privdesk.cli import main
from privdesk.services import audit, casefile, retention
from privdesk.services import discovery as ds
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.demo import seed_profile

ACTOR = "dpo@northwind.example"
TODAY = date(2026, 12, 1)


def _closed(ctx: AppContext, name: str, email: str, rtype: str, received: date, closed: date) -> str:
    ref = rq.open_request(ctx, rq.NewRequest(type=rtype, law="gdpr", received=received, name=name, emails=(email,),
                                             address="1 Long Road, Leeds", notes=f"called by {name}"),
                          actor=ACTOR, today=received).reference
    rq.verify_identity(ctx, ref, ACTOR, on=received, today=received)
    rq.complete(ctx, ref, f"sent {name} the copy", ACTOR, outcome=f"{name} satisfied", today=closed)
    return ref


def _cases(ctx: AppContext, tmp_path: Path) -> dict[str, str]:
    seed_profile(ctx)
    refs = {
        "old": _closed(ctx, "Greta Old", "greta@example.com", "access", date(2022, 1, 10), date(2022, 2, 1)),
        "recent": _closed(ctx, "Rita Recent", "rita@example.com", "access", date(2024, 5, 2), date(2024, 6, 1)),
        "erasure": _closed(ctx, "Erik Erased", "erik@example.com", "erasure", date(2025, 5, 2), date(2025, 6, 1)),
        "open": rq.open_request(ctx, rq.NewRequest(type="access", law="gdpr", received=date(2022, 1, 3),
                                                   name="Olga Open", emails=("olga@example.com",)),
                                actor=ACTOR, today=date(2022, 1, 3)).reference,
    }
    retention.set_period(ctx, "erasure", 1, ACTOR)
    # the old case has a file, a search snapshot and a letter
    note = tmp_path / "id-greta.txt"
    note.write_text("Greta's passport scan")
    rq.attach_file(ctx, refs["old"], note, ACTOR)
    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT)")
        c.execute("INSERT INTO customers VALUES (1, 'Greta Old', 'greta@example.com')")
    ds.add_connection(ctx, "crm", f"sqlite:///{db}")
    result = ds.search(ctx, ds.make_query(ctx, emails=["greta@example.com"]))
    casefile.attach_snapshot(ctx, refs["old"], ds.make_snapshot(ctx, result), ACTOR)
    casefile.export_portability(ctx, refs["old"], "json", tmp_path / "greta.json", ACTOR)
    return refs


def _check_run(ctx: AppContext, refs: dict[str, str]) -> None:
    statuses = sorted((r.reference, r.status, r.type) for r in rq.list_requests(ctx))
    dry = retention.run(ctx, ACTOR, dry_run=True, today=TODAY)
    assert [c.reference for c in dry.cases] == [refs["old"], refs["erasure"]]
    assert rq.get_request(ctx, refs["old"]).subject_name == "Greta Old"  # a dry run changes nothing

    done = retention.run(ctx, ACTOR, today=TODAY)
    assert [c.reference for c in done.cases] == [refs["old"], refs["erasure"]]
    assert done.files_removed >= 2  # the passport scan and the portability copy
    for key in ("old", "erasure"):
        d = rq.get_request(ctx, refs[key])
        assert d.subject_name == retention.ANONYMISED and not d.emails and not d.subject_address
        assert not d.notes and not d.outcome and not d.decision_reason and not d.attachments
        assert d.status == "completed" and d.type in ("access", "erasure")  # statistics stay
    for key in ("recent", "open"):
        assert rq.get_request(ctx, refs[key]).subject_name != retention.ANONYMISED
    assert sorted((r.reference, r.status, r.type) for r in rq.list_requests(ctx)) == statuses
    assert casefile.list_snapshots(ctx, refs["old"]) == [] and casefile.list_documents(ctx, refs["old"]) == []
    assert not list((ctx.paths.attachments_dir).rglob("*greta*"))

    trail = audit.history(ctx, "request", refs["old"])
    flat = json.dumps([e.changes for e in trail], ensure_ascii=False)
    for personal in ("Greta", "greta@example.com", "Long Road", "passport"):
        assert personal not in flat
    assert trail[-1].action == "anonymise"
    assert any(e.changes.get("status", (None, None))[1] == "completed" for e in trail)  # non-personal facts stay
    assert audit.verify(ctx).ok
    assert retention.run(ctx, ACTOR, today=TODAY).cases == ()  # nothing left to do


def test_retention_anonymises_exactly_the_expired_cases(ctx: AppContext, tmp_path: Path) -> None:
    refs = _cases(ctx, tmp_path)
    _check_run(ctx, refs)
    assert not retention.reminder_due(ctx, TODAY) and retention.reminder_due(ctx, date(2027, 1, 1))


def test_a_redacted_entry_altered_afterwards_is_still_detected(ctx: AppContext, tmp_path: Path) -> None:
    refs = _cases(ctx, tmp_path)
    retention.run(ctx, ACTOR, today=TODAY)
    with ctx.db.unit_of_work() as s:
        seq = s.execute(text("SELECT min(seq) FROM audit_log WHERE entity_id = :r"), {"r": refs["old"]}).scalar()
        s.execute(text("UPDATE audit_log SET changes = :c WHERE seq = :s"),
                  {"c": '{"subject_name":[null,"Someone Else"]}', "s": seq})
    result = audit.verify(ctx)
    assert not result.ok and result.broken_seq == seq


def test_cli_retention_run_json(ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refs = _cases(ctx, tmp_path)
    d = ["--data-dir", str(ctx.paths.data_dir)]
    assert main([*d, "retention", "run", "--dry-run", "--json", "--today", TODAY.isoformat()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] and out["count"] == 2 and out["anonymised"] == []
    assert [c["reference"] for c in out["would_anonymise"]] == [refs["old"], refs["erasure"]]
    assert main([*d, "retention", "run", "--json", "--today", TODAY.isoformat()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [c["reference"] for c in out["anonymised"]] == [refs["old"], refs["erasure"]]
    assert main([*d, "audit", "verify"]) == 0
    assert main([*d, "retention", "set", "access", "0"]) == 2
    assert "between 1 and 100 years" in capsys.readouterr().err


@pytest.fixture
def pg_ctx(tmp_path: Path, postgres_db: str) -> Iterator[AppContext]:
    c = AppContext.open(tmp_path / "data", postgres_db)
    yield c
    c.close()


@pytest.mark.postgres
def test_retention_on_postgresql(pg_ctx: AppContext, tmp_path: Path) -> None:
    refs = _cases(pg_ctx, tmp_path)
    _check_run(pg_ctx, refs)


def test_closed_breach_records_lose_the_peoples_details_after_five_years(ctx: AppContext) -> None:
    from privdesk.store.breach_models import AffectedPerson, Breach

    with ctx.db.unit_of_work() as s:
        for ref, status, closed in (("BR-2020-0001", "closed", datetime(2021, 3, 1, tzinfo=UTC)),
                                    ("BR-2023-0001", "closed", datetime(2023, 3, 1, tzinfo=UTC)),
                                    ("BR-2019-0001", "open", datetime(2019, 3, 1, tzinfo=UTC))):
            b = Breach(reference=ref, title="Lost laptop", status=status, risk="high", aware_at=closed,
                       aware_zone="UTC", nature="confidentiality", description="A laptop was lost.",
                       updated_at=closed)
            s.add(b)
            s.flush()
            s.add(AffectedPerson(breach_id=b.id, name="Pia Person", email="pia@example.com", phone="+4712345678"))
    dry = retention.run(ctx, ACTOR, dry_run=True, today=TODAY)
    assert [(c.kind, c.reference) for c in dry.cases] == [("breach", "BR-2020-0001")]
    retention.run(ctx, ACTOR, today=TODAY)
    with ctx.db.session() as s:
        people = {p.breach_id: (p.name, p.email) for p in s.query(AffectedPerson)}
    assert sorted(people.values()) == [(retention.ANONYMISED, ""), ("Pia Person", "pia@example.com"),
                                       ("Pia Person", "pia@example.com")]
    assert audit.history(ctx, "breach", "BR-2020-0001")[-1].action == "anonymise"
    assert audit.verify(ctx).ok


def _upgrade_backups(ctx: AppContext, made: date, days_before: int) -> tuple[Path, Path]:
    """Two real copies of the case database as the upgrade makes them: one from ``made`` and one
    ``days_before`` days older (the same file under an earlier stamp)."""
    from datetime import timedelta

    from privdesk.store.database import UPGRADE_BACKUP_REASON

    young = ctx.db.backup(UPGRADE_BACKUP_REASON)
    assert young is not None
    stamp = young.name.split("-")[1]
    young = young.rename(young.with_name(young.name.replace(stamp, made.strftime("%Y%m%d") + stamp[8:])))
    old_day = (made - timedelta(days=days_before)).strftime("%Y%m%d")
    old = young.with_name(young.name.replace(made.strftime("%Y%m%d"), old_day))
    old.write_bytes(young.read_bytes())
    return old, young


def test_retention_deletes_upgrade_backups_past_30_days(ctx: AppContext, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    refs = _cases(ctx, tmp_path)
    old, young = _upgrade_backups(ctx, date(2026, 11, 20), days_before=40)  # 51 and 11 days before TODAY
    with sqlite3.connect(old) as c:  # the backup holds the case retention is about to anonymise
        assert c.execute("SELECT subject_name FROM requests WHERE reference = ?", (refs["old"],)).fetchone() == (
            "Greta Old",)
    other = ctx.paths.backups_dir / "privdesk-backup-2020-01-01.zip"
    other.write_bytes(b"the officer's own archive")  # not an upgrade backup: left alone
    d = ["--data-dir", str(ctx.paths.data_dir)]

    assert main([*d, "retention", "run", "--dry-run", "--json", "--today", TODAY.isoformat()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["would_remove_upgrade_backups"] == [{"file": old.name, "made": "2026-10-11"}]
    assert out["upgrade_backups_kept"] == [{"file": young.name, "made": "2026-11-20"}]
    assert out["upgrade_backups_removed"] == [] and out["upgrade_backup_days"] == 30
    assert {"dry_run", "today", "anonymised", "would_anonymise", "count", "files_removed"} <= set(out)
    assert old.exists() and young.exists()  # the dry run changes nothing
    assert not [e for e in audit.recent(ctx) if e.entity_id == "upgrade-backups"]

    assert main([*d, "retention", "run", "--dry-run", "--today", TODAY.isoformat()]) == 0
    text_out = capsys.readouterr().out
    assert f"would delete upgrade backup {old.name} (made 2026-10-11, over 30 days old)" in text_out
    assert f"kept upgrade backup {young.name} (made 2026-11-20) for a failed upgrade" in text_out

    assert main([*d, "retention", "run", "--json", "--as", ACTOR, "--today", TODAY.isoformat()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["upgrade_backups_removed"] == [{"file": old.name, "made": "2026-10-11"}]
    assert out["would_remove_upgrade_backups"] == []
    assert not old.exists() and young.exists() and other.is_file()
    [entry] = audit.history(ctx, "settings", "upgrade-backups")
    assert entry.action == "delete" and entry.actor == ACTOR
    assert entry.changes["deleted"] == (f"{old.name} (made 2026-10-11)", None)
    assert "older than 30 days" in entry.changes["retention"][1]
    assert main([*d, "audit", "verify"]) == 0

    # the newest backup goes too once it is past 30 days; nothing left, nothing audited twice
    result = retention.run(ctx, ACTOR, today=date(2026, 12, 21))
    assert [b.file for b in result.backups_removed] == [young.name] and not result.backups_kept
    assert not young.exists() and retention.upgrade_backups(ctx) == []
    assert len(audit.history(ctx, "settings", "upgrade-backups")) == 2
    assert retention.run(ctx, ACTOR, today=date(2026, 12, 22)).backups_removed == ()
    assert len(audit.history(ctx, "settings", "upgrade-backups")) == 2


def test_an_upgrade_backup_of_exactly_30_days_is_kept(ctx: AppContext) -> None:
    old, young = _upgrade_backups(ctx, date(2026, 11, 1), days_before=1)  # 30 and 31 days before TODAY
    result = retention.run(ctx, ACTOR, dry_run=True, today=TODAY)
    assert [b.file for b in result.backups_removed] == [old.name]
    assert [b.file for b in result.backups_kept] == [young.name]


def _restore_copies(ctx: AppContext, archive: Path, *days: date) -> list[Path]:
    """Real copies of the case data a restore replaces, one per restore, renamed to the given days
    (the stamp a restore on that day would have given them)."""
    from privdesk.services import backup

    copies = []
    for day in days:
        kept = backup.restore(ctx.paths, archive, replace=True).kept
        assert kept is not None and kept.name.startswith("before-restore-")
        stamp = kept.name.removeprefix("before-restore-")
        copies.append(kept.rename(kept.with_name(f"before-restore-{day.strftime('%Y%m%d')}{stamp[8:]}")))
    return copies


def test_retention_deletes_the_copies_kept_before_a_restore_past_30_days(
        ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from privdesk.services import backup

    refs = _cases(ctx, tmp_path)
    # the officer's own backups, one even in the backups folder and dated years ago: never touched
    own_outside = backup.backup(ctx.paths, tmp_path / "privdesk-backup-2020-01-01.zip").archive
    own_inside = backup.backup(ctx.paths, ctx.paths.backups_dir / "privdesk-backup-2020-02-01.zip").archive
    for own in (own_outside, own_inside):
        os.utime(own, (1580515200, 1580515200))  # 2020-02-01
    named_by_officer = ctx.paths.backups_dir / "before-restore-keep-me"  # not a restore's stamp
    named_by_officer.mkdir()
    (named_by_officer / "notes.txt").write_text("mine")
    old, young = _restore_copies(ctx, own_outside, date(2026, 10, 11), date(2026, 11, 20))  # 51 and 11 days
    with sqlite3.connect(old / "privdesk.sqlite3") as c:  # it holds the case retention anonymises
        assert c.execute("SELECT subject_name FROM requests WHERE reference = ?", (refs["old"],)).fetchone() == (
            "Greta Old",)
    assert (old / "attachments").is_dir()
    d = ["--data-dir", str(ctx.paths.data_dir), "retention", "run", "--today", TODAY.isoformat()]

    assert main([*d, "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["would_remove_before_restore_copies"] == [{"file": old.name, "made": "2026-10-11"}]
    assert out["before_restore_copies_kept"] == [{"file": young.name, "made": "2026-11-20"}]
    assert out["before_restore_copies_removed"] == [] and out["before_restore_copy_days"] == 30
    assert out["would_remove_upgrade_backups"] == [] and out["upgrade_backups_kept"] == []
    assert old.is_dir() and young.is_dir()  # the dry run changes nothing
    assert main([*d, "--dry-run"]) == 0
    text_out = capsys.readouterr().out
    assert (f"would delete the copy of the case data a restore replaced, backups/{old.name}/ "
            "(made 2026-10-11, over 30 days old)") in text_out
    assert (f"kept the copy of the case data a restore replaced, backups/{young.name}/ (made 2026-11-20) "
            "in case the restore was a mistake") in text_out
    assert not audit.history(ctx, "settings", "before-restore-copies")

    assert main([*d, "--json", "--as", ACTOR]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["before_restore_copies_removed"] == [{"file": old.name, "made": "2026-10-11"}]
    assert out["would_remove_before_restore_copies"] == []
    assert not old.exists() and young.is_dir() and (young / "privdesk.sqlite3").is_file()
    assert own_outside.is_file() and own_inside.is_file() and (named_by_officer / "notes.txt").is_file()
    assert backup.check(own_inside).files >= 1  # still a whole archive
    [entry] = audit.history(ctx, "settings", "before-restore-copies")
    assert entry.action == "delete" and entry.actor == ACTOR
    assert entry.changes["deleted"] == (f"{old.name} (made 2026-10-11)", None)
    assert "older than 30 days" in entry.changes["retention"][1]
    assert not audit.history(ctx, "settings", "upgrade-backups")
    assert main(["--data-dir", str(ctx.paths.data_dir), "audit", "verify"]) == 0

    # the younger copy goes once it is past 30 days; nothing left, nothing audited twice
    result = retention.run(ctx, ACTOR, today=date(2026, 12, 21))
    assert [b.file for b in result.restore_copies_removed] == [young.name] and not result.restore_copies_kept
    assert not young.exists() and retention.before_restore_copies(ctx) == []
    assert retention.run(ctx, ACTOR, today=date(2026, 12, 22)).restore_copies_removed == ()
    assert len(audit.history(ctx, "settings", "before-restore-copies")) == 2
    assert own_inside.is_file() and named_by_officer.is_dir()


@contextmanager
def _undeletable(folder: Path) -> Iterator[None]:
    """Make ``folder``'s files undeletable for this process (read-only, or immutable for root),
    and deletable again afterwards; skip where neither works."""
    import os
    import subprocess

    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(0o700)
        return
    import shutil

    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], capture_output=True,
                                        check=False).returncode != 0:
        pytest.skip("cannot make a folder undeletable here (root without chattr)")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_a_copy_that_cannot_be_deleted_stops_the_run_with_a_sentence(
        ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from privdesk.services import backup

    archive = backup.backup(ctx.paths, tmp_path / "own.zip").archive
    stuck, loose = _restore_copies(ctx, archive, date(2026, 9, 1), date(2026, 9, 2))
    upgrade_old, _young = _upgrade_backups(ctx, date(2026, 11, 20), days_before=40)
    d = ["--data-dir", str(ctx.paths.data_dir), "retention", "run", "--as", ACTOR, "--today", TODAY.isoformat()]
    with _undeletable(stuck):
        assert main(d) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"Could not delete {stuck}" in err and "run retention again" in err
    assert stuck.is_dir() and not loose.exists() and not upgrade_old.exists()  # the others went, and say so
    [entry] = audit.history(ctx, "settings", "before-restore-copies")
    assert entry.changes["deleted"] == (f"{loose.name} (made 2026-09-02)", None)
    assert len(audit.history(ctx, "settings", "upgrade-backups")) == 1
    assert retention.last_run(ctx) is None  # the reminder stays until a run finishes

    assert main(d) == 0  # once it can be deleted, the next run does
    assert not stuck.exists() and retention.last_run(ctx) == TODAY
    assert len(audit.history(ctx, "settings", "before-restore-copies")) == 2
