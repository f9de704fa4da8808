"""Resumable batches of individual breach notices: every chunk commits what it did.

A batch killed half-way used to leave people marked notified with no notification record, no
audit entry and no manifest. Now each chunk of people commits in one transaction:

- their ``notified`` marks (time, file, SHA-256, and the batch they belong to),
- the batch's running count and its notification records (created with the first chunk, one per
  law that requires telling individuals, their count growing with every chunk),
- an audit entry naming the batch, the number of people and a hash of their (id, file, SHA-256).

A batch that did not reach its end (killed, cancelled) stays ``running``; the next run for the same
breach resumes it: same time of sending, same records, only the people still pending, the same
folder. At its end the manifest is written from the database (every person of the batch, however
many runs it took) and its hash recorded on the records with a closing audit entry.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from privdesk.domain import breach as dom
from privdesk.errors import NotFoundError
from privdesk.files import atomic_write
from privdesk.services import audit
from privdesk.services import breaches as svc
from privdesk.services.breaches.affected import _view
from privdesk.services.breaches.common import _notification
from privdesk.services.context import AppContext
from privdesk.store import audit as store_audit
from privdesk.store.breach_models import AffectedPerson, Breach, BreachNotification
from privdesk.store.hardening_models import BreachNoticeBatch

log = logging.getLogger("privdesk.breaches.notices")

ENTITY = "breach"
RUNNING, COMPLETE, CLOSED = "running", "complete", "closed"
IN_PROGRESS_NOTE = "batch in progress: run the notices again to complete it"


@dataclass(frozen=True)
class Batch:
    """A batch as the notice writer needs it; ``resumed``: an unfinished batch taken up again."""

    id: int
    breach_id: int
    reference: str
    started_at: datetime
    out_dir: str
    delay_reasons: str
    written: int
    resumed: bool


@dataclass(frozen=True)
class FinishedBatch:
    """A batch that reached its end (``complete``) or was closed when the officer carried on elsewhere."""

    id: int
    written: int
    finished_at: datetime
    manifest_sha256: str
    complete: bool


@dataclass(frozen=True)
class RecordPlan:
    """One notification record the batch keeps: which notice, under which law, late or not."""

    kind: str
    regime: str
    late: bool


def _breach(s: Session, reference: str) -> Breach:
    b = s.scalar(select(Breach).where(Breach.reference == dom.parse_reference(reference)))
    if b is None:
        raise NotFoundError(f"There is no breach {reference}.")
    return b


def _batch(row: BreachNoticeBatch, reference: str, resumed: bool) -> Batch:
    return Batch(row.id, row.breach_id, reference, row.started_at, row.out_dir, row.delay_reasons,
                 row.written, resumed)


def running_batch(ctx: AppContext, reference: str) -> Batch | None:
    """The breach's unfinished batch, if a run was killed or cancelled before its end."""
    with ctx.db.session() as s:
        b = _breach(s, reference)
        row = s.scalar(select(BreachNoticeBatch).where(BreachNoticeBatch.breach_id == b.id,
                                                       BreachNoticeBatch.status == RUNNING)
                       .order_by(BreachNoticeBatch.id.desc()).limit(1))
        return _batch(row, b.reference, True) if row is not None else None


def finished_batch_in(ctx: AppContext, reference: str, out_dir: Path) -> FinishedBatch | None:
    """The breach's last finished batch written to ``out_dir``, whose manifest a new batch there
    would replace (its hash is on the record)."""
    with ctx.db.session() as s:
        b = _breach(s, reference)
        row = s.scalar(select(BreachNoticeBatch).where(BreachNoticeBatch.breach_id == b.id,
                                                       BreachNoticeBatch.status.in_((COMPLETE, CLOSED)),
                                                       BreachNoticeBatch.out_dir == str(Path(out_dir).resolve()))
                       .order_by(BreachNoticeBatch.id.desc()).limit(1))
        if row is None:
            return None
        return FinishedBatch(row.id, row.written, row.finished_at or row.started_at, row.manifest_sha256,
                             row.status == COMPLETE)


def start_or_resume(ctx: AppContext, reference: str, actor: str, at: datetime, out_dir: Path,
                    delay_reasons: str) -> Batch:
    """Resume the breach's unfinished batch writing to ``out_dir``, or start a new one (audited
    either way). An unfinished batch of another folder is closed by the caller first."""
    with ctx.db.unit_of_work() as s:
        b = _breach(s, reference)
        row = s.scalar(select(BreachNoticeBatch).where(BreachNoticeBatch.breach_id == b.id,
                                                       BreachNoticeBatch.status == RUNNING)
                       .order_by(BreachNoticeBatch.id.desc()).limit(1).with_for_update())
        folder = str(Path(out_dir).resolve())
        if row is not None and row.out_dir == folder:
            audit.append(s, actor, ENTITY, b.reference, "notify-batch-resume", {
                "batch": (None, row.id), "written_before": (None, row.written)})
            log.info("breach %s: notice batch %d resumed after %d notices", b.reference, row.id, row.written)
            return _batch(row, b.reference, True)
        row = BreachNoticeBatch(breach_id=b.id, started_at=at, actor=actor, status=RUNNING, written=0,
                                out_dir=folder, delay_reasons=delay_reasons, manifest_sha256="")
        s.add(row)
        s.flush()
        audit.append(s, actor, ENTITY, b.reference, "notify-batch-start", {
            "batch": (None, row.id), "sent_at": (None, at.isoformat(timespec="minutes"))})
        return _batch(row, b.reference, False)


def _recipient(count: int) -> str:
    return f"{count} affected {'person' if count == 1 else 'people'}"


