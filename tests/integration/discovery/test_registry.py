"""The connection registry: URLs without passwords, the keyring, plain test messages, the CLI."""

from __future__ import annotations

import json
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from privdesk.cli import main
from privdesk.discovery import secrets
from privdesk.discovery.errors import PasswordNeeded
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services import discovery as svc
from privdesk.services.context import AppContext
from tests.keyring_backend import NoKeyring


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_add_moves_password_to_keyring(ctx: AppContext) -> None:
    info = svc.add_connection(ctx, "crm", "postgresql://alice:Very-Secret-42@127.0.0.1:1/crm")
    assert info.url == "postgresql+psycopg://alice@127.0.0.1:1/crm"
    assert info.warning is None
    entry = secrets.entry_name("crm", svc.keyring_scope(ctx))
    assert keyring.get_password("privdesk", entry) == "Very-Secret-42"
    with sqlite3.connect(ctx.paths.sqlite_path) as conn:  # type: ignore[arg-type]
        stored = conn.execute("SELECT url FROM connections").fetchall()
    assert stored == [("postgresql+psycopg://alice@127.0.0.1:1/crm",)]
    assert b"Very-Secret-42" not in _all_bytes(ctx.paths.data_dir)
    svc.remove_connection(ctx, "crm")
    assert keyring.get_password("privdesk", entry) is None
    with pytest.raises(NotFoundError):
        svc.remove_connection(ctx, "crm")


def test_duplicate_and_bad_names(ctx: AppContext, company_sqlite: Path) -> None:
    svc.add_connection(ctx, "a", f"sqlite:///{company_sqlite}")
    with pytest.raises(ValidationError, match="already exists"):
        svc.add_connection(ctx, "a", f"sqlite:///{company_sqlite}")
    with pytest.raises(ValidationError):
        svc.add_connection(ctx, "b", "nonsense")


@pytest.mark.postgres
def test_without_keyring_the_password_is_kept_for_the_session(ctx: AppContext, postgres_db: str) -> None:
    keyring.set_keyring(NoKeyring())
    secrets.forget_session()
    info = svc.add_connection(ctx, "pg", postgres_db)
    assert info.warning and "keyring" in info.warning and "this session" in info.warning
    assert svc.password_for(svc._spec(ctx, "pg")) == "privdesk-test"
    assert b"privdesk-test" not in _all_bytes(ctx.paths.data_dir)
    secrets.forget_session()  # a new session: the server asks for a password, so PrivDesk asks
    with pytest.raises(PasswordNeeded, match="Enter it for this session") as exc:
        svc.test_connection(ctx, "pg")
    assert exc.value.connection == "pg"
    svc.set_password("pg", "privdesk-test", session_only=True)
    assert svc.password_for(svc._spec(ctx, "pg")) == "privdesk-test"
    assert svc.test_connection(ctx, "pg").ok
    secrets.forget_session()


def test_probe_messages(ctx: AppContext, company_sqlite: Path, tmp_path: Path) -> None:
    svc.add_connection(ctx, "ok", f"sqlite:///{company_sqlite}")
    r = svc.test_connection(ctx, "ok")
    assert r.ok and "read-only" in r.message
    svc.add_connection(ctx, "missing", f"sqlite:///{tmp_path / 'nope.db'}")
    r = svc.test_connection(ctx, "missing")
    assert not r.ok and "does not exist" in r.message
    svc.add_connection(ctx, "nodriver", "oracle+cx_oracle://u:p@127.0.0.1/x")
    r = svc.test_connection(ctx, "nodriver")
    assert not r.ok and "driver" in r.message and "not installed" in r.message
    svc.add_connection(ctx, "refused", "postgresql://u:p@127.0.0.1:1/x")
    r = svc.test_connection(ctx, "refused")
    assert not r.ok and "cannot be reached" in r.message


