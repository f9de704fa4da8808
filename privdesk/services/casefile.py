"""A request's case file: the search snapshots attached to it, the portability export made
from them, and the letters generated for it — each recorded on the request and in the audit trail.

This is where the three capabilities meet: discovery (what was found), documents (what is sent)
and requests (to whom and by when).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from privdesk.discovery.export import (
    ExportInfo,
    SearchSnapshot,
    canonical_json,
    snapshot_from_dict,
    snapshot_to_csv_zip,
    snapshot_to_dict,
    snapshot_to_json_file,
)
from privdesk.documents.encryption import ENCRYPTION
from privdesk.documents.model import Art15Info, ExportSnapshot, LetterRequest, PortabilityFile
from privdesk.domain.laws import base_law_id, get_law
from privdesk.domain.request_types import RequestType
from privdesk.errors import NotFoundError, ValidationError
from privdesk.files import sha256_file
from privdesk.services import audit
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.settings import get_profile
from privdesk.store import audit as store_audit
from privdesk.store.casefile_models import RequestDocument, RequestSnapshot
from privdesk.store.request_models import Request

log = logging.getLogger("privdesk.services.casefile")

ENTITY = "request"
EXPORT_FORMATS = ("json", "csv")
#: What the UI shows next to the password field.
PASSWORD_ENCRYPTION = ENCRYPTION


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    reference: str
    taken_at: str
    attached_by: str
    identifiers: dict[str, list[str]]
    row_count: int
    sha256: str


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    reference: str
    kind: str
    filename: str
    stored_path: Path
    sha256: str
    size: int
    pages: int
    encryption: str
    created_by: str
    created_at: datetime | None


def _request(s: Session, reference: str) -> Request:
    ref = rq.parse_reference(reference)
    r = s.scalar(select(Request).where(Request.reference == ref))
    if r is None:
        raise NotFoundError(f"There is no request {ref}.")
    return r


def _snapshot_info(ref: str, row: RequestSnapshot) -> SnapshotInfo:
    return SnapshotInfo(row.id, ref, row.taken_at, row.attached_by, json.loads(row.identifiers),
                        row.row_count, row.sha256)


def _document_info(ctx: AppContext, ref: str, row: RequestDocument) -> DocumentInfo:
    return DocumentInfo(row.id, ref, row.kind, row.filename, ctx.paths.data_dir / row.stored_path, row.sha256,
                        row.size, row.pages, row.encryption, row.created_by, row.created_at)


# -- snapshots ------------------------------------------------------------------------------------
def attach_snapshot(ctx: AppContext, reference: str, snapshot: SearchSnapshot, actor: str) -> SnapshotInfo:
    """Save what a search found on the request, with the time and the identifiers used."""
    data = snapshot_to_dict(snapshot)
    blob = canonical_json(data)
    sha = hashlib.sha256(blob).hexdigest()
    with ctx.db.unit_of_work() as s:
        r = _request(s, reference)
        row = RequestSnapshot(request_id=r.id, taken_at=snapshot.taken_at, attached_by=actor,
                              identifiers=json.dumps(data["identifiers"], ensure_ascii=False),
                              row_count=snapshot.row_count, sha256=sha, data=blob.decode("utf-8"))
        s.add(row)
        s.flush()
        counts = {k: len(v) for k, v in data["identifiers"].items()}
        audit.append(s, actor, ENTITY, r.reference, "attach_search", {
            "snapshot": (None, f"#{row.id} taken {snapshot.taken_at}, {snapshot.row_count} rows, sha256 {sha[:16]}"),
            "identifiers_used": (None, ", ".join(f"{n} {k}" for k, n in counts.items())),
            "sources": (None, ", ".join(snapshot.connections)),
            **({"left_out": (None, "; ".join(x.sentence for x in snapshot.excluded))} if snapshot.excluded else {}),
        })
        info = _snapshot_info(r.reference, row)
    log.info("request %s: search snapshot %s attached (%d rows)", info.reference, info.id, info.row_count)
    return info


def list_snapshots(ctx: AppContext, reference: str) -> list[SnapshotInfo]:
    with ctx.db.session() as s:
        r = _request(s, reference)
        rows = s.scalars(select(RequestSnapshot).where(RequestSnapshot.request_id == r.id)
                         .order_by(RequestSnapshot.id.desc()))
        return [_snapshot_info(r.reference, row) for row in rows]


def latest_snapshot(ctx: AppContext, reference: str) -> tuple[SnapshotInfo, SearchSnapshot]:
    with ctx.db.session() as s:
        r = _request(s, reference)
        row = s.scalar(select(RequestSnapshot).where(RequestSnapshot.request_id == r.id)
                       .order_by(RequestSnapshot.id.desc()).limit(1))
        if row is None:
            raise NotFoundError(
                f"Request {r.reference} has no search result attached yet. Run a subject search and "
                "attach it to the request first (Search area, or `privdesk search ... --attach "
                f"{r.reference}`).")
        return _snapshot_info(r.reference, row), snapshot_from_dict(json.loads(row.data))


# -- documents ------------------------------------------------------------------------------------
def _documents_dir(ctx: AppContext, reference: str) -> Path:
    d = ctx.paths.data_dir / "documents" / reference
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def _record(ctx: AppContext, reference: str, kind: str, written: Path, sha: str, size: int, actor: str,
            pages: int = 0, encryption: str = "", snapshot_id: int | None = None,
            audit_head: str = "") -> DocumentInfo:
    """Keep a copy in the data directory (the case file reopens it even if the sent file moves)
    and record it on the request and in the audit trail."""
    folder = _documents_dir(ctx, reference)
    # Unique per copy: two letters written in the same second must not overwrite each other.
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    copy = folder / f"{stamp}-{secrets.token_hex(4)}-{written.name}"
    while copy.exists():
        copy = folder / f"{stamp}-{secrets.token_hex(4)}-{written.name}"
    if written.resolve() != copy.resolve():
        from privdesk.documents.letters import write_private_file

        write_private_file(copy, written.read_bytes())  # atomic, owner-only: it holds personal data
    with ctx.db.unit_of_work() as s:
        r = _request(s, reference)
        store_audit.lock_chain(s)  # the head read next is the one this document is written under
        row = RequestDocument(request_id=r.id, kind=kind, filename=written.name,
                              stored_path=str(copy.relative_to(ctx.paths.data_dir)), sha256=sha, size=size,
                              pages=pages, encryption=encryption, snapshot_id=snapshot_id, created_by=actor,
                              audit_head=audit_head or store_audit.head(s)[1])
        s.add(row)
        s.flush()
        audit.append(s, actor, ENTITY, r.reference, f"document_{kind}", {
            "document": (None, f"{kind}: {written.name}"),
            "sha256": (None, sha),
            "audit_head": (None, row.audit_head),
            **({"encryption": (None, encryption)} if encryption else {}),
        })
        info = _document_info(ctx, r.reference, row)
    log.info("request %s: %s document recorded (#%d)", info.reference, kind, info.id)
    return info


def list_documents(ctx: AppContext, reference: str) -> list[DocumentInfo]:
    with ctx.db.session() as s:
        r = _request(s, reference)
        rows = s.scalars(select(RequestDocument).where(RequestDocument.request_id == r.id)
                         .order_by(RequestDocument.id.desc()))
        return [_document_info(ctx, r.reference, row) for row in rows]


@dataclass(frozen=True)
class DocumentCheck:
    """A recorded document and whether its kept copy still has the recorded SHA-256."""

    document: DocumentInfo
    status: str  # "ok", "altered" or "missing"
    actual_sha256: str | None = None


def verify_documents(ctx: AppContext, reference: str) -> list[DocumentCheck]:
    """Re-hash every kept copy of the request's documents against the hash recorded when it was
    written (and quoted in the audit trail)."""
    checks = []
    for doc in list_documents(ctx, reference):
        if not doc.stored_path.is_file():
            checks.append(DocumentCheck(doc, "missing"))
            continue
        actual = sha256_file(doc.stored_path)
        checks.append(DocumentCheck(doc, "ok" if actual == doc.sha256 else "altered", actual))
    bad = sum(1 for c in checks if c.status != "ok")
    log.info("request documents verified: %d checked, %d not matching", len(checks), bad)
    return checks


def export_portability(ctx: AppContext, reference: str, fmt: str, path: Path | str, actor: str) -> DocumentInfo:
    """The machine-readable copy of the latest snapshot (JSON, or a ZIP of CSV files)."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(f"{fmt!r} is not an export format; choose json or csv.")
    from privdesk.services.withholding import disclosed_snapshot

    info, _found, snap, _notes = disclosed_snapshot(ctx, reference)  # withheld data left out
    target = Path(path)
    if not target.parent.is_dir():
        raise ValidationError(f"The folder {target.parent} does not exist.")
    written: ExportInfo = (snapshot_to_json_file if fmt == "json" else snapshot_to_csv_zip)(
        snap, info.reference, target)
    return _record(ctx, info.reference, f"portability-{fmt}", target, written.sha256, target.stat().st_size,
                   actor, snapshot_id=info.id)