def commit_chunk(ctx: AppContext, batch: Batch, results: Sequence[tuple[int, str, str]], actor: str,
                 plans: Sequence[RecordPlan], document_file: str) -> int:
    """Mark one chunk of people notified, grow the batch's records and audit it, together.

    Returns the batch's running count.
    """
    rows = list(results)
    if not rows:
        return batch.written
    digest = hashlib.sha256("\n".join(f"{p},{f},{h}" for p, f, h in rows).encode()).hexdigest()
    with ctx.db.unit_of_work() as s:
        row = s.get(BreachNoticeBatch, batch.id, with_for_update=True)
        assert row is not None
        ids = {pid for pid, _f, _h in rows}
        own = set(s.scalars(select(AffectedPerson.id).where(AffectedPerson.breach_id == batch.breach_id,
                                                            AffectedPerson.id.in_(ids))))
        params = [{"id": pid, "notified_at": row.started_at, "notice_file": f, "notice_sha256": h,
                   "notice_batch_id": batch.id} for pid, f, h in rows if pid in own]
        if params:
            s.execute(update(AffectedPerson), params)
        before = row.written
        row.written = before + len(params)
        recs = list(s.scalars(select(BreachNotification).where(BreachNotification.batch_id == batch.id)))
        if not recs:
            audit_head = store_audit.head(s)[1]  # the chain's head the first notices went out under
            for plan in plans:
                n = BreachNotification(
                    breach_id=batch.breach_id, kind=plan.kind, regime=plan.regime, phase="initial",
                    recipient=_recipient(row.written), sent_at=row.started_at,
                    sent_zone=dom.zone_text(row.started_at.tzinfo, row.started_at),
                    document_file=document_file, document_sha256="",
                    delay_reasons=row.delay_reasons if plan.late else "",
                    case_reference="", count=row.written, late=plan.late, notes=IN_PROGRESS_NOTE,
                    recorded_by=actor, batch_id=batch.id, audit_head=audit_head)
                s.add(n)
        for n in recs:
            n.count, n.recipient = row.written, _recipient(row.written)
        s.flush()
        audit.append(s, actor, ENTITY, batch.reference, "notify-chunk", {
            "batch": (None, batch.id), "people": (None, len(params)), "written": (before, row.written),
            "sha256": (None, digest)})
        return row.written


def _manifest_rows(ctx: AppContext, batch: Batch, cell: Callable[[str], str]) -> list[list[str]]:
    with ctx.db.session() as s:
        q = (select(AffectedPerson).where(AffectedPerson.notice_batch_id == batch.id)
             .order_by(AffectedPerson.id))
        return [[cell(p.name), cell(p.email), cell(p.address), p.language, p.notice_file, p.notice_sha256]
                for p in s.scalars(q.execution_options(yield_per=2000))]


def iter_batch_people(ctx: AppContext, batch: Batch, chunk: int = 1000) -> Iterator[list[svc.AffectedView]]:
    """The people a batch notified (over all its runs), in chunks, for the combined PDF."""
    last = 0
    while True:
        with ctx.db.session() as s:
            q = (select(AffectedPerson).where(AffectedPerson.notice_batch_id == batch.id, AffectedPerson.id > last)
                 .order_by(AffectedPerson.id).limit(chunk))
            people = [_view(p) for p in s.scalars(q)]
        if not people:
            return
        yield people
        last = people[-1].id


def write_manifest(ctx: AppContext, batch: Batch, path: Path, columns: Sequence[str],
                   cell: Callable[[str], str]) -> str:
    """The mail-merge manifest of every person of the batch (all runs), atomically; its hash."""
    rows = _manifest_rows(ctx, batch, cell)

    def write(raw: IO[bytes]) -> None:
        fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        try:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(columns)
            w.writerows(rows)
        finally:
            fh.flush()
            fh.detach()

    return atomic_write(path, write)


def finish(ctx: AppContext, batch: Batch, actor: str, manifest_sha: str, document_file: str,
           complete: bool, closed_early: bool = False) -> list[svc.NotificationRecord]:
    """Record the manifest's hash on the batch's records; close the batch when it reached its end
    (``complete``) or when the officer carries on in another folder (``closed_early``: the batch
    keeps what it did, the people still pending go to a new batch)."""
    with ctx.db.unit_of_work() as s:
        row = s.get(BreachNoticeBatch, batch.id, with_for_update=True)
        assert row is not None
        b = s.get(Breach, batch.breach_id)
        assert b is not None
        recs = list(s.scalars(select(BreachNotification).where(BreachNotification.batch_id == batch.id)
                              .order_by(BreachNotification.id)))
        for n in recs:
            n.document_sha256, n.document_file = manifest_sha, document_file
            n.notes = ("" if complete else
                       f"batch ended before the end ({row.written} notices); the people still pending were "
                       "notified in a later batch" if closed_early else
                       "batch cancelled before the end; run the notices again to complete it")
        row.manifest_sha256 = manifest_sha
        if complete or closed_early:
            row.status = COMPLETE if complete else CLOSED
            row.finished_at = svc._now(None)
        s.flush()
        action = "notify" if complete else "notify-batch-close" if closed_early else "notify-batch-pause"
        audit.append(s, actor, ENTITY, batch.reference, action, {
            "batch": (None, batch.id), "count": (None, row.written), "document": (None, document_file),
            "sha256": (None, manifest_sha)})
        zone = dom.zone_from_text(b.aware_zone)
        return [_notification(n, zone) for n in recs]


def remove_stale_temporaries(out_dir: Path, reference: str) -> int:
    """Temporary files a killed run left in the batch's folder (never a finished notice)."""
    removed = 0
    for pattern in (f".{reference}-*.tmp", ".manifest.csv.*.part", ".manifest.*.tmp"):
        for f in Path(out_dir).glob(pattern):
            f.unlink(missing_ok=True)
            removed += 1
    return removed
