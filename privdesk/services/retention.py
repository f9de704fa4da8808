"""Retention of PrivDesk's own cases: anonymise closed requests (and the people of closed breach
records) once their retention period has run out.

What is removed: the subject's name, address, e-mails, phones, customer ids, the requester, notes
and free texts, attached files, search snapshots, generated documents and withholdings, and the
personal values in the request's audit entries. What stays: type, law, channel, dates, status and
officer, so the dashboard's figures stay true; and a tombstone audit entry that records the run
and vouches for the redacted audit entries (see :mod:`privdesk.store.audit_redaction`), so
``audit verify`` still passes.

The copies of the case data PrivDesk makes by itself hold the same cases unanonymised: the
automatic copy of the case database made before a schema upgrade (``backups/*-before-upgrade.*``)
and the case data a restore replaced (``backups/before-restore-STAMP/``). The run deletes those
older than :data:`~privdesk.domain.retention.UPGRADE_BACKUP_DAYS`, audits what it deleted and says
which it keeps. The officer's own backups (archives written by ``privdesk backup``, wherever they
are) are never touched.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from privdesk.domain.requests import RequestType, Status
from privdesk.domain.retention import (
    DEFAULT_BREACH_YEARS,
    DEFAULT_REQUEST_YEARS,
    REMINDER_DAYS,
    UPGRADE_BACKUP_DAYS,
    expires_on,
    parse_years,
    upgrade_backup_expired,
)
from privdesk.errors import PrivDeskError, ValidationError
from privdesk.paths import RESTORE_COPY_PREFIX
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store.audit_redaction import (
    TOMBSTONE_ACTION,
    TOMBSTONE_FIELD,
    redact_entries,
    tombstone_value,
)
from privdesk.store.database import UPGRADE_BACKUP_REASON
from privdesk.store.models import Setting
from privdesk.store.request_models import Attachment, Request, SubjectIdentifier

# The breach, case-file and ROPA models are imported by the functions that use them: the window
# asks reminder_due() at start-up, and mapping those tables is not needed for that answer.

log = logging.getLogger("privdesk.services.retention")

ANONYMISED = "(anonymised)"
_KEY = "retention.{}"
LAST_RUN_KEY = "retention.last_run"
BREACH_KEY = "breach"
_FINAL = tuple(s.value for s in Status if s.is_final)
#: Audit fields that never hold the subject's data: kept when a request is anonymised.
_KEEP_FIELDS = frozenset({
    "type", "law", "channel", "received", "clock_start", "due", "extended_due", "acknowledge_by", "deadline",
    "verification", "verified_on", "assignee_id", "assignee", "status", "decided_by", "decided_on",
    "holiday_country", "holiday_subdivision", "duplicate_of", "merged_into", "merged_from", "paused_since",
    "pauses", "snapshot", "sha256", "encryption", "ground", "retention", TOMBSTONE_FIELD,
})


# -- settings ---------------------------------------------------------------------------------------

def periods(ctx: AppContext) -> dict[str, int]:
    """Years kept after closing, per request type, and for breach records (``"breach"``)."""
    with ctx.db.session() as s:
        stored = {r.key: r.value for r in s.scalars(select(Setting).where(Setting.key.like("retention.%")))}
    out: dict[str, int] = {}
    for key in (*(t.value for t in RequestType), BREACH_KEY):
        default = DEFAULT_BREACH_YEARS if key == BREACH_KEY else DEFAULT_REQUEST_YEARS
        raw = stored.get(_KEY.format(key), "")
        out[key] = int(raw) if raw.isdigit() else default
    return out


def set_period(ctx: AppContext, kind: str, years: str | int, actor: str) -> int:
    """Set the years a closed request of ``kind`` (or ``"breach"``) is kept."""
    kinds = (*(t.value for t in RequestType), BREACH_KEY)
    if kind not in kinds:
        raise ValidationError(f"{kind!r} is not a request type or 'breach'; choose one of {', '.join(kinds)}.")
    value = parse_years(str(years))
    before = periods(ctx)[kind]
    with ctx.db.unit_of_work() as s:
        row = s.get(Setting, _KEY.format(kind))
        if row is None:
            s.add(Setting(key=_KEY.format(kind), value=str(value)))
        else:
            row.value = str(value)
        if before != value:
            audit.append(s, actor, "settings", "retention", "edit", {kind: (before, value)})
    return value


def last_run(ctx: AppContext) -> date | None:
    with ctx.db.session() as s:
        row = s.get(Setting, LAST_RUN_KEY)
    try:
        return date.fromisoformat(row.value) if row and row.value else None
    except ValueError:
        return None


def reminder_due(ctx: AppContext, today: date | None = None) -> bool:
    """True when the monthly retention run is due (never run, or the last run is 30+ days old)."""
    last = last_run(ctx)
    return last is None or ((today or date.today()) - last) >= timedelta(days=REMINDER_DAYS)


# -- the run ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expired:
    kind: str  # "request" or "breach"
    reference: str
    type: str
    closed: date
    expired_on: date

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "reference": self.reference, "type": self.type,
                "closed": self.closed.isoformat(), "expired_on": self.expired_on.isoformat()}


#: The two kinds of copy PrivDesk makes by itself in ``backups/``.
UPGRADE = "upgrade"
RESTORE_COPY = "before-restore"


@dataclass(frozen=True)
class AutomaticBackup:
    """A copy of the case data PrivDesk made by itself: of the case database before a schema
    upgrade (a file), or of the case data a restore replaced (a ``before-restore-STAMP`` folder)."""

    file: str  # its name in the backups folder
    made: date
    kind: str = UPGRADE

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "made": self.made.isoformat()}


UpgradeBackup = AutomaticBackup  # its name before restore copies joined it


class RetentionError(PrivDeskError):
    """An expired copy of the case data could not be deleted."""


@dataclass(frozen=True)
class RunResult:
    dry_run: bool
    today: date
    cases: tuple[Expired, ...]
    files_removed: int = 0
    backups_removed: tuple[AutomaticBackup, ...] = ()  # upgrade backups; with ``dry_run``: would be removed
    backups_kept: tuple[AutomaticBackup, ...] = ()
    restore_copies_removed: tuple[AutomaticBackup, ...] = ()  # before-restore copies, likewise
    restore_copies_kept: tuple[AutomaticBackup, ...] = ()

    def to_json(self) -> dict[str, Any]:
        # the first keys are a contract (scripts read them); new keys are only added
        removed = [b.to_json() for b in self.backups_removed]
        copies = [b.to_json() for b in self.restore_copies_removed]
        return {"dry_run": self.dry_run, "today": self.today.isoformat(),
                "anonymised": [] if self.dry_run else [c.to_json() for c in self.cases],
                "would_anonymise": [c.to_json() for c in self.cases] if self.dry_run else [],
                "count": len(self.cases), "files_removed": self.files_removed,
                "upgrade_backups_removed": [] if self.dry_run else removed,
                "would_remove_upgrade_backups": removed if self.dry_run else [],
                "upgrade_backups_kept": [b.to_json() for b in self.backups_kept],
                "upgrade_backup_days": UPGRADE_BACKUP_DAYS,
                "before_restore_copies_removed": [] if self.dry_run else copies,
                "would_remove_before_restore_copies": copies if self.dry_run else [],
                "before_restore_copies_kept": [b.to_json() for b in self.restore_copies_kept],
                "before_restore_copy_days": UPGRADE_BACKUP_DAYS}

    def backup_lines(self) -> list[str]:
        """What the run did (or would do) with the upgrade backups and the copies kept before a
        restore, a line each (CLI and window)."""
        verb = "would delete" if self.dry_run else "deleted"
        lines = [f"{verb} upgrade backup {b.file} (made {b.made}, over {UPGRADE_BACKUP_DAYS} days old)"
                 for b in self.backups_removed]
        lines += [f"kept upgrade backup {b.file} (made {b.made}) for a failed upgrade; it goes at the first "
                  f"run after it is {UPGRADE_BACKUP_DAYS} days old" for b in self.backups_kept]
        lines += [f"{verb} the copy of the case data a restore replaced, backups/{b.file}/ (made {b.made}, "
                  f"over {UPGRADE_BACKUP_DAYS} days old)" for b in self.restore_copies_removed]
        lines += [f"kept the copy of the case data a restore replaced, backups/{b.file}/ (made {b.made}) in case "
                  f"the restore was a mistake; it goes at the first run after it is {UPGRADE_BACKUP_DAYS} days old"
                  for b in self.restore_copies_kept]
        return lines


#: What SQLite leaves beside a database file that was opened (part of that backup, not another).
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def upgrade_backups(ctx: AppContext) -> list[AutomaticBackup]:
    """The upgrade backups in the data folder's ``backups/``, oldest first (the date from the
    UTC stamp in the name, else the file's time)."""
    folder = ctx.paths.backups_dir
    if not folder.is_dir():
        return []
    out = []
    for path in folder.glob(f"*-{UPGRADE_BACKUP_REASON}.*"):
        if not path.is_file() or path.name.endswith(_SQLITE_SIDE_FILES):
            continue
        stamp = path.name.rsplit(f"-{UPGRADE_BACKUP_REASON}", 1)[0].rsplit("-", 1)[-1]
        try:
            made = datetime.strptime(stamp[:8], "%Y%m%d").date()
        except ValueError:
            made = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
        out.append(AutomaticBackup(path.name, made))
    return sorted(out, key=lambda b: (b.made, b.file))


