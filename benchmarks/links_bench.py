"""Link-inference benchmark (issue 9, point 9).

(1) Inference over a schema of 200 tables and 5 million rows that declares no foreign key
    (20 key tables, 180 tables referring to two of them by ``<table>_id`` columns, no index on
    those columns), with bounded sampling (``links.SAMPLE_SIZE`` values, at most
    ``links.SAMPLE_ROWS`` rows read per column); target <= 10 s. Baseline, measured in the same
    run: the same candidate pairs each checked with a full ``IN`` scan
    (``count(*) ... WHERE col IN (SELECT key FROM target)`` plus the non-null count).
(2) The subject search over the search benchmark's databases (benchmarks/search_bench.py, the
    same generator) with its foreign keys dropped and the proposals accepted, beside the same
    search with the keys declared; target: within 1.5x.

SQLite files live under /tmp/privdesk-bench-links (reused; --rebuild to start over).

    .venv/bin/python benchmarks/links_bench.py
    .venv/bin/python benchmarks/links_bench.py --rows 1000000 --search-scale 0.1
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path("/tmp/privdesk-bench-links")
KEY_TABLES = 20
FACT_TABLES = 180
KEY_ROWS = 10_000


def build_wide(path: Path, total_rows: int) -> None:
    """200 tables, ``total_rows`` rows, no foreign keys declared."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    rng = random.Random(9)
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    for k in range(KEY_TABLES):
        conn.execute(f"CREATE TABLE account_{k:02d} (id INTEGER PRIMARY KEY, code TEXT, label TEXT)")
        conn.executemany(f"INSERT INTO account_{k:02d} VALUES (?, ?, ?)",
                         ((i, f"A{k}-{i}", f"label {i % 97}") for i in range(1, KEY_ROWS + 1)))
    per_fact = max(1, (total_rows - KEY_TABLES * KEY_ROWS) // FACT_TABLES)
    for f in range(FACT_TABLES):
        a, b = rng.sample(range(KEY_TABLES), 2)
        conn.execute(f"CREATE TABLE fact_{f:03d} (id INTEGER PRIMARY KEY, account_{a:02d}_id INTEGER, "
                     f"account_{b:02d}_id INTEGER, amount INTEGER, note TEXT)")
        conn.executemany(f"INSERT INTO fact_{f:03d} VALUES (?, ?, ?, ?, ?)",
                         ((i, rng.randrange(1, KEY_ROWS + 1), rng.randrange(1, KEY_ROWS + 1) if i % 5 else None,
                           rng.randrange(1, 10_000), "n") for i in range(1, per_fact + 1)))
    conn.commit()
    conn.close()
    tmp.rename(path)


def schema_of(url: str) -> Any:
    from sqlalchemy import create_engine

    from privdesk.discovery.introspect import introspect

    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            return introspect(conn, sample=False)
    finally:
        eng.dispose()


def bench_inference(url: str) -> tuple[float, float, int, int, float]:
    """(bounded inference s, full-scan baseline s, proposals, pairs checked, introspection s)."""
    from sqlalchemy import create_engine, text

    from privdesk.discovery.links import infer_links, propose_by_name

    t = time.perf_counter()
    schema = schema_of(url)
    introspection = time.perf_counter() - t
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            t = time.perf_counter()
            found = infer_links(conn, schema)
            bounded = time.perf_counter() - t
            pairs = propose_by_name(schema)
            t = time.perf_counter()
            for lk in pairs:
                col, key = lk.from_columns[0], lk.to_columns[0]
                conn.execute(text(f'SELECT count("{col}") FROM "{lk.from_table}"')).scalar()
                conn.execute(text(f'SELECT count(*) FROM "{lk.from_table}" WHERE "{col}" IN '
                                  f'(SELECT "{key}" FROM "{lk.to_table}")')).scalar()
            baseline = time.perf_counter() - t
    finally:
        eng.dispose()
    return bounded, baseline, len(found), len(pairs), introspection


def drop_foreign_keys(src: Path, dst: Path) -> None:
    """A copy of a SQLite file whose tables declare no foreign key (indexes kept)."""
    if dst.exists():
        return
    tmp = dst.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    conn.execute("ATTACH DATABASE ? AS old", (str(src),))
    rows = conn.execute("SELECT type, name, sql FROM old.sqlite_master WHERE sql IS NOT NULL "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index'").fetchall()
    for kind, name, sql in rows:
        if kind == "table":
            conn.execute(re.sub(r"\s+REFERENCES\s+\w+\s*\(\w+\)", "", sql))
            conn.execute(f"INSERT INTO main.{name} SELECT * FROM old.{name}")
    conn.commit()
    for kind, _name, sql in rows:
        if kind == "index":
            conn.execute(sql)
    conn.execute("ANALYZE")  # the original was analysed too: the same planner statistics
    conn.commit()
    conn.execute("DETACH DATABASE old")
    conn.close()
    tmp.rename(dst)


def bench_search(scale: float, rounds: int) -> tuple[float, float, int, int]:
    """(p50 with declared keys, p50 with accepted links, rows found each way)."""
    import search_bench as sb
    from sqlalchemy import create_engine

    from privdesk.discovery.connections import ENGINES, ConnectionSpec
    from privdesk.discovery.introspect import build_map
    from privdesk.discovery.links import ACCEPTED, infer_links
    from privdesk.discovery.search import SearchOptions, SearchQuery, SearchTarget, run_search

    folder = ROOT / f"search-{scale}"
    declared_paths = sb.build_sqlite(folder / "declared", scale)
    sb.set_indexes_sqlite(declared_paths, True)
    targets_fk: list[SearchTarget] = []
    targets_links: list[SearchTarget] = []
    for name, path in declared_paths.items():
        nofk = folder / "nofk" / f"{name}.sqlite3"
        nofk.parent.mkdir(parents=True, exist_ok=True)
        drop_foreign_keys(path, nofk)
        schema_fk = schema_of(f"sqlite:///{path}")
        schema_nofk = schema_of(f"sqlite:///{nofk}")
        assert not any(t.foreign_keys for t in schema_nofk.tables)
        eng = create_engine(f"sqlite:///{nofk}")
        with eng.connect() as conn:
            accepted = [lk.__class__(lk.from_table, lk.from_columns, lk.to_table, lk.to_columns, ACCEPTED,
                                     lk.score, lk.evidence) for lk in infer_links(conn, schema_nofk)]
        eng.dispose()
        targets_fk.append(SearchTarget(ConnectionSpec(f"{name}-fk", f"sqlite:///{path}"), None,
                                       build_map(name, schema_fk, {}, set()), engines=ENGINES))
        targets_links.append(SearchTarget(ConnectionSpec(f"{name}-links", f"sqlite:///{nofk}"), None,
                                          build_map(name, schema_nofk, {}, set(), accepted_links=accepted),
                                          engines=ENGINES))
    n_customers = sb.counts(scale)["customers"]
    rng = random.Random(4)
    emails = [sb.email_of(rng.randrange(1, n_customers + 1)) for _ in range(rounds)]

    def p50(targets: list[SearchTarget]) -> tuple[float, int]:
        times, rows = [], 0
        run_search(targets, SearchQuery(emails=(emails[0],)), SearchOptions(depth=2))  # warm caches
        for e in emails:
            t = time.perf_counter()
            r = run_search(targets, SearchQuery(emails=(e,)), SearchOptions(depth=2))
            times.append(time.perf_counter() - t)
            if r.errors:
                raise RuntimeError(f"search errors: {r.errors}")
            rows += sum(1 for m in r.matches if m.role == "subject")
        return statistics.median(times), rows

    # interleave so both see the same machine load
    a1, ra = p50(targets_fk)
    b1, rb = p50(targets_links)
    a2, _ = p50(targets_fk)
    b2, _ = p50(targets_links)
    return min(a1, a2), min(b1, b2), ra, rb


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=5_000_000, help="rows of the 200-table schema")
    ap.add_argument("--search-scale", type=float, default=0.2, help="scale of the search benchmark data")
    ap.add_argument("--rounds", type=int, default=31, help="searches per measurement")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if args.rebuild and ROOT.exists():
        shutil.rmtree(ROOT)
    from privdesk.discovery.links import SAMPLE_ROWS, SAMPLE_SIZE, THRESHOLD

    wide = ROOT / f"wide-{args.rows}.sqlite3"
    t = time.perf_counter()
    build_wide(wide, args.rows)
    print(f"schema: {KEY_TABLES + FACT_TABLES} tables, {args.rows:,} rows (built/reused in "
          f"{time.perf_counter() - t:.1f} s)")
    bounded, baseline, found, pairs, introspection = bench_inference(f"sqlite:///{wide}")
    print(f"(1) link inference, sample {SAMPLE_SIZE} values (<= {SAMPLE_ROWS} rows read), threshold {THRESHOLD}: "
          f"{bounded:.2f} s for {pairs} candidate pairs, {found} proposals shown  [target <= 10 s: "
          f"{'ok' if bounded <= 10 else 'MISSED'}]")
    print(f"    baseline, full IN scan of every candidate pair: {baseline:.2f} s  "
          f"({baseline / bounded:.1f}x the bounded inference); reading the 200 tables' schema first: "
          f"{introspection:.2f} s")
    fk, linked, ra, rb = bench_search(args.search_scale, args.rounds)
    ratio = linked / fk if fk else float("inf")
    print(f"(2) search p50 over the search benchmark (scale {args.search_scale}): declared keys {fk * 1000:.0f} ms, "
          f"keys dropped + proposals accepted {linked * 1000:.0f} ms = {ratio:.2f}x  [target <= 1.5x: "
          f"{'ok' if ratio <= 1.5 else 'MISSED'}]; subject rows found {ra} / {rb}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
