"""Issue point 8 on SQLite and across PrivDesk's own files: hostile names and values, writes
refused, and the keyring secret never written anywhere."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from privdesk.cli import main
from privdesk.discovery.connections import ConnectionSpec, build_engine, read_only
from privdesk.discovery.search import SearchQuery
from privdesk.services import discovery as svc
from privdesk.services.context import AppContext
from tests.integration.discovery.conftest import HOSTILE_EMAIL_COL, HOSTILE_TABLE


@pytest.mark.parametrize("value", ["' OR 1=1 --", "%", "_", "x\x00y", "b" * 10_000, '"; DROP TABLE customers; --'])
def test_hostile_values_sqlite(ctx: AppContext, company_sqlite: Path, value: str) -> None:
    svc.add_connection(ctx, "crm", f"sqlite:///{company_sqlite}")
    r = svc.search(ctx, SearchQuery(emails=(value,), phones=(value,), names=(value,), customer_ids=(value,)))
    assert not r.errors
    found = {(m.table, m.key["id"]) for m in r.matches}
    if value == "%":
        assert found == {("customers", 5)}
    elif value == "' OR 1=1 --":
        assert found == {(HOSTILE_TABLE, 2)}
    else:
        assert found == set()
    with sqlite3.connect(company_sqlite) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (5,)


def test_hostile_names_are_searchable(ctx: AppContext, company_sqlite: Path) -> None:
    svc.add_connection(ctx, "crm", f"sqlite:///{company_sqlite}")
    m = svc.get_map(ctx, "crm")
    t = m.table(HOSTILE_TABLE)
    assert t is not None and t.kinds()[HOSTILE_EMAIL_COL] == "email"
    r = svc.search(ctx, SearchQuery(emails=("aisha.khan@example.co.uk",)))
    hit = next(x for x in r.matches if x.table == HOSTILE_TABLE)
    assert hit.row["order"] == "x" and hit.matched_on == (HOSTILE_EMAIL_COL,)


def test_sqlite_search_connection_cannot_write(company_sqlite: Path) -> None:
    engine = build_engine(ConnectionSpec("crm", f"sqlite:///{company_sqlite}"), None)
    try:
        for stmt in ("INSERT INTO orders (id, customer_id, note) VALUES (99, 1, 'x')", "DELETE FROM customers",
                     "CREATE TABLE t (x)"):
            with read_only(engine, 5) as conn, pytest.raises(DBAPIError):
                conn.execute(text(stmt))
        # even with query_only switched off, the file is opened mode=ro
        with read_only(engine, 5) as conn, pytest.raises(DBAPIError, match="readonly"):
            conn.execute(text("PRAGMA query_only = OFF"))
            conn.execute(text("DELETE FROM customers"))
    finally:
        engine.dispose()
    with sqlite3.connect(company_sqlite) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (5,)


def test_sqlite_statement_timeout(tmp_path: Path) -> None:
    path = tmp_path / "slow.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(2000)])
    engine = build_engine(ConnectionSpec("slow", f"sqlite:///{path}"), None)
    try:
        with read_only(engine, 0.3) as conn, pytest.raises(DBAPIError, match="interrupted"):
            conn.execute(text("SELECT count(*) FROM t a, t b, t c")).all()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_secret_never_written_anywhere(data_dir: Path, postgres_db: str, company_sqlite: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import make_url

    from tests.integration.discovery.conftest import build_company

    build_company(postgres_db)
    secret = make_url(postgres_db).password
    assert secret
    d = ["--data-dir", str(data_dir), "--verbose"]
    # the password in the URL, in a wrong-password variant and through stdin: none may be written
    assert main([*d, "connection", "add", "pg", postgres_db]) == 0
    assert main([*d, "connection", "test", "pg"]) == 0
    assert main([*d, "connection", "map", "pg", "--json"]) == 0
    assert main([*d, "search", "--email", "aisha.khan@example.co.uk", "--json"]) == 0
    out = capsys.readouterr()
    result = json.loads(out.out[out.out.rindex('{\n  "matches"'):])
    assert result["errors"] == [] and any(m["table"] == "customers" for m in result["matches"])
    bad = make_url(postgres_db).set(password="Another-Secret-77").render_as_string(hide_password=False)
    assert main([*d, "connection", "add", "pg2", bad]) == 0
    assert main([*d, "connection", "test", "pg2"]) == 2
    logging.getLogger("privdesk").handlers[0].flush()
    written = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    assert (data_dir / "logs" / "privdesk.log").exists()
    assert b"connection pg added" in written  # the log is really there and being written
    for s in (secret, "Another-Secret-77"):
        assert s.encode() not in written
    err = capsys.readouterr().err
    assert secret not in err and "Another-Secret-77" not in err
    for h in list(logging.getLogger("privdesk").handlers):
        logging.getLogger("privdesk").removeHandler(h)
        h.close()
