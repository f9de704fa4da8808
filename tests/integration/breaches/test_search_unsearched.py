"""Adding affected people from a search when a connection cannot be searched: real SQLite company
databases, one registered at a file that does not exist, one whose table was dropped after its
map was read. The people found elsewhere are added, the identifiers are kept as given, and the
officer (CLI, result, audit entry) is told which connections were not searched and why, so an
incomplete list is never taken for a complete one. The password prompt of ``affected-add`` runs
against the real PostgreSQL server the suite starts."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import keyring
import pytest

from privdesk.cli import main
from privdesk.discovery import secrets
from privdesk.services import breaches as svc
from privdesk.services import discovery
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import ALICE, BOB, household_crm, household_pg
from tests.servers import Server

ACTOR = "dpo@northwind.example"
UNKNOWN_PHONE = "+44 20 7946 0999"


@pytest.fixture
def broken(org_ctx: AppContext, tmp_path: Path) -> Path:
    """``crm`` (Alice and Bob), ``archive`` at a missing file, ``shop`` with its table dropped;
    returns the missing file's path."""
    household_crm(org_ctx, tmp_path)
    shop = tmp_path / "shop.sqlite"
    with closing(sqlite3.connect(shop)) as c, c:
        c.execute("CREATE TABLE buyers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT)")
    discovery.add_connection(org_ctx, "shop", f"sqlite:///{shop}")
    discovery.search(org_ctx, discovery.make_query(org_ctx, emails=["x@example.com"]), ["shop"])  # map read
    with closing(sqlite3.connect(shop)) as c, c:
        c.execute("DROP TABLE buyers")
    missing = tmp_path / "archive.sqlite"
    discovery.add_connection(org_ctx, "archive", f"sqlite:///{missing}")
    return missing


def leaked(folder: Path) -> Path:
    f = folder / "leaked.csv"
    f.write_text(f"{ALICE[1]}\n{UNKNOWN_PHONE}\n", encoding="utf-8")
    return f


def test_connections_not_searched_are_named_and_recorded(org_ctx: AppContext, breach: svc.BreachDetail,
                                                          broken: Path, tmp_path: Path) -> None:
    found = svc.find_affected_in_csv(org_ctx, leaked(tmp_path))
    lines = found.not_searched()
    assert [line.split(":")[0] for line in lines] == ["archive", "shop"]
    assert f"archive: The database file {broken} does not exist" == lines[0]
    assert "no such table: buyers" in lines[1]
    warning = found.warning()
    assert warning.startswith("2 connections could not be searched, so people held there may be missing")
    assert lines[0] in warning and lines[1] in warning
    # what the reachable connection confirms is still found; the unknown number is kept
    assert [p.contact["email"] for p in found.confirmed] == [ALICE[1]]
    assert [r["identifier"] for r in found.as_given] == [UNKNOWN_PHONE]

    result = svc.add_found(org_ctx, breach.reference, found, ACTOR)  # allowed, with the warning recorded
    assert result.added == 2 and result.not_searched == tuple(lines)
    assert result.message().endswith("; 2 connections could not be searched, so the list may be incomplete")
    entry = [e for e in svc.history(org_ctx, breach.reference) if e.action == "affected-add"][-1]
    assert entry.changes["connections_not_searched"] == (None, " | ".join(lines))


def test_a_complete_search_records_no_unsearched_connection(org_ctx: AppContext, breach: svc.BreachDetail,
                                                            tmp_path: Path) -> None:
    household_crm(org_ctx, tmp_path)
    found = svc.find_affected_in_csv(org_ctx, leaked(tmp_path))
    assert found.errors == () and found.warning() == ""
    result = svc.add_found(org_ctx, breach.reference, found, ACTOR)
    assert result.not_searched == () and "could not be searched" not in result.message()
    entry = [e for e in svc.history(org_ctx, breach.reference) if e.action == "affected-add"][-1]
    assert "connections_not_searched" not in entry.changes


def test_cli_says_which_connections_were_not_searched(org_ctx: AppContext, breach: svc.BreachDetail,
                                                      broken: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--data-dir", str(org_ctx.paths.data_dir)]
    assert main([*d, "breach", "affected-add", breach.reference, "--csv", str(leaked(tmp_path))]) == 0
    out, err = capsys.readouterr()
    assert "2 added" in out and "2 connections could not be searched, so the list may be incomplete" in out
    assert err.startswith("privdesk: 2 connections could not be searched")
    assert f"archive: The database file {broken} does not exist" in err and "no such table: buyers" in err
    assert {p.email or p.phone for p in svc.list_affected(org_ctx, breach.reference)} == {ALICE[1], "+442079460999"}


@pytest.mark.postgres
def test_cli_asks_for_a_refused_password_as_search_does(org_ctx: AppContext, breach: svc.BreachDetail,
                                                        postgres_server: Server, postgres_db: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The server refuses a login without a password and none is saved: asked once on the
    terminal, kept for the process only; without a terminal, a plain line and exit 2."""
    household_pg(org_ctx, postgres_server, postgres_db)
    secrets.forget_session()
    csv_file = tmp_path / "leaked.csv"
    csv_file.write_text(f"{BOB[1]}\n", encoding="utf-8")
    d = ["--data-dir", str(org_ctx.paths.data_dir)]
    args = [*d, "breach", "affected-add", breach.reference, "--csv", str(csv_file)]

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)  # a script: no prompt, no hang
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "asks for a password" in err and "Enter it for this session" in err
    assert svc.count_affected(org_ctx, breach.reference) == 0

    prompts: list[str] = []

    def typed(prompt: str) -> str:
        prompts.append(prompt)
        return postgres_server.password

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", typed)
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert prompts == ["Password for pg: "]  # once, though every identifier runs a search
    assert "asks for a password" in err and "could not be searched" not in err and "1 added" in out
    assert [(p.name, p.email) for p in svc.list_affected(org_ctx, breach.reference)] == [BOB]
    assert keyring.get_password("privdesk", secrets.entry_name("pg", discovery.keyring_scope(org_ctx))) is None
    secret = postgres_server.password.encode()
    assert not [f for f in org_ctx.paths.data_dir.rglob("*") if f.is_file() and secret in f.read_bytes()]
