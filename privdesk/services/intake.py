"""Intake from files: a web form's CSV export and ``.eml`` messages.

An import is one transaction: every row is validated first, and one bad row means nothing is
written, with each bad row named. A CSV's columns are mapped to request fields by a mapping the
officer confirms (guessed from the headers to start with).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from privdesk.domain.requests import RequestType
from privdesk.errors import PrivDeskError, ValidationError
from privdesk.services import audit
from privdesk.services import requests as req
from privdesk.services.context import AppContext
from privdesk.store import models

log = logging.getLogger("privdesk.intake")

FIELDS: tuple[str, ...] = ("name", "email", "phone", "customer_id", "type", "law", "received",
                           "channel", "address", "requester", "notes", "country", "subdivision")
FIELD_LABELS = {
    "name": "Subject name", "email": "E-mail", "phone": "Phone", "customer_id": "Customer id",
    "type": "Request type", "law": "Law", "received": "Received", "channel": "Channel",
    "address": "Postal address", "requester": "Requester", "notes": "Notes",
    "country": "Holiday country", "subdivision": "Holiday subdivision",
}
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "subject", "subject name", "your name", "requester name", "nome"),
    "email": ("email", "e-mail", "email address", "e-mail address", "your email", "mail"),
    "phone": ("phone", "telephone", "phone number", "mobile", "tel"),
    "customer_id": ("customer id", "customer number", "account", "account id", "customer"),
    "type": ("type", "request type", "request", "right", "what do you want"),
    "law": ("law", "regulation", "jurisdiction"),
    "received": ("received", "date", "submitted", "submitted at", "timestamp", "created", "date received"),
    "channel": ("channel", "source"),
    "address": ("address", "postal address", "street address"),
    "requester": ("requester", "on behalf of", "agent", "authorised agent", "authorized agent"),
    "notes": ("notes", "message", "comments", "details", "comment"),
    "country": ("holiday country",),
    "subdivision": ("holiday subdivision",),
}
_MULTI = re.compile(r"[;,\n]+")
MAX_ERRORS_IN_MESSAGE = 5


@dataclass(frozen=True)
class ImportDefaults:
    """Values for rows or messages that do not say (empty: the organisation's default law)."""

    law: str = ""
    type: str = ""
    channel: str = ""


@dataclass(frozen=True)
class RowCheck:
    """One CSV row as mapped, and what is wrong with it ('' when it would import)."""

    line: int
    values: dict[str, str]
    error: str = ""


@dataclass(frozen=True)
class CsvPreview:
    headers: tuple[str, ...]
    mapping: dict[str, str]
    rows: tuple[RowCheck, ...]

    @property
    def errors(self) -> list[RowCheck]:
        return [r for r in self.rows if r.error]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


@dataclass(frozen=True)
class ImportResult:
    rows: int
    references: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    duplicates: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def _key(text: str) -> str:
    return " ".join(re.sub(r"[_\-:*]+", " ", text).casefold().split())


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """A first guess of field -> column from the header names (the dialog lets the officer fix it)."""
    by_key = {_key(h): h for h in headers}
    mapping: dict[str, str] = {}
    for fld, names in _SYNONYMS.items():
        for n in (fld, *names):
            if _key(n) in by_key and by_key[_key(n)] not in mapping.values():
                mapping[fld] = by_key[_key(n)]
                break
    return mapping


#: The largest intake file read (CSV or e-mail): larger ones are refused before reading, so a
#: mistaken choice (a database dump, a video) cannot exhaust memory.
MAX_INTAKE_BYTES = 50 * 1024 * 1024


def _read_bounded(p: Path) -> bytes:
    try:
        size = p.stat().st_size
        if size > MAX_INTAKE_BYTES:
            raise ValidationError(
                f"{p.name} is {size / 1_048_576:.0f} MB; PrivDesk imports files of at most "
                f"{MAX_INTAKE_BYTES // 1_048_576} MB. Split it into smaller files.")
        with p.open("rb") as fh:
            raw = fh.read(MAX_INTAKE_BYTES + 1)
    except OSError as exc:
        raise ValidationError(f"Cannot read {p}: {exc.strerror}.") from exc
    if len(raw) > MAX_INTAKE_BYTES:  # it grew while we looked
        raise ValidationError(f"{p.name} is larger than {MAX_INTAKE_BYTES // 1_048_576} MB; split it.")
    return raw


def read_csv(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """Headers and rows of a CSV file (UTF-8 with or without BOM; comma, semicolon or tab).

    Records are read by the csv module itself, so a quoted line break, form feed or other
    separator inside a cell stays in that cell instead of starting a new row.
    """
    p = Path(path)
    raw = _read_bounded(p)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{p.name} is not UTF-8 text; save the export as CSV UTF-8.") from None
    if not text.strip():
        raise ValidationError(f"{p.name} is empty.")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ValidationError(f"{p.name} is not a readable CSV file: {exc} (line {reader.line_num}).") from exc
    headers = [h.strip() for h in rows[0]]
    if len(set(headers)) != len(headers):
        raise ValidationError(f"{p.name} has two columns with the same name; rename one.")
    out = []
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        out.append({h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(headers)})
    return headers, out


def parse_received(text: str) -> date:
    """ISO date or timestamp (what web forms export); anything else is refused, not guessed."""
    t = text.strip()
    try:
        return date.fromisoformat(t)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(t.replace("Z", "+00:00")).date()
    except ValueError:
        raise ValidationError(f"the received date {t!r} is not a date; write it as YYYY-MM-DD.") from None


def _org_default_law(s: Session) -> str:
    value = s.scalar(select(models.Setting.value).where(models.Setting.key == "default_law"))
    return value or ""


def _new_from_row(values: dict[str, str], defaults: ImportDefaults, default_law: str) -> req.NewRequest:
    received = values.get("received", "")
    if not received:
        raise ValidationError("the received date is missing.")
    law = values.get("law") or defaults.law or default_law
    if not law:
        raise ValidationError("no law given (map a column, pass a default law or set one in Settings).")
    return req.NewRequest(
        type=values.get("type") or defaults.type or "access", law=law,
        received=parse_received(received), name=values.get("name", ""),
        emails=tuple(v for v in _MULTI.split(values.get("email", "")) if v.strip()),
        phones=tuple(v for v in re.split(r"[;\n]+", values.get("phone", "")) if v.strip()),
        customer_ids=tuple(v for v in _MULTI.split(values.get("customer_id", "")) if v.strip()),
        channel=values.get("channel") or defaults.channel or "web_form",
        address=values.get("address", ""), requester=values.get("requester", ""),
        notes=values.get("notes", ""), holiday_country=values.get("country", ""),
        holiday_subdivision=values.get("subdivision", ""))


def _check_mapping(headers: Sequence[str], mapping: dict[str, str]) -> None:
    for fld, column in mapping.items():
        if fld not in FIELDS:
            raise ValidationError(f"{fld!r} is not a request field; fields: {', '.join(FIELDS)}.")
        if column and column not in headers:
            raise ValidationError(f"The file has no column {column!r} (mapped to {fld}); "
                                  f"columns: {', '.join(headers)}.")
    if not mapping.get("name"):
        raise ValidationError("Map a column to the subject's name.")
    if not mapping.get("received"):
        raise ValidationError("Map a column to the received date.")


def _mapped(row: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    return {fld: row.get(col, "") for fld, col in mapping.items() if col}


def preview_csv(ctx: AppContext, path: str | Path, mapping: dict[str, str] | None = None,
                defaults: ImportDefaults = ImportDefaults(), today: date | None = None) -> CsvPreview:
    """Every row as it would be imported, each with its error; nothing is written."""
    headers, rows = read_csv(path)
    mapping = dict(mapping) if mapping is not None else guess_mapping(headers)
    _check_mapping(headers, mapping)
    checks = []
    with ctx.db.session() as s:
        default_law = _org_default_law(s)
        for i, row in enumerate(rows, start=2):
            values = _mapped(row, mapping)
            try:
                req.prepare(s, _new_from_row(values, defaults, default_law), today)
                checks.append(RowCheck(i, values))
            except PrivDeskError as exc:
                checks.append(RowCheck(i, values, exc.message))
        s.rollback()
    return CsvPreview(tuple(headers), mapping, tuple(checks))


def import_csv(ctx: AppContext, path: str | Path, actor: str, mapping: dict[str, str] | None = None,
               defaults: ImportDefaults = ImportDefaults(), dry_run: bool = False,
               today: date | None = None) -> ImportResult:
    """Import every row or none: a single bad row stops the import, naming each bad row."""
    today = today or date.today()
    headers, rows = read_csv(path)
    if not rows:
        raise ValidationError(f"{Path(path).name} has a header but no rows.")
    mapping = dict(mapping) if mapping is not None else guess_mapping(headers)
    _check_mapping(headers, mapping)
    with req._unit(ctx) as s:
        default_law = _org_default_law(s)
        prepared, errors = [], []
        for i, row in enumerate(rows, start=2):
            try:
                prepared.append(req.prepare(s, _new_from_row(_mapped(row, mapping), defaults, default_law), today))
            except PrivDeskError as exc:
                errors.append(f"line {i}: {exc.message}")
        if errors:
            shown = "; ".join(errors[:MAX_ERRORS_IN_MESSAGE])
            more = f" (and {len(errors) - MAX_ERRORS_IN_MESSAGE} more)" if len(errors) > MAX_ERRORS_IN_MESSAGE else ""
            raise ValidationError(f"Nothing was imported: {len(errors)} of {len(rows)} rows have "
                                  f"errors. {shown}{more}")
        if dry_run:
            s.rollback()
            return ImportResult(len(rows))
        refs, dups, alloc = [], [], req.ReferenceAllocator(s, today.year)
        for prep in prepared:
            found = req.find_duplicates(s, prep.identifiers)
            ref = alloc.next()
            req.insert_prepared(s, prep, ref, actor, duplicate_of=found[0].reference if found else "",
                                audit_action="import")
            refs.append(ref)
            if found:
                dups.append((ref, found[0].reference))
    notes = tuple(f"{a} may duplicate open request {b}" for a, b in dups)
    log.info("CSV import: %d requests", len(refs))
    return ImportResult(len(rows), tuple(refs), notes, tuple(dups))


# -- e-mail --------------------------------------------------------------------------------------
_TYPE_HINTS: tuple[tuple[str, RequestType], ...] = (
    (r"opt[\s-]?out|unsubscribe|do not sell|don't sell|stop (?:sending|marketing)|marketing", RequestType.OPT_OUT),
    (r"delet|eras|forget|forgotten|remove my", RequestType.ERASURE),
    (r"rectif|correct|wrong data|inaccurate|update my", RequestType.RECTIFICATION),
    (r"portab|transfer my data|machine[- ]readable", RequestType.PORTABILITY),
    (r"restrict", RequestType.RESTRICTION),
    (r"\bobject", RequestType.OBJECTION),
    (r"access|subject access|\bs?dsar\b|\bsar\b|copy of (?:my|the) (?:personal )?data|right to know|what data", RequestType.ACCESS),
)


@dataclass(frozen=True)
class EmailHints:
    """What a message suggests: the officer confirms or corrects these."""

    name: str
    email: str
    subject: str
    received: date | None
    type: RequestType | None


def type_hint(text: str) -> RequestType | None:
    low = text.casefold()
    for pattern, rtype in _TYPE_HINTS:
        if re.search(pattern, low):
            return rtype
    return None


def _clean(text: str) -> str:
    """Bytes the e-mail parser could not decode (kept as surrogates) become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _header_text(msg: EmailMessage, name: str) -> str:
    """A header as text; an encoded word in an unknown charset is shown undecoded."""
    try:
        return _clean(str(msg[name] or "").strip())
    except (LookupError, UnicodeError, ValueError):
        raw = msg.get_all(name, failobj=[""])
        return _clean(str(raw[0] if raw else "").strip())


def _body_text(msg: EmailMessage) -> str:
    """The plain-text body; an unknown or wrong charset falls back to UTF-8 with replacement
    characters (the text only suggests the request type; the message itself is attached)."""
    try:
        body = msg.get_body(preferencelist=("plain",))
        if body is None:
            return ""
        try:
            return _clean(str(body.get_content()))
        except (LookupError, UnicodeError):
            payload = body.get_payload(decode=True)
            return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    except (LookupError, UnicodeError, ValueError, KeyError):
        return ""


def read_eml(path: str | Path) -> EmailHints:
    p = Path(path)
    msg = BytesParser(policy=policy.default).parsebytes(_read_bounded(p))
    assert isinstance(msg, EmailMessage)
    sender_name, sender_email = "", ""
    try:
        addresses = msg["from"].addresses if msg["from"] is not None else ()
    except (AttributeError, IndexError, ValueError, LookupError, UnicodeError):
        addresses = ()
    if addresses:
        sender_name, sender_email = _clean(addresses[0].display_name), _clean(addresses[0].addr_spec)
    if not sender_email:
        raise ValidationError(f"{p.name} has no sender address (From:), so it cannot become a request.")
    subject = _header_text(msg, "subject")
    received: date | None = None
    if _header_text(msg, "date"):
        try:
            received = parsedate_to_datetime(_header_text(msg, "date")).date()
        except (TypeError, ValueError):
            received = None
    text = _body_text(msg)
    hint = type_hint(subject) or type_hint(str(text)[:2000])
    name = sender_name.strip() or sender_email.split("@", 1)[0].replace(".", " ").title()
    return EmailHints(name, sender_email, subject, received, hint)


def import_eml(ctx: AppContext, paths: Sequence[str | Path], actor: str,
               defaults: ImportDefaults = ImportDefaults(), dry_run: bool = False,
               today: date | None = None) -> ImportResult:
    """One request per message (sender and subject as hints, the message kept as an attachment);
    all messages or none."""
    today = today or date.today()
    hints = [(Path(p), read_eml(p)) for p in paths]
    copied: list[Path] = []
    notes: list[str] = []
    try:
        with req._unit(ctx) as s:
            default_law = defaults.law or _org_default_law(s)
            if not default_law:
                raise ValidationError("No law to apply: pass --law or set a default law in Settings.")
            prepared, errors = [], []
            for p, h in hints:
                received = h.received if h.received and h.received <= today else today
                rtype = h.type.value if h.type else (defaults.type or "access")
                if h.type is None:
                    notes.append(f"{p.name}: type not recognised from the subject, set to {rtype}")
                new = req.NewRequest(type=rtype, law=default_law, received=received, name=h.name,
                                     emails=(h.email,), channel=defaults.channel or "email",
                                     notes=f"Imported from e-mail. Subject: {h.subject}" if h.subject else "Imported from e-mail.")
                try:
                    prepared.append((p, req.prepare(s, new, today)))
                except PrivDeskError as exc:
                    errors.append(f"{p.name}: {exc.message}")
            if errors:
                raise ValidationError(f"Nothing was imported: {'; '.join(errors)}")
            if dry_run:
                s.rollback()
                return ImportResult(len(hints), notes=tuple(notes))
            refs, alloc = [], req.ReferenceAllocator(s, today.year)
            for p, prep in prepared:
                found = req.find_duplicates(s, prep.identifiers)
                ref = alloc.next()
                r = req.insert_prepared(s, prep, ref, actor,
                                        duplicate_of=found[0].reference if found else "",
                                        audit_action="import")
                dest, sha, size, created = req.store_file(ctx, ref, p, p.name)
                if created:
                    copied.append(dest)
                req.add_attachment_row(ctx, r, dest, sha, size, actor)
                s.flush()
                audit.append(s, actor, req.ENTITY, ref, "attach", {"attachment": (None, f"{dest.name} sha256:{sha}")})
                refs.append(ref)
                if found:
                    notes.append(f"{ref} may duplicate open request {found[0].reference}")
    except BaseException:
        for f in copied:
            f.unlink(missing_ok=True)
        raise
    log.info("e-mail import: %d requests", len(refs))
    return ImportResult(len(hints), tuple(refs), tuple(notes))