def letter_request(ctx: AppContext, reference: str) -> LetterRequest:
    """The plain facts a letter quotes, copied out of the request."""
    d = rq.get_request(ctx, reference)
    law = get_law(d.law)
    # A shipped law's letters cite from the letter wording (templates/laws.toml), in that law's one
    # citation style; the rule file's citations are the app's (notes such as "(right to know)").
    # An appeal (its own periods) and an organisation's law (its own provisions) cite their rule file.
    citations: dict[str, str] = {}
    if law.origin != "shipped":
        citations = {"right": d.legal_basis, "deadline": law.citations.get("response", ""),
                     "extension": law.extension.citation if law.extension else ""}
        citations = {k: v for k, v in citations.items() if v}
    reasons = tuple(x.strip() for x in d.decision_reason.split("\n") if x.strip()) if d.status == "denied" else ()
    appeal_of = ""
    if law.origin == "appeal":  # an appeal's letters use its law's wording, citing the appeal rules
        from privdesk.services.requests.legal import appeal_links

        appeal_of = appeal_links(ctx, d.reference).appeal_of
    summary = d.outcome or (d.decision_reason if d.status == "completed" else "")
    from privdesk.services.erasure import completion_summary

    carried_out = completion_summary(ctx, d.reference)  # per system: erased, masked, corrected, kept
    if carried_out:
        summary = f"{summary}\n\n{carried_out}".strip()
    return LetterRequest(
        appeal_of=appeal_of,
        response_period=law.period_for(RequestType(d.type)).describe() if law.letters_as else "",
        reference=d.reference, request_type=d.type, law=law.letters_as or base_law_id(d.law), law_name=d.law_name,
        received=d.received,
        due=d.due, extended_due=d.extended_due if d.extended else None, subject_name=d.subject_name,
        subject_email=(d.emails or [""])[0], subject_address=d.subject_address,
        requester_name=d.requester or None, verification=d.verification, status=d.status,
        extension_reason=d.extension_reason, denial_reasons=reasons,
        completion_summary=summary,
        assignee_name=d.assignee_name, citations=citations,
    )