#: A folder a restore made: the prefix and the UTC stamp it writes (the date is what counts).
_RESTORE_COPY_NAME = re.compile(re.escape(RESTORE_COPY_PREFIX) + r"(\d{8})T\d{6}\d*Z")


def before_restore_copies(ctx: AppContext) -> list[AutomaticBackup]:
    """The folders in ``backups/`` where a restore kept the case data it replaced, oldest first
    (the date from the UTC stamp in the name). A folder or file named otherwise, or a link, is
    not one of them and is left alone."""
    folder = ctx.paths.backups_dir
    if not folder.is_dir():
        return []
    out = []
    for path in folder.glob(f"{RESTORE_COPY_PREFIX}*"):
        match = _RESTORE_COPY_NAME.fullmatch(path.name)
        if match is None or path.is_symlink() or not path.is_dir():
            continue
        try:
            made = datetime.strptime(match[1], "%Y%m%d").date()
        except ValueError:
            continue
        out.append(AutomaticBackup(path.name, made, RESTORE_COPY))
    return sorted(out, key=lambda b: (b.made, b.file))


#: Per kind: the audit entry's entity id and the words for what was deleted.
_AUDITED_AS = {UPGRADE: ("upgrade-backups", "upgrade backups"),
               RESTORE_COPY: ("before-restore-copies", "copies of the case data kept before a restore")}


