"""Queue benchmark: 100,000 requests, the SQL-paged queue window against a load-everything baseline.

Run: ``python benchmarks/queue_bench.py`` (``make bench``). Fills a fresh SQLite case database
with 100,000 requests (bulk ``executemany``), then, each in its own process so peak memory is
measured honestly:

* paged:    the real Requests area (``RequestsPane`` over ``QueueModel``);
* baseline: every row loaded as an ORM object into a Python list model, sorted and filtered in
  Python.

It measures (a) opening the queue to the first rows painted, (b) sorting by due date, (c) a text
filter, each until the first rows are painted, and (d) peak RSS. Targets: (a) <= 1 s, (b) and (c)
<= 150 ms, (d) <= 350 MB, and (a) at least 10x faster than the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N_DEFAULT = 100_000
TARGETS = {"open_s": 1.0, "sort_s": 0.150, "filter_s": 0.150, "rss_mb": 350.0, "speedup": 10.0}
FILTER_TEXT = "wróbel"

_FIRST = ("Amelia", "Oliver", "Sofía", "Mateo", "Hana", "Kenji", "Chloé", "Lukas", "Ingrid", "Mohammed",
          "Fatima", "Nikolai", "Aroha", "Siobhán", "Dmitri", "Leila", "Tomasz", "Grace", "Pedro", "Ana",
          "Zoë", "Łukasz", "Maria", "James", "Aisha", "Noah", "Emma", "Björn", "Astrid", "Rahul")
_LAST = ("Johansson", "García", "Nakamura", "Dubois", "Müller", "Kowalski", "O'Brien", "Haddad", "Silva",
         "Okonkwo", "Rossi", "Novak", "Andersen", "Petrov", "Yılmaz", "Patel", "Kim", "Fernández",
         "Nguyen", "Schmidt", "Wróbel", "Ødegård", "Santos", "Carter", "Khan", "Costa", "Murphy")
_LAWS = (("gdpr", 30), ("uk-gdpr", 30), ("ccpa", 45), ("lgpd", 15), ("vcdpa", 45), ("cpa", 45))
_TYPES = ("access", "erasure", "opt-out", "rectification", "objection", "restriction", "portability")
_STATUSES = (("completed", 55), ("denied", 5), ("withdrawn", 5), ("in_progress", 20), ("verifying", 6),
             ("received", 6), ("extended", 3))


def fill(data_dir: Path, n: int) -> float:
    """Create the case database and insert ``n`` requests with executemany; returns seconds."""
    from sqlalchemy import insert

    from privdesk.services import settings
    from privdesk.services.context import AppContext
    from privdesk.store.request_models import Request, SubjectIdentifier

    ctx = AppContext.open(data_dir)
    officers = [settings.add_officer(ctx, f"Officer {i}", f"officer{i}@example.org").id for i in range(6)]
    rng = random.Random(42)
    today = date.today()
    statuses = [s for s, w in _STATUSES for _ in range(w)]
    t0 = time.perf_counter()
    batch = 10_000
    with ctx.db.engine.begin() as conn:
        for start in range(0, n, batch):
            reqs: list[dict[str, Any]] = []
            idents: list[dict[str, Any]] = []
            for i in range(start, min(n, start + batch)):
                law, days = _LAWS[i % len(_LAWS)]
                status = statuses[rng.randrange(len(statuses))]
                open_ = status not in ("completed", "denied", "withdrawn")
                received = today - timedelta(days=rng.randint(0, 40) if open_ else rng.randint(0, 730))
                due = received + timedelta(days=days)
                name = f"{_FIRST[rng.randrange(len(_FIRST))]} {_LAST[rng.randrange(len(_LAST))]}"
                email = f"user{i}@example.org"
                ref = f"DSR-{today.year}-{i + 1:06d}"
                reqs.append({
                    "id": i + 1, "reference": ref, "type": _TYPES[i % len(_TYPES)], "law": law,
                    "channel": "email", "received": received, "clock_start": received, "due": due,
                    "extended_due": due + timedelta(days=days), "acknowledge_by": None, "deadline": due,
                    "extension_reason": "", "subject_name": name, "subject_key": name.casefold(),
                    "subject_address": "", "primary_email": email, "requester": "",
                    "verification": "verified", "verified_on": received,
                    "assignee_id": officers[i % len(officers)] if i % 7 else None, "status": status,
                    "outcome": "", "decision_reason": "", "decided_by": "", "decided_on": None, "notes": "",
                    "holiday_country": "", "holiday_subdivision": "", "duplicate_of": "", "merged_into": "",
                    "search_text": f"{ref.casefold()} {name.casefold()} {email}", "version": 1,
                })
                idents.append({"request_id": i + 1, "kind": "email", "value": email, "normalised": email})
            conn.execute(insert(Request.__table__), reqs)
            conn.execute(insert(SubjectIdentifier.__table__), idents)
    elapsed = time.perf_counter() - t0
    with ctx.db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    ctx.close()
    return elapsed


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _painted(app: Any, view: Any) -> None:
    """Process pending events and paint the view's viewport now (the rows are on screen)."""
    app.processEvents()
    view.viewport().repaint()


