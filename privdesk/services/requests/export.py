"""The request log exported as CSV (record-keeping), owner-only and safe against CSV injection."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date
from pathlib import Path
from typing import IO

from sqlalchemy import func, select

from privdesk.domain.spreadsheet import neutralise
from privdesk.errors import ValidationError
from privdesk.files import atomic_write
from privdesk.services.context import AppContext
from privdesk.services.requests.queue import _filtered
from privdesk.services.requests.values import RequestQuery
from privdesk.store import models
from privdesk.store.request_models import Request

log = logging.getLogger("privdesk.requests")


EXPORT_COLUMNS = ("reference", "received", "type", "law", "channel", "subject", "status",
                  "due", "extended_due", "deadline", "extension_reason", "verification",
                  "assignee", "decided_by", "decided_on", "decision_reason", "outcome")


def _cell(text: str) -> str:
    """Free text that a spreadsheet would run as a formula gets a leading apostrophe
    (CSV injection: a web-form name such as ``=HYPERLINK(...)``)."""
    return neutralise(text)


def export_log(ctx: AppContext, path: str | Path, q: RequestQuery = RequestQuery(),
               today: date | None = None) -> int:
    """The request log as CSV (record-keeping); the file is owner-only. Returns the row count."""
    dest = Path(path)
    stmt = _filtered(
        select(Request, func.coalesce(models.Officer.name, "").label("assignee_name"))
        .outerjoin(models.Officer, models.Officer.id == Request.assignee_id),
        q, today or date.today()).order_by(Request.received, Request.id)
    count = 0

    def write(raw: IO[bytes]) -> None:  # a temporary file renamed over dest: never truncated in place
        nonlocal count
        fh = io.TextIOWrapper(raw, newline="", encoding="utf-8")
        try:
            with ctx.db.session() as s:
                w = csv.writer(fh)
                w.writerow(EXPORT_COLUMNS)
                for r, assignee in s.execute(stmt.execution_options(yield_per=1000)):
                    w.writerow([r.reference, r.received, r.type, r.law, r.channel, _cell(r.subject_name),
                                r.status, r.due, r.extended_due or "", r.deadline, _cell(r.extension_reason),
                                r.verification, _cell(assignee), _cell(r.decided_by), r.decided_on or "",
                                _cell(r.decision_reason), _cell(r.outcome)])
                    count += 1
        finally:
            fh.flush()
            fh.detach()  # leave the binary file open for atomic_write's fsync and hash

    if dest.is_dir() or not dest.parent.is_dir():
        raise ValidationError(f"Cannot write {dest}: give a file name in an existing folder.")
    try:
        atomic_write(dest, write)
    except OSError as exc:
        raise ValidationError(f"Cannot write {dest}: {exc.strerror}.") from exc
    log.info("request log exported: %d rows", count)
    return count