@pytest.fixture
def tarpit() -> Iterator[int]:
    """A port that accepts TCP connections and never answers (a server that hangs)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield int(sock.getsockname()[1])
    sock.close()


def test_unreachable_host_answers_within_timeout(ctx: AppContext, tarpit: int) -> None:
    svc.add_connection(ctx, "hang", f"postgresql://u:p@127.0.0.1:{tarpit}/x")
    start = time.monotonic()
    r = svc.test_connection(ctx, "hang")
    assert time.monotonic() - start < 6.0
    assert not r.ok and "cannot be reached" in r.message


def test_cli_contract(data_dir: Path, company_sqlite: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    d = ["--data-dir", str(data_dir)]
    assert main([*d, "connection", "add", "crm", f"sqlite:///{company_sqlite}"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("Pg-Secret-1\n"))
    assert main([*d, "connection", "add", "pg", "postgresql://u@127.0.0.1:1/db", "--password-stdin"]) == 0
    opened = AppContext.open(data_dir)
    assert keyring.get_password("privdesk", secrets.entry_name("pg", svc.keyring_scope(opened))) == "Pg-Secret-1"
    opened.close()
    capsys.readouterr()
    assert main([*d, "connection", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in listed] == ["crm", "pg"]
    assert all("Secret" not in c["url"] for c in listed)
    assert main([*d, "connection", "test", "crm"]) == 0
    assert "Connected" in capsys.readouterr().out
    assert main([*d, "connection", "test", "pg"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be reached" in err
    assert main([*d, "connection", "map", "crm", "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    kinds = {(t["name"], c["name"]): c["kind"] for t in m["tables"] for c in t["columns"]}
    assert kinds[("customers", "email")] == "email"
    assert kinds[("customers", "phone")] == "phone"
    assert kinds[("customers", "customer_ref")] == "customer_id"
    assert main([*d, "connection", "override", "crm", "orders", "note", "email"]) == 0
    assert main([*d, "connection", "exclude", "crm", "employees"]) == 0
    capsys.readouterr()
    assert main([*d, "connection", "map", "crm", "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    tables = {t["name"]: t for t in m["tables"]}
    assert tables["employees"]["excluded"] is True
    note = next(c for c in tables["orders"]["columns"] if c["name"] == "note")
    assert note["kind"] == "email" and note["source"] == "override"
    assert main([*d, "connection", "remove", "pg"]) == 0
    assert main([*d, "connection", "remove", "pg"]) == 2
    assert "no connection called" in capsys.readouterr().err


def test_map_cache_refresh_keeps_overrides(ctx: AppContext, company_sqlite: Path) -> None:
    svc.add_connection(ctx, "crm", f"sqlite:///{company_sqlite}")
    assert svc.cached_map(ctx, "crm") is None
    m1 = svc.get_map(ctx, "crm")
    assert m1.table("customers") is not None
    svc.set_column_kind(ctx, "crm", "customers", "email", "none")
    m2 = svc.get_map(ctx, "crm", refresh=True)
    col = next(c for c in m2.table("customers").columns if c.column == "email")  # type: ignore[union-attr]
    assert col.kind is None and col.source == "override"
    svc.set_column_kind(ctx, "crm", "customers", "email", None)
    col = next(c for c in svc.get_map(ctx, "crm").table("customers").columns if c.column == "email")  # type: ignore[union-attr]
    assert col.kind == "email" and col.source == "name"
    with pytest.raises(ValidationError):
        svc.set_column_kind(ctx, "crm", "customers", "email", "shoe-size")


def test_search_exit_code_when_connections_fail(data_dir: Path, company_sqlite: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    d = ["--data-dir", str(data_dir)]
    assert main([*d, "connection", "add", "crm", f"sqlite:///{company_sqlite}"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("Pg-Secret-1\n"))
    assert main([*d, "connection", "add", "pg", "postgresql://u@127.0.0.1:1/db", "--password-stdin"]) == 0
    capsys.readouterr()
    # the only connection searched failed: a user error, not "0 rows"
    assert main([*d, "search", "--connection", "pg", "--email", "aisha.khan@example.co.uk"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("privdesk: Could not search pg: ")
    assert main([*d, "search", "--connection", "pg", "--email", "aisha.khan@example.co.uk", "--json"]) == 2
    assert capsys.readouterr().out == ""
    # one of two failed: the rows found are shown, the failure said on stderr
    assert main([*d, "search", "--email", "aisha.khan@example.co.uk"]) == 0
    out, err = capsys.readouterr()
    assert "aisha" in out.lower() or "crm/" in out
    assert "1 of 2 connections could not be searched" in err and "pg: " in err
    assert main([*d, "search", "--email", "aisha.khan@example.co.uk", "--json"]) == 0
    out, err = capsys.readouterr()
    assert [e["connection"] for e in json.loads(out)["errors"]] == ["pg"]
    assert "1 of 2 connections could not be searched" in err


# -- a write connection goes with its search connection --------------------------------------------

def _with_write_connections(ctx: AppContext) -> None:
    svc.add_connection(ctx, "shop", "postgresql://reader:Read-Pw-1@127.0.0.1:1/shop")
    svc.add_connection(ctx, "shop-w", "postgresql://writer:Write-Pw-2@127.0.0.1:1/shop",
                       options={"write_for": "shop"})
    svc.add_connection(ctx, "crm", "postgresql://reader@127.0.0.1:1/crm")
    svc.add_connection(ctx, "crm-w", "postgresql://writer:Crm-Write-3@127.0.0.1:1/crm", options={"write_for": "crm"})


def test_removing_a_connection_removes_its_write_connection_and_says_so(ctx: AppContext) -> None:
    from privdesk.services import audit, erasure

    _with_write_connections(ctx)
    scope = svc.keyring_scope(ctx)
    removed = svc.remove_connection(ctx, "shop", actor="priya@example.com")
    assert removed == svc.RemovedConnection("shop", ("shop-w",))
    assert removed.sentence() == ("Connection 'shop' removed, with its map and saved password. Its write connection "
                                  "'shop-w' was removed too, with its saved password (it wrote only to 'shop').")
    assert [c.name for c in svc.list_connections(ctx)] == ["crm", "crm-w"]
    assert secrets.get_password("shop", scope=scope) is None
    assert secrets.get_password("shop-w", scope=scope) is None
    assert secrets.get_password("crm-w", scope=scope) == "Crm-Write-3"  # another database's: untouched
    # the audit trail says what went, each connection in its own entry
    read = audit.history(ctx, "connection", "shop")[-1]
    assert read.action == "connection_remove" and read.actor == "priya@example.com"
    assert read.changes == {"url": ("postgresql+psycopg://reader@127.0.0.1:1/shop", None),
                            "write_connection": ("shop-w", None)}
    write = audit.history(ctx, "connection", "shop-w")
    assert [e.action for e in write] == ["connection_add", "connection_remove"]
    assert write[-1].changes == {"url": ("postgresql+psycopg://writer@127.0.0.1:1/shop", None),
                                 "write_for": ("shop", None)}
    assert write[-1].actor == "priya@example.com"
    assert audit.verify(ctx).ok
    # registered again, the search connection has no write connection left over from before
    svc.add_connection(ctx, "shop", "postgresql://reader@127.0.0.1:1/shop")
    assert erasure.write_connection_for(ctx, "shop") is None
    svc.add_connection(ctx, "shop-w2", "postgresql://writer@127.0.0.1:1/shop", options={"write_for": "shop"})


def test_removing_a_write_connection_leaves_its_search_connection(ctx: AppContext) -> None:
    _with_write_connections(ctx)
    removed = svc.remove_connection(ctx, "crm-w")
    assert removed.write_connections == ()
    assert removed.sentence() == "Connection 'crm-w' removed, with its map and saved password."
    assert [c.name for c in svc.list_connections(ctx)] == ["crm", "shop", "shop-w"]


def test_cli_remove_names_the_write_connection_it_removed(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    from privdesk.services import audit

    _with_write_connections(ctx)
    d = ["--data-dir", str(ctx.paths.data_dir)]
    capsys.readouterr()
    assert main([*d, "connection", "remove", "shop", "--as", "jonas@example.com"]) == 0
    out = capsys.readouterr().out
    assert "Connection 'shop' removed" in out and "Its write connection 'shop-w' was removed too" in out
    assert audit.history(ctx, "connection", "shop-w")[-1].actor == "jonas@example.com"
    assert main([*d, "connection", "remove", "crm"]) == 0
    assert "'crm-w' was removed too" in capsys.readouterr().out
    assert main([*d, "connection", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main([*d, "connection", "remove", "shop-w"]) == 2
    assert "no connection called 'shop-w'" in capsys.readouterr().err