def measure_paged(data_dir: Path) -> dict[str, float]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from privdesk.services.context import AppContext
    from privdesk.ui.requests import RequestsPane
    from privdesk.ui.requests.queue_model import COL_DUE

    ctx = AppContext.open(data_dir)
    t0 = time.perf_counter()
    pane = RequestsPane(ctx)
    pane.resize(1280, 800)
    pane.show()
    _painted(app, pane.view)
    t_open = time.perf_counter() - t0
    assert pane.model.page_loads >= 1 and pane.model.rowCount() > 0
    first = pane.model.data(pane.model.index(0, 0))

    pane.filter_bar.status.setCurrentIndex(pane.filter_bar.status.findData("__any__"))  # all 100k rows
    _painted(app, pane.view)
    rows_all = pane.model.rowCount()
    t0 = time.perf_counter()
    pane.view.sortByColumn(COL_DUE, Qt.SortOrder.DescendingOrder)
    _painted(app, pane.view)
    t_sort = time.perf_counter() - t0
    latest = pane.model.data(pane.model.index(0, COL_DUE))

    t0 = time.perf_counter()
    pane.filter_bar.text.setText(FILTER_TEXT)
    pane.filter_bar.flush()
    _painted(app, pane.view)
    t_filter = time.perf_counter() - t0
    matches = pane.model.rowCount()
    pane.close()
    ctx.close()
    return {"open_s": t_open, "sort_s": t_sort, "filter_s": t_filter, "rss_mb": _rss_mb(),
            "rows": rows_all, "matches": matches, "first": first, "latest_due": latest}


def measure_baseline(data_dir: Path) -> dict[str, float]:
    """Load every request as an ORM object into a list model; sort and filter in Python."""
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
    from PySide6.QtWidgets import QApplication, QTableView
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from privdesk.services.context import AppContext
    from privdesk.store.request_models import Request

    app = QApplication.instance() or QApplication([])
    cols = ("reference", "subject_name", "type", "law", "received", "deadline", "status")

    class ListModel(QAbstractTableModel):
        def __init__(self, rows: list[Request]) -> None:
            super().__init__()
            self.all = rows
            self.rows = rows

        def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else len(self.rows)

        def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else len(cols)

        def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(getattr(self.rows[index.row()], cols[index.column()]))
            return None

        def sort_by_due(self) -> None:
            self.layoutAboutToBeChanged.emit()
            self.rows = sorted(self.rows, key=lambda r: (r.deadline, r.id), reverse=True)
            self.layoutChanged.emit()

        def filter(self, text: str) -> None:
            self.beginResetModel()
            t = text.casefold()
            self.rows = [r for r in self.all if t in r.subject_name.casefold() or t in r.reference.casefold()
                         or any(t in i.normalised for i in r.identifiers)]
            self.endResetModel()

    ctx = AppContext.open(data_dir)
    t0 = time.perf_counter()
    session = ctx.db.session()
    rows = list(session.scalars(select(Request).options(selectinload(Request.identifiers))).all())
    model = ListModel(rows)
    view = QTableView()
    view.setModel(model)
    view.resize(1000, 700)
    view.show()
    _painted(app, view)
    t_open = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.sort_by_due()
    _painted(app, view)
    t_sort = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.filter(FILTER_TEXT)
    _painted(app, view)
    t_filter = time.perf_counter() - t0
    matches = model.rowCount()
    session.close()
    ctx.close()
    return {"open_s": t_open, "sort_s": t_sort, "filter_s": t_filter, "rss_mb": _rss_mb(),
            "rows": len(rows), "matches": matches}


def _child(mode: str, data_dir: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--measure", mode, "--data-dir", str(data_dir)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"{mode} run failed")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=N_DEFAULT)
    parser.add_argument("--measure", choices=["paged", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help="reuse (or keep) this data directory")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    if args.measure:
        fn = measure_paged if args.measure == "paged" else measure_baseline
        print(json.dumps(fn(args.data_dir), default=str))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="privdesk-bench-"))
    data_dir = args.data_dir or tmp / "data"
    try:
        if not (data_dir / "privdesk.sqlite3").exists():
            secs = fill(data_dir, args.rows)
            print(f"filled {args.rows:,} requests in {secs:.1f} s (executemany)")
        paged = _child("paged", data_dir)
        base = None if args.no_baseline else _child("baseline", data_dir)
    finally:
        if args.data_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nqueue over {paged['rows']:,} requests; text filter {FILTER_TEXT!r} -> {paged['matches']:,} rows")
    print(f"{'measure':<34}{'paged (SQL)':>14}{'baseline (ORM list)':>22}{'target':>12}  ok")
    rows = (("(a) open queue -> first rows shown", "open_s", "s"), ("(b) sort by due date", "sort_s", "ms"),
            ("(c) text filter", "filter_s", "ms"), ("(d) peak RSS", "rss_mb", "MB"))
    ok_all = True
    for label, key, unit in rows:
        scale = 1000.0 if unit == "ms" else 1.0
        value = paged[key] * scale
        target = TARGETS[key] * scale
        ok = paged[key] <= TARGETS[key]
        ok_all &= ok
        b = f"{base[key] * scale:,.{0 if unit != 's' else 2}f} {unit}" if base else "-"
        print(f"{label:<34}{value:>11,.{0 if unit != 's' else 3}f} {unit:<2}{b:>22}{'<= ' + format(target, 'g') + ' ' + unit:>12}  "
              f"{'yes' if ok else 'NO'}")
    if base:
        speedup = base["open_s"] / paged["open_s"]
        ok = speedup >= TARGETS["speedup"]
        ok_all &= ok
        print(f"{'(a) speed-up over baseline':<34}{speedup:>11.1f} x {'':>22}{'>= 10 x':>12}  {'yes' if ok else 'NO'}")
    print("\nall targets met" if ok_all else "\nSOME TARGETS MISSED")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
