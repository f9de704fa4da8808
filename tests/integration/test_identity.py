"""One identity in the audit trail: the current officer in every area, and beside it the login
the case database authenticated (PostgreSQL, MariaDB) or the OS account (SQLite)."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.domain.breach import BreachInput
from privdesk.services import audit, identity, settings
from privdesk.services import breaches as breach_svc
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.store.request_models import AuditEntry

OFFICER = "priya.natarajan@northwind.example"


def _work(ctx: AppContext) -> tuple[str, str]:
    """A request and a breach recorded by the current officer."""
    settings.add_officer(ctx, "Priya Natarajan", OFFICER)
    settings.add_officer(ctx, "Jonas Becker", "jonas.becker@northwind.example")
    identity.choose(ctx, OFFICER)
    new = svc.NewRequest(type="access", law="gdpr", received=date(2026, 11, 2), name="Aisha Khan",
                         emails=("aisha@example.com",))
    ref = svc.open_request(ctx, new, ctx.actor(), today=date(2026, 11, 3)).request.reference
    b = breach_svc.add_breach(ctx, BreachInput(title="Lost laptop", aware="2026-11-20T09:30+01:00", description="A laptop was lost.",
                                               nature="confidentiality", risk="risk"), ctx.actor())
    return ref, b.reference


def _entries(ctx: AppContext) -> list[AuditEntry]:
    with ctx.db.session() as s:
        return list(s.query(AuditEntry).order_by(AuditEntry.seq))


def test_sqlite_records_officer_and_os_account_in_every_area(ctx: AppContext) -> None:
    ref, bref = _work(ctx)
    rows = _entries(ctx)
    assert {r.entity for r in rows} == {"request", "breach"}
    assert {r.actor for r in rows} == {f"{OFFICER} [login: {getpass.getuser()}]"}
    events = audit.history(ctx, "breach", bref) + audit.history(ctx, "request", ref)
    assert {(e.actor, e.login) for e in events} == {(OFFICER, getpass.getuser())}
    assert identity.login(ctx) == getpass.getuser()
    assert audit.verify(ctx).ok


@pytest.mark.postgres
def test_postgres_records_the_database_login_beside_the_officer(postgres_db: str, tmp_path: Path) -> None:
    ctx = AppContext.open(tmp_path / "data", db_url=postgres_db)
    try:
        ref, _ = _work(ctx)
        ev = audit.history(ctx, "request", ref)[0]
        assert (ev.actor, ev.login) == (OFFICER, "privdesk")  # the server's session_user
        assert identity.login(ctx) == "privdesk"  # what the status bar's tooltip names
        assert ev.who.differs and ev.who.describe("Priya Natarajan") == "Priya Natarajan (signed in as privdesk)"
        assert audit.verify(ctx).ok
    finally:
        ctx.close()


@pytest.mark.mariadb
def test_mariadb_records_the_database_login_beside_the_officer(mariadb_db: str, tmp_path: Path) -> None:
    ctx = AppContext.open(tmp_path / "data", db_url=mariadb_db)
    try:
        ref, _ = _work(ctx)
        assert audit.history(ctx, "request", ref)[0].login == "privdesk"
    finally:
        ctx.close()


def test_cli_defaults_to_the_officer_matching_the_os_account(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    me = getpass.getuser()
    base = ["--data-dir", str(data_dir)]
    assert main([*base, "officer", "add", "Me Myself", f"{me}@northwind.example"]) == 0
    assert main([*base, "request", "add", "--type", "access", "--law", "gdpr", "--received", "2026-11-02",
                 "--name", "Aisha Khan", "--email", "aisha@example.com"]) == 0
    ctx = AppContext.open(data_dir)
    try:
        assert identity.matched_officer(ctx) is not None
        ev = audit.recent(ctx, 1)[0]
        assert (ev.actor, ev.login) == (f"{me}@northwind.example", me)
        assert not ev.who.differs
    finally:
        ctx.close()


def test_cli_breach_add_accepts_date_and_time_in_the_organisation_zone(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TZ", "America/New_York")  # this computer's zone is not the organisation's
    assert main(["--data-dir", str(data_dir), "settings", "set", "org.timezone", "Europe/Berlin"]) == 0
    assert main(["--data-dir", str(data_dir), "settings", "set", "org.timezone", "Mars/Olympus"]) == 2
    assert main(["--data-dir", str(data_dir), "breach", "add", "--title", "Lost laptop", "--aware",
                 "2026-12-01 19:57", "--nature", "confidentiality", "--description", "A laptop was lost.",
                 "--risk", "risk"]) == 0
    ctx = AppContext.open(data_dir)
    try:
        b = breach_svc.list_breaches(ctx)[0]
        assert b.aware.isoformat(timespec="minutes") == "2026-12-01T19:57+01:00"
    finally:
        ctx.close()
