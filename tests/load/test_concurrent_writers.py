"""Load tests (issue 11): two processes writing to the same case database lose nothing.

2 processes x 200 request creations and notes against the suite's PostgreSQL and MariaDB: no
lost write, no duplicate reference, an intact audit chain (point 14: MariaDB lost an edit to a
``Duplicate entry`` on the audit sequence).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store.request_models import AuditEntry, Request

ROOT = Path(__file__).resolve().parents[2]
PER_PROCESS = int(os.environ.get("PRIVDESK_LOAD_N", "200"))


def run_writers(tmp_path: Path, url: str, processes: int = 2, n: int = PER_PROCESS) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.load.writer", str(tmp_path / f"p{i}"), url, str(n),
                               f"w{i}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                              cwd=ROOT) for i in range(processes)]
    refs: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
        refs.extend(out.split())
    return refs


@pytest.mark.parametrize("server", [pytest.param("postgres_db", marks=pytest.mark.postgres, id="postgresql"),
                                    pytest.param("mariadb_db", marks=pytest.mark.mariadb, id="mariadb")])
def test_two_writers_lose_nothing(server: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url: str = request.getfixturevalue(server)
    AppContext.open(tmp_path / "setup", url).close()  # migrate once, as an installation would
    refs = run_writers(tmp_path, url)
    assert len(refs) == 2 * PER_PROCESS
    assert len(set(refs)) == len(refs), "duplicate references"
    ctx = AppContext.open(tmp_path / "check", url)
    try:
        with ctx.db.session() as s:
            assert s.scalar(select(func.count()).select_from(Request)) == 2 * PER_PROCESS
            notes = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "note"))
            assert notes == 2 * PER_PROCESS, "a note was lost"
            noted = s.scalar(select(func.count()).select_from(Request).where(Request.notes.like("%: note w%")))
            assert noted == 2 * PER_PROCESS
        result = audit.verify(ctx)
        assert result.ok, result.message()
        assert result.entries >= 4 * PER_PROCESS
    finally:
        ctx.close()
