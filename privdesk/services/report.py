"""The compliance report of a period, written as a PDF (or CSV for spreadsheets).

The figures are :func:`privdesk.services.dashboard.dashboard`'s; this module only chooses the
format, adds the organisation's letterhead and writes the file atomically and owner-only (it
names requests and breaches).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from privdesk.domain.periods import Period
from privdesk.errors import ValidationError
from privdesk.services.context import AppContext
from privdesk.services.dashboard import Dashboard, dashboard
from privdesk.services.settings import get_profile

log = logging.getLogger("privdesk.report")

FORMATS = ("pdf", "csv")


@dataclass(frozen=True)
class WrittenReport:
    path: Path
    format: str
    pages: int
    sha256: str
    figures: Dashboard


def report_format(path: str | Path, fmt: str | None = None) -> str:
    """``pdf`` or ``csv`` from the file name's ending, which must match ``fmt`` when one is asked.

    A name with another ending is refused: a PDF written into ``r.txt`` opens as garbage.
    """
    if fmt and fmt not in FORMATS:
        raise ValidationError(f"A report is written as {' or '.join(FORMATS)}, not {fmt!r}.")
    name = Path(path).name
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS or (fmt and suffix != fmt):
        wanted = f".{fmt}" if fmt else " or ".join(f".{f}" for f in FORMATS)
        raise ValidationError(f"Write the report to a {wanted} file, not {name!r}.")
    return suffix


def write_report(ctx: AppContext, period: Period, path: str | Path, today: date | None = None,
                 fmt: str | None = None, now: datetime | None = None) -> WrittenReport:
    """Compute the period's figures and write them to ``path`` (PDF with charts, or CSV)."""
    from privdesk.documents.breach import write_private
    from privdesk.documents.report import csv_text, render_report

    target = Path(path).expanduser()
    kind = report_format(target, fmt)
    if target.is_dir():
        raise ValidationError(f"{target} is a folder; give the report a file name.")
    if not target.parent.is_dir():
        raise ValidationError(f"The folder {target.parent} does not exist.")
    figures = dashboard(ctx, today=today, period=period, details=kind == "pdf", now=now)
    if kind == "csv":
        data, pages = csv_text(figures).encode("utf-8"), 0
    else:
        data, pages = render_report(figures, get_profile(ctx))
    try:
        sha = write_private(target, data)
    except OSError as exc:
        raise ValidationError(f"Cannot write the report to {target}: {exc.strerror}.") from exc
    log.info("report written (%s, %d pages)", kind, pages)
    return WrittenReport(target, kind, pages, sha, figures)
