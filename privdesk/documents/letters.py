"""Public entry points: check that a letter fits a request, render it, write it to disk.

Unprintable text: by default a letter whose text holds characters the embedded fonts cannot draw is
refused with :class:`~privdesk.documents.context.UnprintableTextError` naming the characters and
where they are; with ``unprintable="mark"`` they are printed as ``[U+XXXX]`` codes and listed in
:attr:`RenderedLetter.warnings` instead.

Encryption: reportlab 5.1's own 256-bit output is unreadable (pypdf: "Invalid key size (384)";
poppler: "Invalid encryption key length", and pdftotext then prints an empty page without a
password error), so password-protected letters are encrypted with AES-256 (PDF 2.0, revision 6) by
pypdf after rendering; checked to open with pypdf and poppler. There is no weaker fall-back: when
pypdf or its AES provider (``cryptography``) cannot be loaded, a letter the officer asked to protect
is refused with :class:`EncryptionUnavailableError` and nothing is written.
"""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from privdesk.documents.context import TextGuard, Unprintable, build_context
from privdesk.documents.encryption import (  # noqa: F401 (re-exported)
    AES_256,
    ENCRYPTION,
    ENCRYPTION_LABELS,
    ENCRYPTION_METHOD,
    EncryptionUnavailableError,
    aes_available,
)
from privdesk.documents.layout import appendix_story, build_pdf, fill, letter_story
from privdesk.documents.model import (
    LAWS,
    LETTER_KINDS,
    REQUEST_TYPES,
    VERIFICATION_ASKS,
    Art15Info,
    ExportSnapshot,
    LetterRequest,
    PortabilityFile,
)
from privdesk.documents.templates import TemplateSet, load_templates
from privdesk.domain.profile import OrgProfile
from privdesk.errors import PrivDeskError, ValidationError
from privdesk.files import atomic_write

log = logging.getLogger("privdesk.documents")


class LetterNotApplicableError(ValidationError):
    """The letter kind does not fit the request in its current state."""


#: Prefix of the PDF keyword that carries the audit chain's head hash.
AUDIT_HEAD_KEYWORD = "privdesk-audit-head:"
TYPES_ANSWERED_BY_EXPORT = ("access", "portability")
TYPES_WITH_COMPLETION = ("rectification", "erasure", "restriction", "objection", "opt-out")


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    pages: int
    title: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class WrittenLetter:
    """What a service records about a generated document."""

    kind: str
    path: Path
    sha256: str
    size: int
    pages: int
    encryption: str | None
    warnings: tuple[str, ...]


def check_letter_fits(kind: str, request: LetterRequest, today: date | None = None) -> None:
    """Raise :class:`LetterNotApplicableError` when ``kind`` makes no sense for ``request`` now."""
    ref = request.reference
    if kind not in LETTER_KINDS:
        raise LetterNotApplicableError(f"{kind!r} is not a letter kind. Kinds: {', '.join(LETTER_KINDS)}.")
    if request.request_type not in REQUEST_TYPES:
        raise LetterNotApplicableError(
            f"{ref} has the request type {request.request_type!r}, which PrivDesk has no letters for."
        )
    if request.law not in LAWS:
        raise LetterNotApplicableError(f"{ref} is under the law {request.law!r}, which PrivDesk has no letters for.")
    today = today or date.today()
    rtype = request.request_type
    if kind == "verification" and request.verification == "verified":
        raise LetterNotApplicableError(f"The identity of the subject of {ref} is already verified.")
    if kind == "extension":
        law = load_templates().laws[request.law]
        if not (request.citations.get("extension") or law.citations["extension"]):
            raise LetterNotApplicableError(f"The {law.short} allows no extension of the response period ({ref}).")
        if request.extended_due is None:
            raise LetterNotApplicableError(f"{ref} has not been extended; extend it (new date and reason) first.")
        if request.extended_due <= request.due:
            raise LetterNotApplicableError(f"The new due date of {ref} is not later than the original {request.due}.")
        if not request.extension_reason.strip():
            raise LetterNotApplicableError(f"The extension notice for {ref} needs the reason for the extension.")
        if today > request.due:
            raise LetterNotApplicableError(
                f"The extension notice must be sent before the original deadline; {ref} was due on "
                f"{request.due.isoformat()} and today is {today.isoformat()}."
            )
    if kind == "export" and rtype not in TYPES_ANSWERED_BY_EXPORT:
        raise LetterNotApplicableError(
            f"An export letter answers access and portability requests; {ref} is a request of type {rtype}."
        )
    if kind == "completion" and rtype not in TYPES_WITH_COMPLETION:
        raise LetterNotApplicableError(
            f"A completion letter confirms {', '.join(TYPES_WITH_COMPLETION)} requests; {ref} is a request of "
            f"type {rtype} (answer it with the export letter)."
        )
    if kind == "denial" and not any(r.strip() for r in request.denial_reasons):
        raise LetterNotApplicableError(f"A denial letter must give the reasons; {ref} has none recorded.")
    unknown = [a for a in request.verification_asks if a not in VERIFICATION_ASKS]
    if unknown:
        raise LetterNotApplicableError(
            f"{unknown[0]!r} is not something the verification letter can ask for; choose from "
            f"{', '.join(VERIFICATION_ASKS)}."
        )