def _delete(folder: Path, b: AutomaticBackup) -> None:
    if b.kind == RESTORE_COPY:
        try:
            shutil.rmtree(folder / b.file)
        except FileNotFoundError:  # deleted by hand meanwhile: gone is what the run wants
            pass
        return
    for path in (folder / b.file, *(folder / f"{b.file}{x}" for x in _SQLITE_SIDE_FILES)):
        path.unlink(missing_ok=True)


def _remove_backups(ctx: AppContext, old: list[AutomaticBackup], actor: str, today: date) -> None:
    """Delete the expired automatic copies (an upgrade backup with its WAL/journal leftovers, a
    before-restore folder whole) and audit what went, one entry per kind. A copy that cannot be
    deleted stops the run with a sentence after the others are deleted and audited."""
    folder = ctx.paths.backups_dir
    removed: list[AutomaticBackup] = []
    failed: list[tuple[AutomaticBackup, OSError]] = []
    for b in old:
        try:
            _delete(folder, b)
        except OSError as exc:
            failed.append((b, exc))
        else:
            removed.append(b)
    for kind, (entity, words) in _AUDITED_AS.items():
        gone = [b for b in removed if b.kind == kind]
        if not gone:
            continue
        with ctx.db.unit_of_work() as s:
            audit.append(s, actor, "settings", entity, "delete", {
                "deleted": (", ".join(f"{b.file} (made {b.made.isoformat()})" for b in gone), None),
                "retention": (None, f"{words} older than {UPGRADE_BACKUP_DAYS} days, run of {today.isoformat()}"),
            })
    if failed:
        first, why = failed[0]
        log.warning("retention run: %d expired backups could not be deleted", len(failed))
        raise RetentionError(
            f"Could not delete {folder / first.file} ({why.strerror or why}); it is over {UPGRADE_BACKUP_DAYS} days old "
            "and still holds case data. The expired cases were anonymised and the other old backups deleted. "
            "Check that you may change that folder and that no other program has it open, then run retention again.")


