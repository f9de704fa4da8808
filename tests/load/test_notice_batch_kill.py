"""Load test (issue 11 point 8): a notice batch killed with SIGKILL at random points and run again
gives exactly one notice and one notified mark per person, one batch, records and audit entries
that add up, and a manifest of everyone.

The suite runs a few hundred people (``PRIVDESK_KILL_PEOPLE``); the 10,000-person run is done by
hand with ``PRIVDESK_KILL_PEOPLE=10000``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from privdesk.services import audit, settings
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from privdesk.store.breach_models import AffectedPerson, BreachNotification
from privdesk.store.hardening_models import BreachNoticeBatch
from privdesk.store.request_models import AuditEntry
from tests.integration.breaches.conftest import PROFILE, breach_input

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = int(os.environ.get("PRIVDESK_KILL_PEOPLE", "200"))
KILLS = int(os.environ.get("PRIVDESK_KILL_TIMES", "2"))


def _notified(ctx: AppContext, breach_id: int) -> int:
    with ctx.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(AffectedPerson).where(
            AffectedPerson.breach_id == breach_id, AffectedPerson.notified_at.is_not(None))) or 0)


def test_killed_batch_resumes_to_exactly_one_notice_per_person(ctx: AppContext, tmp_path: Path) -> None:
    settings.update_settings(ctx, PROFILE)
    now = datetime.now(UTC)
    d = svc.add_breach(ctx, breach_input(aware=(now.isoformat(timespec="minutes"))), "dpo@example.com", now=now)
    svc.add_affected(ctx, d.reference, [{"name": f"Person {i:05d}", "email": f"p{i}@example.com"}
                                        for i in range(PEOPLE)], "dpo@example.com")
    with ctx.db.session() as s:
        breach_id = s.scalar(select(AffectedPerson.breach_id).limit(1))
    assert breach_id is not None
    out = tmp_path / "notices"
    cmd = [sys.executable, "-m", "privdesk", "--data-dir", str(ctx.paths.data_dir), "breach", "notify-subjects",
           d.reference, "--out-dir", str(out), "--as", "dpo@example.com"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(int(os.environ.get("PRIVDESK_KILL_SEED", "11")))
    kills = 0
    for _ in range(KILLS):
        before = _notified(ctx, breach_id)
        if before >= PEOPLE:
            break
        target = before + rng.randint(1, max(1, (PEOPLE - before) // 2))
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 300
        while proc.poll() is None and _notified(ctx, breach_id) < target and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.random() * 0.2)  # somewhere inside the next chunk
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 1, "the batch finished before it could be killed; raise PRIVDESK_KILL_PEOPLE"
    # Run to the end, then once more: a run the loop let finish, or one killed after its last chunk,
    # must not start a second batch that re-notifies everyone into the same folder.
    for _ in range(2):
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "Nothing left to write" in done.stdout

    with ctx.db.session() as s:
        people = s.execute(select(AffectedPerson.id, AffectedPerson.notice_file, AffectedPerson.notice_sha256,
                                  AffectedPerson.notice_batch_id).where(AffectedPerson.breach_id == breach_id)).all()
        batches = s.scalars(select(BreachNoticeBatch).where(BreachNoticeBatch.breach_id == breach_id)).all()
        recs = s.scalars(select(BreachNotification).where(BreachNotification.breach_id == breach_id,
                                                          BreachNotification.kind == "individuals")).all()
        chunks = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == d.reference,
                                                    AuditEntry.action == "notify-chunk")).all()
    assert len(batches) == 1 and batches[0].status == "complete" and batches[0].written == PEOPLE
    assert all(p.notice_batch_id == batches[0].id and p.notice_file for p in people)
    assert len(recs) == 1 and recs[0].count == PEOPLE and recs[0].notes == ""
    assert sum(json.loads(e.changes)["people"][1] for e in chunks) == PEOPLE  # every mark audited once
    files = sorted(out.glob("*.pdf"))
    assert len(files) == PEOPLE and not list(out.glob(".*"))
    rows = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8"))))
    assert len(rows) == PEOPLE and len({r["file"] for r in rows}) == PEOPLE
    by_file = {p.notice_file: p.notice_sha256 for p in people}
    for r in rows:
        assert by_file[r["file"]] == r["sha256"] == hashlib.sha256((out / r["file"]).read_bytes()).hexdigest()
    assert recs[0].document_sha256 == hashlib.sha256((out / "manifest.csv").read_bytes()).hexdigest()
    assert audit.verify(ctx).ok