def check_profile_fits(kind: str, request: LetterRequest, profile: OrgProfile) -> None:
    """Refuse a letter whose legal statements the profile does not back.

    The CCPA export letter must say whether the business sells or shares personal information and
    which categories (Cal. Civ. Code 1798.110(c)(4), 1798.115(a)(2)); PrivDesk never guesses "no".
    """
    if kind != "export" or request.law != "ccpa":
        return
    for key, answer, listed, what in (("ccpa.sells", profile.ccpa_sells, profile.ccpa_sold, "sold"),
                                      ("ccpa.shares", profile.ccpa_shares, profile.ccpa_shared, "shared")):
        if answer not in ("yes", "no"):
            raise LetterNotApplicableError(
                f"The CCPA export letter must say whether {profile.org_name or 'the organisation'} has {what} "
                f"personal information: set {key} to yes or no in Settings first."
            )
        if answer == "yes" and not listed.strip():
            raise LetterNotApplicableError(
                f"Settings say personal information is {what} ({key} = yes): list the categories {what} and "
                f"to whom (ccpa.{what}) before writing the CCPA export letter."
            )


def build_letter(
    kind: str,
    request: LetterRequest,
    profile: OrgProfile,
    snapshot: ExportSnapshot | None = None,
    portability_file: PortabilityFile | Path | None = None,
    today: date | None = None,
    *,
    art15: Art15Info | None = None,
    templates: TemplateSet | None = None,
    unprintable: Unprintable = "error",
    password: str | None = None,
    audit_head: str = "",
) -> RenderedLetter:
    """Render a letter and return its bytes with page count and warnings."""
    today = today or date.today()
    check_letter_fits(kind, request, today)
    check_profile_fits(kind, request, profile)
    if isinstance(portability_file, Path):
        portability_file = PortabilityFile.from_path(portability_file)
    if kind == "export":
        if snapshot is None:
            raise LetterNotApplicableError(
                f"Attach the subject search to {request.reference} before writing the export letter."
            )
        if snapshot.errors:
            raise LetterNotApplicableError(
                f"The search attached to {request.reference} is incomplete ({snapshot.errors[0]}); "
                "search again before writing the export letter."
            )
        if snapshot.truncated:
            raise LetterNotApplicableError(
                f"The search attached to {request.reference} stopped at the row limit in "
                f"{', '.join(snapshot.truncated)}; search again without the limit before writing the export letter."
            )
        if request.request_type == "portability" and portability_file is None:
            raise LetterNotApplicableError(
                f"{request.reference} is a portability request: create the machine-readable file first."
            )
    if password is not None and not password:
        raise ValidationError("The letter password must not be empty.")
    tset = templates or load_templates()
    template = tset.pick(kind, request.law)
    guard = TextGuard(unprintable)
    ctx = build_context(request, profile, tset, guard, today, snapshot, portability_file, art15)
    labels = tset.common
    story = letter_story(template, ctx, guard, labels)
    if kind == "export" and snapshot is not None and snapshot.row_count:
        # nothing found: the letter says so; an appendix would only print an empty copy
        story.extend(appendix_story(template, ctx, guard, labels, snapshot))
    title = fill(template.title, ctx, guard, template.file)
    subject = fill(template.subject, ctx, guard, template.file)
    footer = fill(labels["footer"], ctx, guard, "common.toml")
    if password and not aes_available():
        raise EncryptionUnavailableError(_NO_AES)
    pdf, pages = build_pdf(
        story, profile, guard, title=f"{title} – {request.reference}", subject=subject, footer=footer,
        running_header=footer, page_label=labels["page"],
        # The audit chain's head this letter was written under, readable by whoever holds it:
        # an anchor of the chain outside the database (``privdesk audit verify``).
        keywords=f"{AUDIT_HEAD_KEYWORD}{audit_head}" if audit_head else "",
    )
    if password:
        pdf = encrypt_aes256(pdf, password)
    log.info("rendered %s letter for %s: %d pages", kind, request.reference, pages)
    return RenderedLetter(pdf=pdf, pages=pages, title=title, warnings=tuple(guard.warnings))