def _latest_portability(ctx: AppContext, reference: str, snapshot_id: int) -> DocumentInfo | None:
    """The newest portability file made from the snapshot, unless data was withheld (or disclosed
    again) after it was written: then it no longer matches what the letter discloses."""
    events = audit.history(ctx, ENTITY, reference)
    changed = max((e.seq for e in events if e.action in ("withhold", "withhold_removed")), default=0)
    for doc in list_documents(ctx, reference):
        if doc.kind.startswith("portability") and doc.stored_path.exists():
            with ctx.db.session() as s:
                row = s.get(RequestDocument, doc.id)
                if row is None or row.snapshot_id != snapshot_id:
                    continue
            made = max((e.seq for e in events if e.action == f"document_{doc.kind}"
                        and e.changes.get("document", (None, None))[1] == f"{doc.kind}: {doc.filename}"), default=0)
            return doc if made > changed else None
    return None


@dataclass(frozen=True)
class LetterInputs:
    request: LetterRequest
    snapshot: ExportSnapshot | None
    snapshot_id: int | None
    portability: PortabilityFile | None
    art15: Art15Info | None = None
    #: snapshot tables no register activity covers (the letter falls back to the generic text)
    uncovered: tuple[str, ...] = ()


def letter_inputs(ctx: AppContext, kind: str, reference: str, today: date | None = None,
                  preview: bool = False, asks: Sequence[str] = ()) -> LetterInputs:
    """Everything a letter needs; refuses letters that do not fit the request, in plain words.

    For the export letter the Art. 15 sections come from the register's activities of exactly the
    snapshot's tables (the generic text only where it has nothing; ``preview`` marks that text),
    and withheld rows and columns are left out of the appendix. ``asks``: what a verification
    letter asks for (``documents.VERIFICATION_ASKS``); empty is the proportionate default.
    """
    # reportlab and the layout load with the first letter, not with the case file
    from privdesk.documents.letters import check_letter_fits

    req = letter_request(ctx, reference)
    if asks:
        req = replace(req, verification_asks=tuple(asks))
    check_letter_fits(kind, req, today)
    if kind == "completion":
        from privdesk.services.erasure import unfinished

        waiting = unfinished(ctx, reference)  # a letter saying "erased" while billing still holds the data
        if waiting:
            raise ValidationError(waiting)
    snapshot = portability = art15 = None
    snapshot_id = None
    uncovered: tuple[str, ...] = ()
    if kind == "export":
        from privdesk.services import ropa
        from privdesk.services.withholding import disclosed_snapshot

        info, found, snap, withheld = disclosed_snapshot(ctx, reference)
        snapshot = dataclasses.replace(ExportSnapshot.from_search(snap), withheld=withheld)
        snapshot_id = info.id
        tables = [(s.connection, s.table, tuple(c for c in s.columns if any(r.get(c) is not None for r in s.rows)))
                  for s in ExportSnapshot.from_search(found).sources]
        sections = ropa.sections_for(ctx, tables, req.law)
        art15, uncovered = ropa.art15_info(sections, preview), sections.uncovered
        doc = _latest_portability(ctx, reference, info.id)
        if doc is not None:
            portability = PortabilityFile(doc.filename, doc.sha256)
    return LetterInputs(req, snapshot, snapshot_id, portability, art15, uncovered)