def _closing(r: Request) -> date:
    if r.decided_on is not None:
        return r.decided_on
    return (r.updated_at or datetime.now(UTC)).date()


def expired_cases(ctx: AppContext, today: date | None = None) -> list[Expired]:
    """Closed cases whose retention period has run out and that still hold personal data."""
    from privdesk.store.breach_models import AffectedPerson, Breach

    today = today or date.today()
    years = periods(ctx)
    out: list[Expired] = []
    with ctx.db.session() as s:
        for r in s.scalars(select(Request).where(Request.status.in_(_FINAL), Request.subject_name != ANONYMISED)
                           .order_by(Request.id)):
            closed = _closing(r)
            end = expires_on(closed, years.get(r.type, DEFAULT_REQUEST_YEARS))
            if today >= end:
                out.append(Expired("request", r.reference, r.type, closed, end))
        held = select(AffectedPerson.breach_id).where(AffectedPerson.name != ANONYMISED)
        for b in s.scalars(select(Breach).where(Breach.status == "closed", Breach.id.in_(held)).order_by(Breach.id)):
            closed = (b.updated_at or datetime.now(UTC)).date()
            end = expires_on(closed, years[BREACH_KEY])
            if today >= end:
                out.append(Expired("breach", b.reference, "breach", closed, end))
    return out


def _remove_file(base: Path, stored: str) -> int:
    path = (base / stored).resolve()
    if base.resolve() in path.parents and path.is_file():
        path.unlink()
        return 1
    return 0


