"""Dashboard benchmark: 100,000 requests, the SQL-aggregated dashboard against a Python baseline.

Run: ``python benchmarks/dashboard_bench.py`` (``make bench``). Fills a fresh SQLite case database
with 100,000 requests over two years (answered on time and late, extended, denied, withdrawn,
open and overdue, six officers), then measures:

* refresh:  :func:`privdesk.services.dashboard.dashboard` for this month, the window's refresh
  (median of 5 after one warm-up), target <= 300 ms;
* baseline: every row read into Python and the same figures computed there (one run), with a
  check that both give the same numbers;
* report:   the compliance report of the last 12 months as a PDF, target <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N_DEFAULT = 100_000
TARGETS = {"refresh_s": 0.300, "report_s": 5.0}
_LAWS = (("gdpr", 30), ("uk-gdpr", 30), ("ccpa", 45), ("lgpd", 15), ("vcdpa", 45), ("cpa", 45))
_TYPES = ("access", "erasure", "opt-out", "rectification", "objection", "restriction", "portability")
_DENY = ("Manifestly unfounded", "Identity could not be verified", "Excessive: repeat request")


def fill(data_dir: Path, n: int, today: date) -> float:
    """Create the case database and insert ``n`` requests with executemany; returns seconds."""
    from sqlalchemy import insert

    from privdesk.services import settings
    from privdesk.services.context import AppContext
    from privdesk.store.request_models import Request

    ctx = AppContext.open(data_dir)
    officers = [settings.add_officer(ctx, f"Officer {i}", f"officer{i}@example.org").id for i in range(6)]
    rng = random.Random(15)
    t0 = time.perf_counter()
    with ctx.db.engine.begin() as conn:
        for start in range(0, n, 10_000):
            rows: list[dict[str, Any]] = []
            for i in range(start, min(n, start + 10_000)):
                law, days = _LAWS[i % len(_LAWS)]
                received = today - timedelta(days=rng.randint(0, 730))
                due = received + timedelta(days=days)
                extended = rng.random() < 0.08
                deadline = due + timedelta(days=days) if extended else due
                age = (today - received).days
                roll = rng.random()
                decided: date | None = None
                reason = ""
                if age > 20 and roll < 0.85:
                    status = "completed" if roll < 0.75 else ("denied" if roll < 0.80 else "withdrawn")
                    decided = min(today, received + timedelta(days=rng.randint(3, (deadline - received).days + 12)))
                    reason = _DENY[i % len(_DENY)] if status == "denied" else "Answered"
                else:
                    status = ("received", "verifying", "in_progress", "extended")[i % 4]
                    if extended:
                        status = "extended"
                rows.append({
                    "id": i + 1, "reference": f"DSR-{received.year}-{i + 1:06d}", "type": _TYPES[i % len(_TYPES)],
                    "law": law, "channel": "email", "received": received, "clock_start": received, "due": due,
                    "extended_due": due + timedelta(days=days), "acknowledge_by": None, "deadline": deadline,
                    "extension_reason": "Complex request" if extended else "", "subject_name": f"Person {i}",
                    "subject_key": f"person {i}", "subject_address": "", "primary_email": f"p{i}@example.org",
                    "requester": "", "verification": "verified", "verified_on": received,
                    "assignee_id": officers[i % len(officers)] if i % 9 else None, "status": status,
                    "outcome": "", "decision_reason": reason, "decided_by": "", "decided_on": decided, "notes": "",
                    "holiday_country": "", "holiday_subdivision": "", "duplicate_of": "", "merged_into": "",
                    "search_text": f"person {i}", "version": 1,
                })
            conn.execute(insert(Request.__table__), rows)
    elapsed = time.perf_counter() - t0
    with ctx.db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    ctx.close()
    return elapsed


def baseline(ctx: Any, today: date, period: Any) -> dict[str, Any]:
    """The same headline figures from every row read into Python (what a naive dashboard does)."""
    from sqlalchemy import select

    from privdesk.domain.periods import DUE_SOON_DAYS, median
    from privdesk.store.request_models import Request

    cols = (Request.status, Request.type, Request.law, Request.assignee_id, Request.received, Request.deadline,
            Request.decided_on, Request.extension_reason, Request.paused_since)
    with ctx.db.session() as s:
        rows = s.execute(select(*cols)).all()
    open_statuses = {"received", "verifying", "in_progress", "extended"}
    c: Counter[str] = Counter()
    by_officer: Counter[Any] = Counter()
    days: Counter[int] = Counter()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    for status, _t, _law, who, received, deadline, decided, ext, paused in rows:
        is_open = status in open_statuses
        running = is_open and paused is None
        c["open"] += is_open
        by_officer[who] += is_open
        c["overdue"] += running and deadline < today
        c["due_soon"] += running and today <= deadline <= soon
        in_period = decided is not None and period.start <= decided <= period.end
        if status in ("completed", "denied") and in_period:
            c["closed"] += 1
            c["closed_on_time"] += decided <= deadline
            days[(decided - received).days] += 1
        c["denied"] += status == "denied" and in_period
        c["withdrawn"] += status == "withdrawn" and in_period
        c["received"] += period.start <= received <= period.end
        c["extended"] += period.start <= received <= period.end and bool(ext)
    out = dict(c)
    out["median"] = median(dict(days))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=N_DEFAULT, help="number of requests (default 100,000)")
    args = ap.parse_args()

    from privdesk.domain.periods import preset
    from privdesk.services.context import AppContext
    from privdesk.services.dashboard import dashboard
    from privdesk.services.report import write_report

    today = date.today()
    tmp = Path(tempfile.mkdtemp(prefix="privdesk-dash-bench-"))
    try:
        fill_s = fill(tmp / "data", args.n, today)
        print(f"filled {args.n:,} requests in {fill_s:.1f} s")
        ctx = AppContext.open(tmp / "data")
        month = preset("this-month", today)
        dashboard(ctx, today=today, period=month)  # warm-up: caches, page cache
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            d = dashboard(ctx, today=today, period=month)
            times.append(time.perf_counter() - t0)
        refresh = statistics.median(times)
        t0 = time.perf_counter()
        base = baseline(ctx, today, month)
        base_s = time.perf_counter() - t0
        mismatches = [k for k in ("open", "overdue", "due_soon", "closed", "closed_on_time", "denied", "withdrawn",
                                  "received", "extended") if int(base.get(k, 0)) != d.counts[k]]
        if base["median"] != d.median_days_to_close:
            mismatches.append("median")

        year = preset("last-12-months", today)
        out = tmp / "report.pdf"
        t0 = time.perf_counter()
        written = write_report(ctx, year, out, today=today)
        report_s = time.perf_counter() - t0
        ctx.close()

        ok_refresh = refresh <= TARGETS["refresh_s"]
        ok_report = report_s <= TARGETS["report_s"]
        print(f"dashboard refresh (SQL aggregation): {refresh * 1000:7.1f} ms   "
              f"target <= {TARGETS['refresh_s'] * 1000:.0f} ms  {'OK' if ok_refresh else 'MISSED'}")
        print(f"baseline (all rows into Python):     {base_s * 1000:7.1f} ms   "
              f"({base_s / refresh:.1f}x slower)")
        print(f"figures agree with the baseline:     {'yes' if not mismatches else 'NO: ' + ', '.join(mismatches)}")
        print(f"report of the last 12 months (PDF):  {report_s:7.2f} s    "
              f"target <= {TARGETS['report_s']:.0f} s  {'OK' if ok_report else 'MISSED'}  "
              f"({written.pages} pages, {d.counts['open']:,} open)")
        return 0 if ok_refresh and ok_report and not mismatches else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
