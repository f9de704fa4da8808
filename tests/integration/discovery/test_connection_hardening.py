"""Issue 11 points 1-3 and issue 9 point 6: URL options, secrets in the keyring scoped by case
database, and connections that need no password (trust, .pgpass) on a machine without a keyring."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import keyring
import pymysql
import pytest
from sqlalchemy import make_url

from privdesk.cli import main
from privdesk.discovery import secrets
from privdesk.discovery.connections import split_url
from privdesk.discovery.errors import ConnectionFailed
from privdesk.errors import ValidationError
from privdesk.services import discovery as svc
from privdesk.services.context import AppContext
from tests.keyring_backend import NoKeyring
from tests.servers import Server


@pytest.mark.parametrize("url", [
    "mysql://bob@host/crm?init_command=DROP+TABLE+customers",
    "mysql://bob@host/crm?local_infile=1",
    "mariadb://bob@host/crm?read_default_file=/etc/evil.cnf",
    "postgresql://bob@host/crm?options=-c%20default_transaction_read_only%3Doff",
])
def test_unknown_url_options_are_refused_by_name(url: str) -> None:
    option = next(iter(make_url(url).query))
    with pytest.raises(ValidationError, match=f"URL option '{option}' is not accepted") as exc:
        split_url(url)
    assert "Accepted options:" in exc.value.message


def test_allowed_options_kept_and_secret_options_split_off() -> None:
    p = split_url("mysql://bob@db/shop?charset=utf8mb4&ssl_ca=/ca.pem&passwd=Hunter-2&ssl_key_password=K3y")
    assert "charset=utf8mb4" in p.url and "ssl_ca=" in p.url
    assert "Hunter-2" not in p.url and "K3y" not in p.url
    assert p.password == "Hunter-2" and p.secret_options == {"ssl_key_password": "K3y"}
    p = split_url("postgresql://al@db/crm?sslmode=verify-full&sslpassword=Pk-Secret&connect_timeout=3")
    assert "sslpassword" not in p.url and "sslmode=verify-full" in p.url
    assert p.secret_options == {"sslpassword": "Pk-Secret"}


@pytest.mark.mariadb
def test_init_command_cannot_drop_a_table(ctx: AppContext, mariadb_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = make_url(mariadb_db)
    admin = {"host": url.host, "port": url.port, "user": url.username, "password": url.password, "database": url.database}
    with pymysql.connect(**admin) as conn, conn.cursor() as cur:  # type: ignore[arg-type]
        cur.execute("CREATE TABLE customers (id INT PRIMARY KEY)")
    hostile = url.update_query_dict({"init_command": "DROP TABLE customers"})
    d = ["--data-dir", str(ctx.paths.data_dir)]
    assert main([*d, "connection", "add", "crm", hostile.render_as_string(hide_password=False)]) == 2
    assert "'init_command' is not accepted" in capsys.readouterr().err
    # A connection registered by an older version with the option still in its stored URL is
    # refused when it is used, before anything reaches the server.
    svc.add_connection(ctx, "crm", mariadb_db)
    with sqlite3.connect(ctx.paths.sqlite_path) as db:  # type: ignore[arg-type]
        stored = db.execute("SELECT url FROM connections WHERE name='crm'").fetchone()[0]
        db.execute("UPDATE connections SET url=? WHERE name='crm'",
                   (make_url(stored).update_query_dict({"init_command": "DROP TABLE customers"})
                    .render_as_string(hide_password=False),))
    result = svc.test_connection(ctx, "crm")
    assert not result.ok and "init_command" in result.message
    with pytest.raises(ConnectionFailed, match="init_command"):
        svc.get_map(ctx, "crm", refresh=True)
    with pymysql.connect(**admin) as conn, conn.cursor() as cur:  # type: ignore[arg-type]
        cur.execute("SELECT count(*) FROM customers")  # still there
        assert cur.fetchone() == (0,)


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_secret_options_go_to_the_keyring(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    svc.add_connection(ctx, "shop", "mysql://bob@127.0.0.1:1/shop?passwd=Pw-In-Query&ssl_key_password=Key-Pw-7")
    svc.add_connection(ctx, "crm", "postgresql://al@127.0.0.1:1/crm?sslpassword=Ssl-Pw-8&sslmode=require")
    for secret in (b"Pw-In-Query", b"Key-Pw-7", b"Ssl-Pw-8"):
        assert secret not in _all_bytes(ctx.paths.data_dir)
    capsys.readouterr()
    assert main(["--data-dir", str(ctx.paths.data_dir), "connection", "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert "Pw-In-Query" not in out and "Key-Pw-7" not in out and "Ssl-Pw-8" not in out
    assert "sslmode=require" in out
    scope = svc.keyring_scope(ctx)
    assert secrets.get_password("shop", scope=scope) == "Pw-In-Query"
    spec = svc._spec(ctx, "crm")
    assert dict(spec.secret_options) == {"sslpassword": "Ssl-Pw-8"}
    assert "Ssl-Pw-8" not in repr(spec)
    svc.remove_connection(ctx, "crm")
    assert secrets.get_secret_options("crm", scope=scope) == {}


def test_two_data_directories_keep_their_own_passwords(tmp_path: Path) -> None:
    a, b = AppContext.open(tmp_path / "org-a"), AppContext.open(tmp_path / "org-b")
    try:
        svc.add_connection(a, "crm", "postgresql://u:Password-A@127.0.0.1:1/crm")
        svc.add_connection(b, "crm", "postgresql://u:Password-B@127.0.0.1:1/crm")
        assert svc.password_for(svc._spec(a, "crm")) == "Password-A"
        assert svc.password_for(svc._spec(b, "crm")) == "Password-B"
        svc.remove_connection(b, "crm")
        assert svc.password_for(svc._spec(a, "crm")) == "Password-A"
    finally:
        a.close()
        b.close()


def test_legacy_entries_are_migrated(ctx: AppContext) -> None:
    svc.add_connection(ctx, "crm", "postgresql://u@127.0.0.1:1/crm")
    keyring.set_password("privdesk", "crm", "Old-Style")  # written by an older version
    scope = svc.keyring_scope(ctx)
    assert keyring.get_password("privdesk", secrets.entry_name("crm", scope)) is None
    assert svc.password_for(svc._spec(ctx, "crm")) == "Old-Style"
    assert keyring.get_password("privdesk", secrets.entry_name("crm", scope)) == "Old-Style"


@pytest.mark.postgres
def test_pgpass_works_without_keyring(ctx: AppContext, postgres_server: Server, postgres_db: str,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 9 point 6: no keyring, no password saved, the password in .pgpass: no prompt."""
    keyring.set_keyring(NoKeyring())
    secrets.forget_session()
    url = make_url(postgres_db)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{postgres_server.port}:*:privdesk:privdesk-test\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    bare = f"postgresql://privdesk@127.0.0.1:{postgres_server.port}/{url.database}"
    info = svc.add_connection(ctx, "pg", bare)
    assert info.warning is None and not info.has_password
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)  # a prompt would fail, not hang
    d = ["--data-dir", str(ctx.paths.data_dir)]
    assert main([*d, "connection", "test", "pg"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main([*d, "connection", "map", "pg", "--json"]) == 0, capsys.readouterr().err
    assert "tables" in json.loads(capsys.readouterr().out)
    assert main([*d, "search", "--email", "nobody@example.com", "--connection", "pg", "--json"]) == 0
    monkeypatch.delenv("PGPASSFILE")  # now the server really asks: exit 2 with a plain line
    svc.remove_connection(ctx, "pg")
    svc.add_connection(ctx, "pg", bare)
    capsys.readouterr()
    assert main([*d, "connection", "test", "pg"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Enter it for this session" in err


@pytest.mark.mariadb
def test_account_without_password_works_without_keyring(ctx: AppContext, mariadb_server: Server,
                                                        mariadb_db: str) -> None:
    keyring.set_keyring(NoKeyring())
    secrets.forget_session()
    url = make_url(mariadb_db)
    with pymysql.connect(host=url.host, port=url.port, user="privdesk", password="privdesk-test") as conn, \
            conn.cursor() as cur:  # type: ignore[arg-type]
        cur.execute("CREATE USER IF NOT EXISTS 'nopw'@'%'")
        cur.execute(f"GRANT SELECT ON `{url.database}`.* TO 'nopw'@'%'")
    svc.add_connection(ctx, "maria", f"mysql://nopw@127.0.0.1:{url.port}/{url.database}")
    assert svc.password_for(svc._spec(ctx, "maria")) is None
    assert svc.test_connection(ctx, "maria").ok


def test_changes_to_what_a_search_covers_are_audited(ctx: AppContext, tmp_path: Path) -> None:
    """Issue 11 point 17: map overrides, table exclusions and connection changes are audited."""
    from privdesk.services import audit
    from tests.integration.discovery.conftest import build_company

    path = tmp_path / "crm.sqlite3"
    build_company(f"sqlite:///{path}")
    svc.add_connection(ctx, "crm", f"sqlite:///{path}", actor="priya@example.com")
    svc.set_column_kind(ctx, "crm", "orders", "note", "email", actor="priya@example.com")
    svc.set_column_kind(ctx, "crm", "orders", "note", None, actor="priya@example.com")
    svc.set_table_excluded(ctx, "crm", "employees", True, actor="priya@example.com")
    svc.set_table_excluded(ctx, "crm", "employees", False)
    svc.remove_connection(ctx, "crm", actor="priya@example.com")
    events = audit.history(ctx, "connection", "crm")
    assert [e.action for e in events] == ["connection_add", "map_override", "map_override", "table_exclude",
                                          "table_include", "connection_remove"]
    assert events[1].changes == {"orders.note": ("automatic", "email")}
    assert events[2].changes == {"orders.note": ("email", "automatic")}
    assert events[3].changes == {"employees": ("searched", "excluded")}
    assert events[0].actor == "priya@example.com" and events[4].actor  # the OS user when none is named
    assert str(path) in str(events[0].changes["url"][1])
    assert audit.verify(ctx).ok