def _anonymise_request(ctx: AppContext, case: Expired, actor: str) -> int:
    from privdesk.store.casefile_models import RequestDocument, RequestSnapshot
    from privdesk.store.ropa_models import RequestWithholding

    removed = 0
    with ctx.db.unit_of_work() as s:
        r = s.scalar(select(Request).where(Request.reference == case.reference))
        if r is None or r.subject_name == ANONYMISED:
            return 0
        counts = {"identifiers": len(r.identifiers), "attachments": len(r.attachments)}
        for a in r.attachments:
            removed += _remove_file(ctx.paths.data_dir, a.stored_path)
        for d in s.scalars(select(RequestDocument).where(RequestDocument.request_id == r.id)):
            removed += _remove_file(ctx.paths.data_dir, d.stored_path)
        counts["documents"] = len(s.scalars(select(RequestDocument.id).where(RequestDocument.request_id == r.id)).all())
        counts["snapshots"] = len(s.scalars(select(RequestSnapshot.id).where(RequestSnapshot.request_id == r.id)).all())
        s.execute(delete(RequestDocument).where(RequestDocument.request_id == r.id))
        s.execute(delete(RequestSnapshot).where(RequestSnapshot.request_id == r.id))
        s.execute(delete(RequestWithholding).where(RequestWithholding.request_id == r.id))
        s.execute(delete(Attachment).where(Attachment.request_id == r.id))
        s.execute(delete(SubjectIdentifier).where(SubjectIdentifier.request_id == r.id))
        s.expire(r, ["identifiers", "attachments"])
        r.subject_name, r.subject_key, r.subject_address, r.primary_email = ANONYMISED, "", "", ""
        r.requester, r.notes, r.outcome, r.decision_reason, r.extension_reason = "", "", "", "", ""
        r.search_text = r.reference.casefold()
        s.flush()
        redacted = redact_entries(s, "request", r.reference, lambda field: field in _KEEP_FIELDS)
        audit.append(s, actor, "request", r.reference, TOMBSTONE_ACTION, {
            "retention": (None, f"closed {case.closed.isoformat()}, retention ended {case.expired_on.isoformat()}"),
            "removed": (None, ", ".join(f"{n} {k}" for k, n in counts.items())),
            TOMBSTONE_FIELD: (None, tombstone_value(redacted)),
        })
    for folder in (ctx.paths.data_dir / "documents" / case.reference, ctx.paths.attachments_dir / case.reference):
        if folder.is_dir():
            removed += sum(1 for p in folder.rglob("*") if p.is_file())
            shutil.rmtree(folder, ignore_errors=True)
    return removed


def _anonymise_breach(ctx: AppContext, case: Expired, actor: str) -> int:
    from privdesk.store.breach_models import AffectedPerson, Breach

    removed = 0
    with ctx.db.unit_of_work() as s:
        b = s.scalar(select(Breach).where(Breach.reference == case.reference))
        if b is None:
            return 0
        people = s.scalars(select(AffectedPerson).where(AffectedPerson.breach_id == b.id)).all()
        for p in people:
            if p.notice_file:
                removed += _remove_file(ctx.paths.data_dir, p.notice_file)
            p.name, p.email, p.phone, p.address, p.notice_file = ANONYMISED, "", "", "", ""
        audit.append(s, actor, "breach", b.reference, TOMBSTONE_ACTION, {
            "retention": (None, f"closed {case.closed.isoformat()}, retention ended {case.expired_on.isoformat()}"),
            "removed": (None, f"{len(people)} affected people's contact details"),
        })
    return removed


def run(ctx: AppContext, actor: str, dry_run: bool = False, today: date | None = None) -> RunResult:
    """Anonymise every expired case and delete the upgrade backups and before-restore copies past
    :data:`~privdesk.domain.retention.UPGRADE_BACKUP_DAYS` (or only list them with ``dry_run``)."""
    today = today or date.today()
    cases = expired_cases(ctx, today)
    backups, copies = upgrade_backups(ctx), before_restore_copies(ctx)
    old = tuple(b for b in backups if upgrade_backup_expired(b.made, today))
    old_copies = tuple(b for b in copies if upgrade_backup_expired(b.made, today))
    kept = tuple(b for b in backups if b not in old)
    copies_kept = tuple(b for b in copies if b not in old_copies)
    if dry_run:
        return RunResult(True, today, tuple(cases), 0, old, kept, old_copies, copies_kept)
    files = 0
    for case in cases:
        files += (_anonymise_request if case.kind == "request" else _anonymise_breach)(ctx, case, actor)
    if old or old_copies:
        _remove_backups(ctx, [*old, *old_copies], actor, today)
    with ctx.db.unit_of_work() as s:
        row = s.get(Setting, LAST_RUN_KEY)
        if row is None:
            s.add(Setting(key=LAST_RUN_KEY, value=today.isoformat()))
        else:
            row.value = today.isoformat()
    log.info("retention run: %d cases anonymised, %d files removed, %d upgrade backups and %d before-restore "
             "copies deleted", len(cases), files, len(old), len(old_copies))
    return RunResult(False, today, tuple(cases), files, old, kept, old_copies, copies_kept)
