"""Erasure-plan benchmark (issue 14, point 8).

A SQLite database of 20 tables: ``customers`` and 19 tables referring to it, holding 10,000 rows
about one subject (the customer row plus 19 x 526 dependent rows) among 100,000 rows of other
customers. The subject's search is attached to an erasure request; then, in one run:

  (a) planning and dry-running the erasure (``build_plan`` + ``dry_run``: the plan, every
      statement counted read-only, and the fresh search that detects stale plans); target <= 2 s;
  (b) the naive baseline: delete the same 10,000 rows one by one from Python, one ``DELETE``
      statement per row (in one transaction, on a copy of the file);
  (c) for comparison with (b): the plan's own statements (set-based, 500 keys each, every
      count checked) run through a write engine on another copy.

    .venv/bin/python benchmarks/erasure_bench.py
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TABLES = 20
PER_TABLE = 526  # 19 dependent tables x 526 + the customer = 9,995 (+5 below) = 10,000 subject rows
OTHERS = 5_000
SUBJECT = "subject@example.com"


def build(path: Path) -> int:
    """The database; returns the number of the subject's rows."""
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, full_name TEXT)")
        c.executemany("INSERT INTO customers VALUES (?,?,?)",
                      [(1, SUBJECT, "Sub Ject")] + [(i, f"c{i}@example.com", f"Cust {i}") for i in range(2, OTHERS + 2)])
        rows = 1
        for t in range(1, TABLES):
            n = PER_TABLE + (1 if t <= 5 else 0)
            c.execute(f"CREATE TABLE t{t:02d} (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), "
                      "note TEXT)")
            c.execute(f"CREATE INDEX ix_t{t:02d}_customer ON t{t:02d}(customer_id)")
            data = [(None, 1, f"row {i}") for i in range(n)]
            data += [(None, 2 + (i % OTHERS), f"other {i}") for i in range(100_000 // (TABLES - 1))]
            c.executemany(f"INSERT INTO t{t:02d} VALUES (?,?,?)", data)
            rows += n
        c.execute("CREATE INDEX ix_customers_email ON customers(lower(trim(email)))")
    return rows


def main() -> int:
    logging.disable(logging.INFO)
    from privdesk.discovery.search import SearchOptions
    from privdesk.services import casefile, erasure
    from privdesk.services import discovery as ds
    from privdesk.services import requests as rq
    from privdesk.services.context import AppContext

    work = Path(tempfile.mkdtemp(prefix="privdesk-erasure-bench-"))
    try:
        db = work / "shop.sqlite3"
        subject_rows = build(db)
        ctx = AppContext.open(work / "data")
        ds.add_connection(ctx, "shop", f"sqlite:///{db}")
        ds.get_map(ctx, "shop")
        ref = rq.open_request(ctx, rq.NewRequest(type="erasure", law="gdpr", received=date.today(), name="Sub Ject",
                                                 emails=(SUBJECT,)), actor="bench").reference
        result = ds.search(ctx, ds.make_query(ctx, emails=[SUBJECT]), ["shop"], SearchOptions(depth=1, row_cap=1000))
        casefile.attach_snapshot(ctx, ref, ds.make_snapshot(ctx, result, 1), "bench")
        assert len(result.matches) == subject_rows, (len(result.matches), subject_rows)

        start = time.perf_counter()
        view = erasure.build_plan(ctx, ref, "bench")
        dry = erasure.dry_run(ctx, ref, view)
        planned = time.perf_counter() - start
        assert not dry.stale and sum(s.found for s in dry.steps) == subject_rows

        copy = work / "baseline.sqlite3"
        shutil.copyfile(db, copy)
        start = time.perf_counter()
        with sqlite3.connect(copy) as c:
            for step in view.plan.steps:
                for row in step.rows:
                    c.execute(f'DELETE FROM "{step.table}" WHERE id = ?', (row.key["id"],))
        baseline = time.perf_counter() - start
        from privdesk.discovery import writer
        from privdesk.discovery.connections import ConnectionSpec

        copy2 = work / "planned.sqlite3"
        shutil.copyfile(db, copy2)
        cmap = ds.cached_map(ctx, "shop")
        assert cmap is not None
        stmts = writer.statements(view.plan, "shop", cmap.schema)
        engine = writer.build_write_engine(ConnectionSpec("w", f"sqlite:///{copy2}", {"write_for": "shop"}), None)
        start = time.perf_counter()
        writer.execute_statements(engine, stmts, 30.0, "shop")
        executed = time.perf_counter() - start
        engine.dispose()
        ctx.close()
        print(f"subject rows: {subject_rows} in {TABLES} tables (+{OTHERS + 100_000:,} rows of others)")
        print(f"(a) plan + dry run:               {planned:6.3f} s   target <= 2 s  "
              f"{'OK' if planned <= 2 else 'MISSED'}")
        print(f"(b) baseline, row-by-row delete:  {baseline:6.3f} s")
        print(f"(c) the plan's statements run:    {executed:6.3f} s   ({len(stmts)} statements)")
        return 0 if planned <= 2 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