_NO_AES = ("This computer cannot encrypt PDF files with AES-256 (the Python packages pypdf and "
           "cryptography are needed), so the password-protected letter was not written. Install them, "
           "or write the letter without a password and protect it another way.")


def encrypt_aes256(pdf: bytes, password: str) -> bytes:
    """Re-write ``pdf`` encrypted with AES-256 (user password opens it; a random owner password).

    Raises:
        EncryptionUnavailableError: pypdf or its AES provider is missing; never a weaker cipher.
    """
    try:
        from pypdf import PdfReader, PdfWriter
        from pypdf.errors import DependencyError
    except ImportError as exc:
        raise EncryptionUnavailableError(_NO_AES) from exc

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    try:
        writer.encrypt(user_password=password, owner_password=secrets.token_urlsafe(24), algorithm="AES-256")
    except (DependencyError, ImportError) as exc:
        raise EncryptionUnavailableError(_NO_AES) from exc
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_letter(
    kind: str,
    request: LetterRequest,
    profile: OrgProfile,
    snapshot: ExportSnapshot | None = None,
    portability_file: PortabilityFile | Path | None = None,
    today: date | None = None,
    *,
    art15: Art15Info | None = None,
    password: str | None = None,
) -> bytes:
    """The PDF bytes of a letter (for preview or saving); raises PrivDeskError on a user error."""
    return build_letter(kind, request, profile, snapshot, portability_file, today, art15=art15,
                        password=password).pdf


def write_letter(
    kind: str,
    request: LetterRequest,
    profile: OrgProfile,
    path: Path | str,
    snapshot: ExportSnapshot | None = None,
    portability_file: PortabilityFile | Path | None = None,
    today: date | None = None,
    *,
    password: str | None = None,
    art15: Art15Info | None = None,
    unprintable: Unprintable = "error",
    audit_head: str = "",
) -> WrittenLetter:
    """Render and save a letter atomically with owner-only permissions (it holds personal data)."""
    letter = build_letter(kind, request, profile, snapshot, portability_file, today, art15=art15,
                          password=password, unprintable=unprintable, audit_head=audit_head)
    target = Path(path)
    write_private_file(target, letter.pdf)
    return WrittenLetter(
        kind=kind, path=target, sha256=hashlib.sha256(letter.pdf).hexdigest(), size=len(letter.pdf),
        pages=letter.pages, encryption=ENCRYPTION if password else None, warnings=letter.warnings,
    )


def write_private_file(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` via a 0600 temporary file in the same folder and an atomic rename."""
    folder = target.parent
    if not folder.is_dir():
        raise PrivDeskError(f"The folder {folder} does not exist.")
    if target.is_dir():
        raise PrivDeskError(f"{target} is a folder; give a file name for the letter.")
    try:
        atomic_write(target, lambda fh: fh.write(data))
    except OSError as exc:
        raise PrivDeskError(f"Cannot write {target}: {exc.strerror}.") from exc
