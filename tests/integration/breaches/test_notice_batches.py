"""Issue 11 point 8: a batch is truthful after every chunk and a rerun completes the same batch."""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from pathlib import Path

import pytest

from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services import breach_notices as notices
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import NOW, breach_input

ACTOR = "dpo@northwind.example"


def test_cancelled_batch_is_recorded_chunk_by_chunk_and_completed_by_the_rerun(org_ctx: AppContext,
                                                                              tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(), ACTOR, now=NOW)
    svc.add_affected(org_ctx, d.reference, [{"name": f"Person {i}", "email": f"p{i}@example.com"}
                                            for i in range(60)], ACTOR)
    cancel = threading.Event()

    def progress(done: int, _total: int, _m: str) -> None:
        if done >= 25:
            cancel.set()

    start = NOW.replace(hour=13)
    first = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path, progress=progress,
                                    cancel=cancel, now=start)
    assert first.cancelled and 25 <= first.written < 60
    marked = [p for p in svc.list_affected(org_ctx, d.reference) if p.notified_at]
    [rec] = [n for n in svc.get_breach(org_ctx, d.reference).notifications if n.kind == "individuals"]
    assert len(marked) == rec.count == first.written  # every mark has its record
    events = audit.history(org_ctx, "breach", d.reference)
    assert sum(e.changes["people"][1] for e in events if e.action == "notify-chunk") == first.written
    second = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path)  # no --pending-only
    assert (second.total, second.written, second.cancelled) == (60 - first.written, 60 - first.written, False)
    notes = [n for n in svc.get_breach(org_ctx, d.reference).notifications if n.kind == "individuals"]
    assert len(notes) == 1 and notes[0].count == 60 and notes[0].notes == ""
    assert notes[0].sent_at == rec.sent_at  # the same batch: sent at the time it started
    assert all(p.notified_at == marked[0].notified_at for p in svc.list_affected(org_ctx, d.reference))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "manifest.csv").read_text(encoding="utf-8"))))
    assert [r["name"] for r in rows] == [f"Person {i}" for i in range(60)]
    manifest = (tmp_path / "manifest.csv").read_bytes()
    for pending_only in (True, False):  # run again (a killed run's last chunk was its end): nothing to do
        again = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path, only_pending=pending_only)
        assert (again.total, again.written) == (0, 0) and "Nothing left to write" in again.message()
    assert (tmp_path / "manifest.csv").read_bytes() == manifest
    assert [n.count for n in svc.get_breach(org_ctx, d.reference).notifications if n.kind == "individuals"] == [60]
    with pytest.raises(ValidationError, match="notified already"):
        notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "elsewhere", only_pending=True)
    assert audit.verify(org_ctx).ok


def test_a_finished_batch_folder_is_not_overwritten_by_a_new_batch(org_ctx: AppContext, tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(), ACTOR, now=NOW)
    svc.add_affected(org_ctx, d.reference, [{"name": f"Person {i}", "email": f"p{i}@example.com"}
                                            for i in range(5)], ACTOR)
    first = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "a")
    manifest = (tmp_path / "a" / "manifest.csv").read_bytes()
    svc.add_affected(org_ctx, d.reference, [{"name": "Late Comer", "email": "late@example.com"}], ACTOR)
    with pytest.raises(ValidationError, match="Choose a new folder") as err:
        notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "a", only_pending=True)
    assert "1 person still pending" in err.value.message and "5 notices" in err.value.message
    assert (tmp_path / "a" / "manifest.csv").read_bytes() == manifest  # the recorded evidence stays
    rest = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "b", only_pending=True)
    assert (first.written, rest.written) == (5, 1)
    recs = [n for n in svc.get_breach(org_ctx, d.reference).notifications if n.kind == "individuals"]
    assert [n.count for n in recs] == [5, 1]
    assert recs[0].document_sha256 == hashlib.sha256(manifest).hexdigest()


def test_carrying_on_in_another_folder_closes_the_unfinished_batch(org_ctx: AppContext, tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(), ACTOR, now=NOW)
    svc.add_affected(org_ctx, d.reference, [{"name": f"Person {i}", "email": f"p{i}@example.com"}
                                            for i in range(40)], ACTOR)
    cancel = threading.Event()
    first = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "a", cancel=cancel,
                                    progress=lambda done, _t, _m: cancel.set() if done >= 25 else None)
    rest = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "b", only_pending=True)
    assert first.written + rest.written == 40 and not rest.cancelled
    recs = [n for n in svc.get_breach(org_ctx, d.reference).notifications if n.kind == "individuals"]
    assert [n.count for n in recs] == [first.written, rest.written]
    assert "later batch" in recs[0].notes and recs[1].notes == ""
    for folder, n in ((tmp_path / "a", first.written), (tmp_path / "b", rest.written)):
        rows = list(csv.DictReader(io.StringIO((folder / "manifest.csv").read_text(encoding="utf-8"))))
        assert len(rows) == n == len(list(folder.glob("*.pdf")))
    assert audit.verify(org_ctx).ok
