"""The demo databases: created once, registered, and the demo subjects found in them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from privdesk.discovery.demo_data import DEMO_SUBJECTS
from privdesk.discovery.search import SearchOptions, SearchQuery
from privdesk.services import discovery as svc
from privdesk.services.context import AppContext


def test_demo_connections_idempotent_and_searchable(ctx: AppContext) -> None:
    line = svc.seed_demo_connections(ctx)
    assert "3 connections registered" in line
    folder = ctx.paths.data_dir / "demo-databases"
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert set(mtimes) == {"crm.sqlite3", "shop.sqlite3", "marketing.sqlite3"}
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in folder.iterdir())
    assert "0 connections registered" in svc.seed_demo_connections(ctx)
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes
    assert [c.name for c in svc.list_connections(ctx)] == ["demo-crm", "demo-marketing", "demo-shop"]

    with sqlite3.connect(folder / "crm.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] >= 3000
        emails = [r[0] for r in conn.execute("SELECT email FROM customers LIMIT 200")]
    assert any(e != e.strip() for e in emails) and any(e != e.lower() for e in emails)
    with sqlite3.connect(folder / "shop.sqlite3") as conn:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(payments)")]
    assert not any("card" in c and "number" in c for c in cols)

    for s in DEMO_SUBJECTS:
        r = svc.search(ctx, SearchQuery(emails=(s.email,)), options=SearchOptions(depth=1))
        assert not r.errors
        conns = {m.connection for m in r.matches if m.via is None}
        assert "demo-crm" in conns, s.email
        if s.phone:
            rp = svc.search(ctx, SearchQuery(phones=(s.phone,)), options=SearchOptions(depth=0))
            assert {m.connection for m in rp.matches} >= {"demo-crm"} and len(rp.matches) >= 2, s.phone
        rn = svc.search(ctx, SearchQuery(names=(f"{s.first} {s.last}",)), options=SearchOptions(depth=0))
        assert any(m.table == "customers" for m in rn.matches), s.first
    aisha = svc.search(ctx, SearchQuery(phones=("+44 20 7946 0958",)))
    tables = {(m.connection, m.table) for m in aisha.matches}
    assert {("demo-crm", "customers"), ("demo-shop", "orders"), ("demo-shop", "order_items"),
            ("demo-shop", "payments"), ("demo-marketing", "subscribers")} <= tables


def test_same_cast_same_databases(tmp_path: Path) -> None:
    """Deterministic: two builds with the demo's cast hold the very same rows."""
    from privdesk.discovery.demo_data import build_demo_databases
    from privdesk.services.demo_cast import demo_people

    dumps = []
    for name in ("one", "two"):
        paths = build_demo_databases(tmp_path / name, cast=demo_people())
        dump = {}
        for db, path in paths.items():
            with sqlite3.connect(path) as conn:
                dump[db] = list(conn.iterdump())
        dumps.append(dump)
    assert dumps[0] == dumps[1]
    assert any("support_tickets" in line for line in dumps[0]["crm"])
