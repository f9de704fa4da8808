"""Trust in the audit trail beyond its own hash chain.

The chain (:func:`privdesk.services.audit.verify`) finds an altered or removed entry *inside* it,
but not entries deleted from its end, nor a request changed directly in the database. Three
checks close those gaps:

- **anchors outside the database**: ``privdesk audit anchor -o FILE`` writes a checkpoint (the
  head's sequence number and hash, with a SHA-256 of its own content so an edited file is
  noticed); ``audit verify --anchor FILE`` requires that entry to still be in the chain;
- **document anchors**: every letter and notice records the head hash it was written under; each
  of those hashes must still be in the chain;
- **replay**: each request's and breach's current state must equal the state its audit entries
  replay to (each entry's ``{field: [old, new]}``), and the first difference is named.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from privdesk.errors import ValidationError
from privdesk.files import atomic_write
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store import audit as store_audit
from privdesk.store.audit_redaction import REMOVED
from privdesk.store.breach_models import Breach, BreachNotification
from privdesk.store.casefile_models import RequestDocument
from privdesk.store.request_models import AuditEntry, Request

log = logging.getLogger("privdesk.audit")

ANCHOR_FORMAT = "privdesk-audit-anchor/1"

#: Request fields whose every change is audited (the workflow snapshot, the subject's name and
#: the facts fixed when the request was opened): these are replayed and compared.
REQUEST_FIELDS = (
    "status", "verification", "verified_on", "clock_start", "due", "extended_due", "acknowledge_by",
    "deadline", "extension_reason", "assignee_id", "outcome", "decision_reason", "decided_by",
    "decided_on", "duplicate_of", "merged_into", "paused_since", "subject_name", "type", "law", "received",
)
#: Breach fields: every stored value of the record is audited on creation and on each update.
BREACH_FIELDS = (
    "title", "status", "risk", "risk_reasoning", "aware_at", "occurred_from", "occurred_to", "discovery",
    "nature", "description", "subjects_approx", "records_approx", "consequences", "measures",
    "measures_proposed", "contact_name", "contact_email", "contact_phone", "countries", "regimes",
    "exemptions", "exemption_reasoning", "incident_type", "cyber_incident", "ongoing", "unintelligible",
    "processor", "notes", "others_informed", "law_enforcement_delay",
)


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    database: str

    def body(self) -> dict[str, Any]:
        return {"format": ANCHOR_FORMAT, "seq": self.seq, "hash": self.hash, "at": self.at,
                "database": self.database}


def _checksum(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def write_anchor(ctx: AppContext, path: Path | str) -> Anchor:
    """Write a checkpoint of the chain's head to keep outside the database (another disk, a
    ticket, an e-mail to yourself)."""
    with ctx.db.session() as s:
        seq, head = store_audit.head(s)
    anchor = Anchor(seq, head, datetime.now(UTC).isoformat(timespec="seconds"), ctx.db.describe())
    doc = {**anchor.body(), "checksum": _checksum(anchor.body())}
    target = Path(path)
    if not target.parent.is_dir():
        raise ValidationError(f"The folder {target.parent} does not exist.")
    try:
        atomic_write(target, lambda fh: fh.write((json.dumps(doc, indent=2) + "\n").encode()))
    except OSError as exc:
        raise ValidationError(f"Cannot write {target}: {exc.strerror}.") from exc
    log.info("audit anchor written at entry %d", seq)
    return anchor


def read_anchor(path: Path | str) -> Anchor:
    """Read a checkpoint; an edited or foreign file is refused with the reason."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"Cannot read the anchor file {p}: {exc.strerror}.") from exc
    except ValueError as exc:
        raise ValidationError(f"{p.name} is not an audit anchor file (not JSON).") from exc
    if not isinstance(doc, dict) or doc.get("format") != ANCHOR_FORMAT:
        raise ValidationError(f"{p.name} is not an audit anchor file written by PrivDesk.")
    try:
        anchor = Anchor(int(doc["seq"]), str(doc["hash"]), str(doc["at"]), str(doc.get("database", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"The anchor file {p.name} is incomplete.") from exc
    if doc.get("checksum") != _checksum(anchor.body()):
        raise ValidationError(f"The anchor file {p.name} was altered: its checksum does not match its content.")
    return anchor


@dataclass
class TrustReport:
    """Every check of ``audit verify``; ``problems`` in the order found, the first one named."""

    chain: audit.VerifyResult
    problems: list[str] = field(default_factory=list)
    anchors_checked: int = 0
    documents_checked: int = 0
    records_replayed: int = 0

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems

    def message(self) -> str:
        if not self.chain.ok:
            return self.chain.message()
        if self.problems:
            more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
            return f"audit trail does not match: {self.problems[0]}{more}"
        # the plain line scripts rely on; the details are in --json
        return self.chain.message() + ("; the anchor file matches" if self.anchors_checked else "")


def check_anchor(ctx: AppContext, anchor: Anchor) -> str | None:
    with ctx.db.session() as s:
        found = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == anchor.seq))
        last, _h = store_audit.head(s)
    if found is None:
        return (f"the anchor of {anchor.at} names entry {anchor.seq}, but the chain ends at entry {last}: "
                f"{anchor.seq - last} entries were deleted from its end")
    if found != anchor.hash:
        return f"entry {anchor.seq} is not the one anchored on {anchor.at} (the chain was rewritten from there)"
    return None


