"""Erasure-plan benchmark (issue 14, point 8).

A database of 20 tables: ``customers`` and 19 tables referring to it, holding 10,000 rows about
one subject (the customer row plus 19 x ~526 dependent rows) among 105,000 rows of other
customers. The subject's search is attached to an erasure request; then, per engine (SQLite, and
PostgreSQL when a server can be started here), in one run:

  (a) planning and dry-running the erasure (``build_plan`` + ``dry_run``: the plan, every
      statement counted read-only, and the fresh search that detects stale plans); target <= 2 s;
  (b) the baseline: delete the same 10,000 rows one by one from Python, one ``DELETE`` statement
      per row, children first, in one transaction;
  (c) for comparison with (b): the plan's own statements (set-based, 500 keys each, every count
      checked) run through a write engine.

    .venv/bin/python benchmarks/erasure_bench.py [--no-pg]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    text,
)

TABLES = 20
PER_TABLE = 526  # 19 dependent tables x 526 (+1 in five of them) + the customer = 10,000 subject rows
OTHERS = 5_000
OTHER_ROWS = 100_000
SUBJECT = "subject@example.com"


def build(url: str) -> int:
    """The database; returns the number of the subject's rows."""
    md = MetaData()
    customers = Table("customers", md, Column("id", Integer, primary_key=True), Column("email", String(200)),
                      Column("full_name", String(100)))
    children = [Table(f"t{t:02d}", md, Column("id", Integer, primary_key=True),
                      Column("customer_id", Integer, ForeignKey("customers.id"), index=True), Column("note", String(50)))
                for t in range(1, TABLES)]
    engine = create_engine(url)
    rows = 1
    with engine.begin() as c:
        md.create_all(c)
        c.execute(insert(customers), [{"id": 1, "email": SUBJECT, "full_name": "Sub Ject"}]
                  + [{"id": i, "email": f"c{i}@example.com", "full_name": f"Cust {i}"} for i in range(2, OTHERS + 2)])
        next_id = 1
        for t, tbl in enumerate(children, start=1):
            n = PER_TABLE + (1 if t <= 5 else 0)
            data = [{"customer_id": 1, "note": f"row {i}"} for i in range(n)]
            data += [{"customer_id": 2 + (i % OTHERS), "note": f"other {i}"} for i in range(OTHER_ROWS // (TABLES - 1))]
            for d in data:
                d["id"] = next_id
                next_id += 1
            c.execute(insert(tbl), data)
            rows += n
        c.execute(text("CREATE INDEX ix_customers_email ON customers (lower(trim(email)))"))
    engine.dispose()
    return rows


def run_engine(label: str, url: str, work: Path, copy: Path | None = None) -> bool:
    from privdesk.discovery import writer
    from privdesk.discovery.connections import ConnectionSpec
    from privdesk.discovery.search import SearchOptions
    from privdesk.services import casefile, erasure
    from privdesk.services import discovery as ds
    from privdesk.services import requests as rq
    from privdesk.services.context import AppContext

    subject_rows = build(url)
    ctx = AppContext.open(work / f"data-{label}")
    ds.add_connection(ctx, "shop", url)
    ds.get_map(ctx, "shop")
    ref = rq.open_request(ctx, rq.NewRequest(type="erasure", law="gdpr", received=date.today(), name="Sub Ject",
                                             emails=(SUBJECT,)), actor="bench").reference
    result = ds.search(ctx, ds.make_query(ctx, emails=[SUBJECT]), ["shop"], SearchOptions(depth=1, row_cap=1000))
    casefile.attach_snapshot(ctx, ref, ds.make_snapshot(ctx, result, 1), "bench")
    assert len(result.matches) == subject_rows, (len(result.matches), subject_rows)

    start, cpu = time.perf_counter(), time.process_time()
    view = erasure.build_plan(ctx, ref, "bench")
    built = time.perf_counter() - start
    dry = erasure.dry_run(ctx, ref, view)
    planned, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert not dry.stale and sum(s.found for s in dry.steps) == subject_rows

    target = url
    if copy is not None:  # SQLite: each run on its own copy
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        target = f"sqlite:///{copy}"
    engine = create_engine(target)
    start = time.perf_counter()
    with engine.connect() as c:
        for step in view.plan.steps:
            for row in step.rows:
                c.execute(text(f'DELETE FROM "{step.table}" WHERE id = :id'), {"id": row.key["id"]})
        baseline = time.perf_counter() - start
        c.rollback()  # (c) then deletes the same rows
    engine.dispose()

    cmap = ds.cached_map(ctx, "shop")
    assert cmap is not None
    stmts = writer.statements(view.plan, "shop", cmap.schema)
    wengine = writer.build_write_engine(ConnectionSpec("w", target,
                                                       {"write_for": "shop"}), None)
    start = time.perf_counter()
    writer.execute_statements(wengine, stmts, 60.0, "shop")
    executed = time.perf_counter() - start
    wengine.dispose()
    ctx.close()
    ok = planned <= 2
    print(f"{label}: subject rows {subject_rows} in {TABLES} tables (+{OTHERS + OTHER_ROWS:,} rows of others)")
    print(f"  (a) plan + dry run:               {planned:6.3f} s   target <= 2 s  {'OK' if ok else 'MISSED'}"
          f"   (plan {built:.3f} s; CPU {cpu:.3f} s; load average {os.getloadavg()[0]:.1f})")
    print(f"  (b) baseline, row-by-row delete:  {baseline:6.3f} s")
    print(f"  (c) the plan's statements run:    {executed:6.3f} s   ({len(stmts)} statements)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    import keyring

    from tests.keyring_backend import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # the PostgreSQL password must not reach the real keyring
    work = Path(tempfile.mkdtemp(prefix="privdesk-erasure-bench-"))
    ok = True
    try:
        ok &= run_engine("sqlite", f"sqlite:///{work / 'shop.sqlite3'}", work, work / "copy.sqlite3")
        if not args.no_pg:
            try:
                from benchmarks.search_bench import PgServer

                server = PgServer()
            except Exception as exc:  # no server binaries here: SQLite alone
                print(f"postgresql: skipped ({exc})")
            else:
                try:
                    import psycopg

                    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=bench password=bench "
                                         "dbname=postgres", autocommit=True) as a:
                        a.execute('CREATE DATABASE "shop"')
                    ok &= run_engine("postgresql", server.url("shop"), work)
                finally:
                    server.stop()
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