def preview_letter(ctx: AppContext, kind: str, reference: str, today: date | None = None,
                   asks: Sequence[str] = ()) -> bytes:
    """The PDF bytes for the in-app preview; nothing is saved or recorded."""
    from privdesk.documents.letters import render_letter

    inputs = letter_inputs(ctx, kind, reference, today, preview=True, asks=asks)
    return render_letter(kind, inputs.request, get_profile(ctx), inputs.snapshot, inputs.portability, today,
                         art15=inputs.art15)


def generate_letter(ctx: AppContext, kind: str, reference: str, path: Path | str, actor: str,
                    password: str | None = None, today: date | None = None,
                    asks: Sequence[str] = ()) -> DocumentInfo:
    """Write the letter to ``path`` and record it on the request.

    For an export letter the machine-readable copy is written beside it first (JSON, named after
    the letter) unless one was already made from the same snapshot, so the letter can name the
    file and its SHA-256. When the copy would hold nothing (the search found nothing, or all that
    was found is withheld) no file is written or recorded: the letter names none, and an empty
    file beside it would only suggest data was sent.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise ValidationError(f"The folder {target.parent} does not exist.")
    inputs = letter_inputs(ctx, kind, reference, today, asks=asks)
    portability = inputs.portability
    if kind == "export" and portability is None and inputs.snapshot is not None and inputs.snapshot.row_count:
        data_file = target.with_name(f"{target.stem}-data.json")
        doc = export_portability(ctx, reference, "json", data_file, actor)
        portability = PortabilityFile(doc.filename, doc.sha256)
    if password is not None and not password:
        raise ValidationError("The password is empty; leave it out for a letter without a password.")
    from privdesk.documents.letters import write_letter

    with ctx.db.session() as s:
        head = store_audit.head(s)[1]  # the letter carries it (PDF keywords) and its record too
    written = write_letter(kind, inputs.request, get_profile(ctx), target, inputs.snapshot, portability, today,
                           password=password, art15=inputs.art15, audit_head=head)
    return _record(ctx, inputs.request.reference, kind, target, written.sha256, written.size, actor,
                   pages=written.pages, encryption=written.encryption or "", snapshot_id=inputs.snapshot_id,
                   audit_head=head)
