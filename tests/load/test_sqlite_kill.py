"""Load test (issue 11): kill -9 during a burst of SQLite writes loses no committed request and the
database opens clean (integrity check, intact audit chain)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store.request_models import Request

ROOT = Path(__file__).resolve().parents[2]


def test_kill_during_sqlite_burst_loses_nothing_committed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    AppContext.open(data).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reported: list[str] = []
    for round_ in range(2):
        proc = subprocess.Popen([sys.executable, "-m", "tests.load.writer", str(data), "", "100000", f"k{round_}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert proc.stdout is not None
        seen = 0
        deadline = time.monotonic() + 120
        while seen < 40 + 17 * round_ and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            reported.append(line.strip())  # printed only after its note committed
            seen += 1
        os.kill(proc.pid, signal.SIGKILL)  # in the middle of the next write
        proc.wait()
        reported.extend(x.strip() for x in proc.stdout.read().split() if x.strip())
        assert seen >= 40, proc.stderr.read() if proc.stderr else ""
    with sqlite3.connect(data / "privdesk.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    ctx = AppContext.open(data)
    try:
        with ctx.db.session() as s:
            stored = set(s.scalars(select(Request.reference)))
            noted = set(s.scalars(select(Request.reference).where(Request.notes.like("%: note k%"))))
        assert set(reported) <= noted <= stored, "a committed request or note was lost"
        assert len(stored) - len(set(reported)) <= 2  # at most the write in flight at each kill
        assert audit.verify(ctx).ok
    finally:
        ctx.close()