def _missing_heads(ctx: AppContext, heads: Iterable[tuple[str, str]]) -> list[str]:
    wanted: dict[str, list[str]] = {}
    for what, h in heads:
        if h and h != store_audit.GENESIS_HASH:
            wanted.setdefault(h, []).append(what)
    found: set[str] = set()
    keys = list(wanted)
    with ctx.db.session() as s:
        for i in range(0, len(keys), 500):
            found.update(s.scalars(select(AuditEntry.hash).where(AuditEntry.hash.in_(keys[i:i + 500]))))
    return [f"{w} was written under audit entry {h[:16]}…, which is no longer in the chain "
            "(entries were deleted from its end)" for h in keys if h not in found for w in wanted[h]]


def check_documents(ctx: AppContext) -> tuple[int, list[str]]:
    """Every letter's and notice's recorded head hash must still be an entry of the chain."""
    with ctx.db.session() as s:
        docs = [(f"the {k} letter {f} of {ref}", h) for k, f, ref, h in s.execute(
            select(RequestDocument.kind, RequestDocument.filename, Request.reference, RequestDocument.audit_head)
            .join(Request, Request.id == RequestDocument.request_id))]
        docs += [(f"the {k} notice of {ref} sent {at:%Y-%m-%d %H:%M}", h) for k, ref, at, h in s.execute(
            select(BreachNotification.kind, Breach.reference, BreachNotification.sent_at,
                   BreachNotification.audit_head).join(Breach, Breach.id == BreachNotification.breach_id))]
    return len([d for d in docs if d[1]]), _missing_heads(ctx, docs)


def _norm(value: Any) -> Any:
    """A value as audited: dates and moments compared as instants, empty as None."""
    if value in ("", None, "[]"):
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 16 and value[4] == "-" and "T" in value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value
    return str(value)


def _show(value: Any) -> str:
    v = _norm(value)
    return "empty" if v is None else repr(v.isoformat() if isinstance(v, datetime) else v)


def replay(ctx: AppContext) -> tuple[int, list[str]]:
    """Fold every request's and breach's audit entries into the state they describe and compare
    it with the stored row; returns (records compared, differences)."""
    state: dict[tuple[str, str], dict[str, Any]] = {}
    tracked = {"request": set(REQUEST_FIELDS), "breach": set(BREACH_FIELDS)}
    with ctx.db.session() as s:
        q = (select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.changes)
             .where(AuditEntry.entity.in_(tuple(tracked))).order_by(AuditEntry.seq))
        for entity, entity_id, changes in s.execute(q.execution_options(yield_per=5000)):
            try:
                data = json.loads(changes)
            except ValueError:
                continue
            st = state.setdefault((entity, entity_id), {})
            for k, pair in data.items():
                if k in tracked[entity] and isinstance(pair, list) and len(pair) == 2:
                    st[k] = pair[1]
        problems: list[str] = []
        compared = 0
        for model, entity, key in ((Request, "request", Request.reference), (Breach, "breach", Breach.reference)):
            fields = [f for f in tracked[entity] if f in model.__table__.columns]
            cols = [getattr(model, f) for f in fields]
            for row in s.execute(select(key, *cols).order_by(key).execution_options(yield_per=5000)):
                compared += 1
                ref, values = row[0], dict(zip(fields, row[1:], strict=True))
                replayed = state.get((entity, ref))
                if replayed is None:
                    problems.append(f"{entity} {ref} has no audit entries at all (it was written directly "
                                    "into the database)")
                    continue
                for f in fields:
                    if replayed.get(f) == REMOVED:
                        continue  # redacted by retention (with a tombstone): nothing left to compare
                    if _norm(values[f]) != _norm(replayed.get(f)):
                        problems.append(f"{entity} {ref}: {f} is {_show(values[f])} in the database, but its "
                                        f"audit entries end at {_show(replayed.get(f))} (changed outside "
                                        "PrivDesk)")
                        break
    return compared, problems


def verify_all(ctx: AppContext, anchor_file: Path | str | None = None) -> TrustReport:
    """The chain, the anchor file (if given), the documents' anchors and the replay."""
    report = TrustReport(audit.verify(ctx))
    if anchor_file is not None:
        anchor = read_anchor(anchor_file)
        report.anchors_checked = 1
        problem = check_anchor(ctx, anchor)
        if problem:
            report.problems.append(problem)
    if not report.chain.ok:
        return report
    report.documents_checked, missing = check_documents(ctx)
    report.problems.extend(missing)
    report.records_replayed, diffs = replay(ctx)
    report.problems.extend(diffs)
    if report.problems:
        log.warning("audit verify: %d problems", len(report.problems))
    return report
