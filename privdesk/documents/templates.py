"""Letter wording as data: loading and validating ``resources/templates/*.toml``.

A legal team edits these files without touching code, so every file is checked when the set is
loaded: an unknown placeholder, condition, list or key is refused with the file and the name, before
any letter is written with a gap in it.

Files:
    ``<kind>.toml``         the wording of one letter kind (GDPR / UK GDPR and the default);
    ``<kind>.<law>.toml``   a complete variant for a law whose wording differs (e.g. ``export.ccpa.toml``);
    ``common.toml``         labels shared by every letter (page numbers, reference, appendix);
    ``laws.toml``           per law: short name, response period, citations, request-type labels;
    ``art15_defaults.toml`` the organisation's Art. 15 facts (see :class:`~privdesk.documents.model.Art15Info`).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from privdesk.documents.model import LAWS, LETTER_KINDS, REQUEST_TYPES
from privdesk.domain.law_extras import ACCESS_REPLY_ITEMS
from privdesk.errors import ConfigurationError


class TemplateError(ConfigurationError):
    """A template file cannot be used; the message names the file and the problem."""


#: Every placeholder a letter template may use, with what it stands for.
PLACEHOLDERS: dict[str, str] = {
    "reference": "the request's reference",
    "request_type": "the request type id (access, erasure, ...)",
    "request_type_label": "the request type in words, as the law names it",
    "law": "the law id (gdpr, ccpa, ...)",
    "law_name": "the law's full name",
    "law_short": "the law's short name (GDPR, CCPA, ...)",
    "response_period": "the law's response period in words",
    "received_date": "the date the request was received",
    "due_date": "the original due date",
    "extended_due_date": "the due date after the extension (empty when not extended)",
    "effective_due_date": "the due date now in force",
    "today": "the date of the letter",
    "subject_name": "the data subject's name",
    "subject_email": "the data subject's e-mail",
    "subject_address": "the data subject's postal address",
    "requester_name": "the authorised agent's name (empty when the subject wrote)",
    "addressee_name": "who the letter is addressed to: the agent when there is one, else the subject",
    "verification_state": "the identity verification state",
    "status": "the request status",
    "extension_reason": "the reason for the extension",
    "completion_summary": "what was done, in the officer's words",
    "assignee_name": "the officer handling the request",
    "org_name": "the organisation's name",
    "org_address": "the organisation's postal address",
    "org_email": "the organisation's contact e-mail",
    "org_phone": "the organisation's contact phone",
    "dpo_name": "the data protection officer's name",
    "dpo_email": "the DPO's e-mail",
    "dpo_phone": "the DPO's phone",
    "dpo_contact": "the DPO's name and e-mail in one phrase",
    "authority_name": "the supervisory authority named in the profile, as it reads in a sentence ('complain to {authority_name}')",
    "authority_address": "the authority's postal address",
    "authority_email": "the authority's e-mail",
    "authority_contact": "the authority's name, address and e-mail in one block",
    "cite_right": "the article for the request's right",
    "cite_deadline": "the article fixing the response period",
    "cite_extension": "the article allowing an extension",
    "cite_refusal": "the article on refusing a request",
    "cite_complaint": "the article on complaints to the authority",
    "cite_remedy": "the article on judicial remedies",
    "cite_appeal": "the article on appeals to the organisation (US state laws)",
    "cite_portability": "the article on data portability",
    "cite_purposes": "the provision the purposes the export letter lists rest on (GDPR Art. 15(1)(a); the privacy notice under the VCDPA and CPA)",
    "cite_categories": "the provision the categories of personal data the export letter lists rest on",
    "cite_recipients": "the provision the recipients the export letter lists rest on",
    "cite_copy": "the provision giving the copy of the data (GDPR Art. 15(3) and its equivalents)",
    "portability_file_name": "the portability file's name",
    "portability_file_sha256": "the portability file's SHA-256",
    "snapshot_taken_at": "when the subject search ran",
    "source_count": "how many tables held data about the subject",
    "row_count": "how many records the appendix lists",
    "art15_retention": "retention period or its criteria (Art. 15(1)(d))",
    "art15_source": "the source of data not collected from the subject (Art. 15(1)(g))",
    "art15_automated": "automated decision-making and profiling (Art. 15(1)(h))",
    "art15_transfers": "transfer safeguards (Art. 15(2))",
    "art15_criteria": "the criteria used in the processing (LGPD Art. 19, II)",
    "rights_heading": "the heading of the law's list of the person's other rights (laws.toml [law.letter])",
    "rights_how": "how to use those rights (laws.toml [law.letter])",
    "complaint_heading": "the heading of the law's complaint route (laws.toml [law.letter])",
    "complaint_route": "the complaint route the law gives, in full (laws.toml [law.letter]; its complaint_route_no_authority when the profile names no authority)",
    "appeal_of": "for an appeal: the reference of the refused request it contests",
    "appeal_route": "where to turn after a denied appeal (laws.toml [law.letter] appeal_route)",
}

#: Placeholders whose text comes from the law's [letter] table; those texts may use every other one.
LAW_LETTER_PLACEHOLDERS = ("rights_heading", "rights_how", "complaint_heading", "complaint_route")
#: The complaint route when Settings name no supervisory authority: required when ``complaint_route``
#: quotes the profile's authority, so a letter never prints an empty "The authority responsible for us is:".
NO_AUTHORITY_ROUTE = "complaint_route_no_authority"
LAW_LETTER_KEYS = (*LAW_LETTER_PLACEHOLDERS, "rights", "appeal_route", NO_AUTHORITY_ROUTE)
#: Placeholders naming the authority of the organisation profile.
PROFILE_AUTHORITY_PLACEHOLDERS = ("authority_contact", "authority_address", "authority_email")

#: Lists a section can print as bullets with ``list = "<name>"``.
LISTS: dict[str, str] = {
    "denial_reasons": "the reasons for refusing the request",
    "art15_purposes": "purposes of processing (Art. 15(1)(a))",
    "art15_categories": "categories of personal data (Art. 15(1)(b))",
    "art15_recipients": "recipients or categories of recipient (Art. 15(1)(c))",
    "sources_summary": "each table searched that held data, with its number of records",
    "systems_searched": "each system (connection) the search covered, whether or not it held data",
    "identifiers": "the identifiers the search used",
    "withheld": "what was left out of the copy and on which ground (Art. 15(4))",
    "law_rights": "the person's other rights under the law, one per line (laws.toml [law.letter] rights)",
    "ccpa_sold": "categories of personal information sold and to whom (CCPA, from Settings)",
    "ccpa_shared": "categories of personal information shared and with whom (CCPA, from Settings)",
}

BASE_FLAGS = (
    "verification_pending", "verified", "extended", "has_requester", "has_portability_file",
    "has_snapshot", "has_rows", "has_subject_address", "has_completion_summary", "has_dpo",
    "has_authority", "has_withheld", "sells", "shares", "appeal", "ask_reply", "ask_account",
    "ask_id_document", "found_nothing", "has_systems_searched",
)
#: Conditions a section can test with ``when`` / ``when_any`` / ``unless``.
FLAGS: frozenset[str] = frozenset(
    BASE_FLAGS
    + tuple("type_" + t.replace("-", "_") for t in REQUEST_TYPES)
    + tuple("law_" + law.replace("-", "_") for law in LAWS)
)

CITATION_KEYS = ("right", "deadline", "extension", "refusal", "complaint", "remedy", "appeal", "portability",
                 "purposes", "categories", "recipients", "copy")

_LETTER_KEYS = {"title", "subject", "salutation", "closing", "signature", "section", "appendix"}
_SECTION_KEYS = {"heading", "text", "list", "when", "when_any", "unless", "item", "numbered"}
_APPENDIX_KEYS = {"title", "intro", "empty", "summary_heading", "portability_heading", "portability"}

_COMMON_PLACEHOLDERS: dict[str, set[str]] = {
    "page": {"page", "pages"},
    "reference_label": set(),
    "date_label": set(),
    "received_label": set(),
    "due_label": set(),
    "row_label": set(),
    "null_value": set(),
    "source_rows": {"rows"},
    "columns_part": {"part", "parts"},
    "long_value_ref": {"note"},
    "long_value_heading": {"note", "row", "column"},
    "footer": PLACEHOLDERS.keys() - set(),
}


@dataclass(frozen=True)
class Section:
    """One block of a letter: optional heading, paragraphs, optional bullet list, conditions.

    ``item`` ties the section to an item of the access reply (``[access_reply]`` in the law's rule
    file): it prints only under a law that lists the item, so the law file, not the template, decides
    which sections a law's letter has. ``numbered`` headings are numbered in the order printed, so a
    section a law leaves out leaves no gap.
    """

    heading: str
    text: str
    items: str | None
    when: tuple[str, ...]
    when_any: tuple[str, ...]
    unless: tuple[str, ...]
    item: str = ""
    numbered: bool = False

    def applies(self, flags: frozenset[str], reply_items: frozenset[str] = frozenset()) -> bool:
        if self.item and self.item not in reply_items:
            return False
        if any(f not in flags for f in self.when):
            return False
        if self.when_any and not any(f in flags for f in self.when_any):
            return False
        return not any(f in flags for f in self.unless)


@dataclass(frozen=True)
class LetterTemplate:
    kind: str
    law: str | None
    file: str
    title: str
    subject: str
    salutation: str
    closing: str
    signature: str
    sections: tuple[Section, ...]
    appendix: Mapping[str, str]


@dataclass(frozen=True)
class LawText:
    short: str
    response_period: str
    citations: Mapping[str, str]
    rights: Mapping[str, str]
    labels: Mapping[str, str]
    #: texts of [law.letter]: rights_heading, rights_how, complaint_heading, complaint_route, appeal_route
    letter: Mapping[str, str] = field(default_factory=dict)
    #: [law.letter] rights: the person's other rights, exactly those this law gives
    other_rights: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateSet:
    """Every template of a directory, validated; :meth:`pick` chooses the law's variant."""

    directory: Path
    letters: Mapping[tuple[str, str | None], LetterTemplate]
    common: Mapping[str, str]
    laws: Mapping[str, LawText]

    def pick(self, kind: str, law: str) -> LetterTemplate:
        found = self.letters.get((kind, law)) or self.letters.get((kind, None))
        if found is None:
            raise TemplateError(f"There is no template for the {kind} letter ({kind}.toml) in {self.directory}.")
        return found


def placeholders_in(text: str, file: str) -> list[str]:
    """The field names ``text`` uses; refuses format specs and attribute access."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{file}: a brace is not closed in {text[:40]!r}… ({exc}); write {{{{ for a literal brace.") from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier():
            raise TemplateError(f"{file}: the placeholder {{{name}}} is not a plain name.")
        if spec or conversion:
            raise TemplateError(f"{file}: the placeholder {{{name}}} must not carry a format (':' or '!').")
        names.append(name)
    return names


def _check_text(value: Any, file: str, where: str, allowed: Iterable[str]) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"{file}: {where} must be text.")
    allowed_set = set(allowed)
    for name in placeholders_in(value, file):
        if name not in allowed_set:
            raise TemplateError(
                f"{file}: unknown placeholder {{{name}}} in {where}. "
                f"Known placeholders: {', '.join(sorted(allowed_set)) or 'none'}."
            )
    return value


def _check_flags(value: Any, file: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TemplateError(f"{file}: {where} must be a list of condition names.")
    for flag in value:
        if flag not in FLAGS:
            raise TemplateError(f"{file}: unknown condition {flag!r} in {where}. Known: {', '.join(sorted(FLAGS))}.")
    return tuple(value)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path.name} is not valid TOML: {exc}.") from exc
    except OSError as exc:
        raise TemplateError(f"{path.name} cannot be read: {exc.strerror}.") from exc


def parse_letter(path: Path, kind: str, law: str | None) -> LetterTemplate:
    """Read and validate one letter template file."""
    file = path.name
    data = _read_toml(path)
    unknown = sorted(set(data) - _LETTER_KEYS)
    if unknown:
        raise TemplateError(f"{file}: unknown key {unknown[0]!r}; keys: {', '.join(sorted(_LETTER_KEYS))}.")
    fields: dict[str, str] = {}
    for key in ("title", "subject", "salutation", "closing", "signature"):
        if key not in data:
            raise TemplateError(f"{file}: the key {key!r} is missing.")
        fields[key] = _check_text(data[key], file, key, PLACEHOLDERS)
    raw_sections = data.get("section")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise TemplateError(f"{file}: a letter needs at least one [[section]].")
    sections: list[Section] = []
    for n, raw in enumerate(raw_sections, start=1):
        where = f"section {n}"
        if not isinstance(raw, dict):
            raise TemplateError(f"{file}: {where} must be a table.")
        bad = sorted(set(raw) - _SECTION_KEYS)
        if bad:
            raise TemplateError(f"{file}: unknown key {bad[0]!r} in {where}; keys: {', '.join(sorted(_SECTION_KEYS))}.")
        items = raw.get("list")
        if items is not None and items not in LISTS:
            raise TemplateError(f"{file}: unknown list {items!r} in {where}. Known lists: {', '.join(LISTS)}.")
        if not raw.get("text") and not raw.get("heading") and items is None:
            raise TemplateError(f"{file}: {where} has no heading, text or list.")
        item = raw.get("item", "")
        if not isinstance(item, str) or (item and item not in ACCESS_REPLY_ITEMS):
            raise TemplateError(f"{file}: unknown item {item!r} in {where}. Items: {', '.join(ACCESS_REPLY_ITEMS)}.")
        numbered = raw.get("numbered", False)
        if not isinstance(numbered, bool) or (numbered and not raw.get("heading")):
            raise TemplateError(f"{file}: numbered in {where} must be true or false, and true only with a heading.")
        sections.append(Section(
            heading=_check_text(raw.get("heading", ""), file, f"{where} heading", PLACEHOLDERS),
            text=_check_text(raw.get("text", ""), file, f"{where} text", PLACEHOLDERS),
            items=items,
            when=_check_flags(raw.get("when"), file, f"{where} when"),
            when_any=_check_flags(raw.get("when_any"), file, f"{where} when_any"),
            unless=_check_flags(raw.get("unless"), file, f"{where} unless"),
            item=item,
            numbered=numbered,
        ))
    appendix: dict[str, str] = {}
    raw_appendix = data.get("appendix")
    if kind == "export" and raw_appendix is None:
        raise TemplateError(f"{file}: the export letter needs an [appendix] table ({', '.join(sorted(_APPENDIX_KEYS))}).")
    if raw_appendix is not None:
        if not isinstance(raw_appendix, dict):
            raise TemplateError(f"{file}: [appendix] must be a table.")
        bad = sorted(set(raw_appendix) - _APPENDIX_KEYS)
        if bad:
            raise TemplateError(f"{file}: unknown key {bad[0]!r} in [appendix]; keys: {', '.join(sorted(_APPENDIX_KEYS))}.")
        for key in sorted(_APPENDIX_KEYS):
            if key not in raw_appendix:
                raise TemplateError(f"{file}: the key {key!r} is missing in [appendix].")
            appendix[key] = _check_text(raw_appendix[key], file, f"appendix {key}", PLACEHOLDERS)
    return LetterTemplate(kind=kind, law=law, file=file, sections=tuple(sections), appendix=appendix, **fields)


def parse_common(path: Path) -> dict[str, str]:
    data = _read_toml(path)
    out: dict[str, str] = {}
    for key, allowed in _COMMON_PLACEHOLDERS.items():
        if key not in data:
            raise TemplateError(f"{path.name}: the key {key!r} is missing.")
        out[key] = _check_text(data[key], path.name, key, allowed)
    unknown = sorted(set(data) - set(_COMMON_PLACEHOLDERS))
    if unknown:
        raise TemplateError(f"{path.name}: unknown key {unknown[0]!r}; keys: {', '.join(_COMMON_PLACEHOLDERS)}.")
    return out


def parse_laws(path: Path) -> dict[str, LawText]:
    data = _read_toml(path)
    out: dict[str, LawText] = {}
    for law in LAWS:
        raw = data.get(law)
        if not isinstance(raw, dict):
            raise TemplateError(f"{path.name}: the law {law!r} is missing.")
        where = f"[{law}]"
        citations = raw.get("citations", {})
        rights = raw.get("rights", {})
        labels = raw.get("labels", {})
        law_cites = tuple(k for k in CITATION_KEYS if k != "right")  # "right" comes from [law.rights]
        for name, table, keys in (("citations", citations, law_cites), ("rights", rights, REQUEST_TYPES),
                                  ("labels", labels, REQUEST_TYPES)):
            if not isinstance(table, dict):
                raise TemplateError(f"{path.name}: {where}.{name} must be a table.")
            missing = [k for k in keys if not isinstance(table.get(k), str)]
            if missing:
                raise TemplateError(f"{path.name}: {where}.{name} lacks {missing[0]!r}.")
            extra = sorted(set(table) - set(keys))
            if extra:
                raise TemplateError(f"{path.name}: unknown key {extra[0]!r} in {where}.{name}.")
        for key in ("short", "response_period"):
            if not isinstance(raw.get(key), str):
                raise TemplateError(f"{path.name}: {where} lacks {key!r}.")
        letter, other_rights = _parse_law_letter(path.name, where, raw.get("letter"))
        out[law] = LawText(short=raw["short"], response_period=raw["response_period"],
                           citations=citations, rights=rights, labels=labels, letter=letter,
                           other_rights=other_rights)
    unknown = sorted(set(data) - set(LAWS))
    if unknown:
        raise TemplateError(f"{path.name}: {unknown[0]!r} is not a law PrivDesk knows ({', '.join(LAWS)}).")
    return out


def _parse_law_letter(file: str, where: str, raw: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """The rights and complaint route one law gives (GDPR Art. 15(1)(e), (f); Va. Code 59.1-577 C; ...).

    They are the law's, not the letter's: a shared template listing GDPR rights misled Virginia and
    Colorado consumers, who have no right to restriction or to object and no supervisory authority.
    """
    if not isinstance(raw, dict):
        raise TemplateError(f"{file}: {where}.letter is missing (the rights and complaint route of the law).")
    extra = sorted(set(raw) - set(LAW_LETTER_KEYS))
    if extra:
        raise TemplateError(f"{file}: unknown key {extra[0]!r} in {where}.letter; keys: {', '.join(LAW_LETTER_KEYS)}.")
    allowed = set(PLACEHOLDERS) - set(LAW_LETTER_PLACEHOLDERS) - {"appeal_route"}
    texts: dict[str, str] = {}
    for key in LAW_LETTER_PLACEHOLDERS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise TemplateError(f"{file}: {where}.letter lacks {key!r}.")
        texts[key] = _check_text(value.strip(), file, f"{where}.letter.{key}", allowed)
    rights = raw.get("rights")
    if not isinstance(rights, list) or not rights or not all(isinstance(r, str) and r.strip() for r in rights):
        raise TemplateError(f"{file}: {where}.letter.rights must be a non-empty list of texts.")
    items = tuple(_check_text(r.strip(), file, f"{where}.letter.rights", allowed) for r in rights)
    for key in ("appeal_route", NO_AUTHORITY_ROUTE):
        route = raw.get(key, "")
        if not isinstance(route, str):
            raise TemplateError(f"{file}: {where}.letter.{key} must be text.")
        texts[key] = _check_text(route.strip(), file, f"{where}.letter.{key}", allowed)
    if quotes_profile_authority(texts["complaint_route"]):
        if not texts[NO_AUTHORITY_ROUTE]:
            raise TemplateError(f"{file}: {where}.letter.complaint_route names the authority of Settings; give "
                                f"{NO_AUTHORITY_ROUTE}, the route to print when Settings name none.")
        if quotes_profile_authority(texts[NO_AUTHORITY_ROUTE]):
            raise TemplateError(f"{file}: {where}.letter.{NO_AUTHORITY_ROUTE} is printed when Settings name no "
                                "authority, so it cannot quote the authority's name, address or e-mail.")
    return texts, items


def names_settings_authority(text: LawText) -> bool:
    """Whether this law's letters name the supervisory authority of Settings: only a law whose
    complaint route quotes it (the GDPR's "the supervisory authority responsible for us"). The
    others name their own body in every letter kind (UK GDPR: the Information Commissioner)."""
    return quotes_profile_authority(text.letter.get("complaint_route", ""))


def quotes_profile_authority(text: str) -> bool:
    """Whether ``text`` prints the authority of the organisation profile (its name, address or e-mail)."""
    return any("{" + name + "}" in text for name in PROFILE_AUTHORITY_PLACEHOLDERS)


_SPECIAL_FILES = {"common.toml", "laws.toml", "art15_defaults.toml"}


def load_templates(directory: Path | None = None) -> TemplateSet:
    """Load and validate every template in ``directory`` (default: the shipped templates).

    Cached per directory; call :func:`clear_template_cache` after editing files in a running app.
    """
    if directory is None:
        from privdesk.paths import resource_path

        directory = resource_path("templates")
    return _load_templates(Path(directory))


def clear_template_cache() -> None:
    _load_templates.cache_clear()


@lru_cache(maxsize=8)
def _load_templates(directory: Path) -> TemplateSet:
    letters: dict[tuple[str, str | None], LetterTemplate] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name in _SPECIAL_FILES:
            continue
        kind, _, law = path.stem.partition(".")
        if kind not in LETTER_KINDS:
            raise TemplateError(f"{path.name}: {kind!r} is not a letter kind ({', '.join(LETTER_KINDS)}).")
        if law and law not in LAWS:
            raise TemplateError(f"{path.name}: {law!r} is not a law PrivDesk knows ({', '.join(LAWS)}).")
        letters[(kind, law or None)] = parse_letter(path, kind, law or None)
    for kind in LETTER_KINDS:
        if (kind, None) not in letters:
            raise TemplateError(f"The template {kind}.toml is missing from {directory}.")
    common = parse_common(directory / "common.toml")
    laws = parse_laws(directory / "laws.toml")
    return TemplateSet(directory=directory, letters=letters, common=common, laws=laws)


def authority_problem(templates: TemplateSet, kind: str, law: str, authority_name: str) -> str | None:
    """Why a ``kind`` letter under ``law`` will name no supervisory authority, or None.

    A law whose complaint route names the authority of Settings has a route without it
    (``complaint_route_no_authority``: GDPR Art. 77, the authority where the person lives, works or
    the infringement took place), so the letter is still right; but the officer should know it names
    none before sending it, and fill in Settings if an authority is responsible for the organisation.
    """
    text = templates.laws.get(law)
    if text is None or authority_name.strip() or not text.letter.get(NO_AUTHORITY_ROUTE):
        return None
    quoted = ("{complaint_route}", "{authority_name}", *("{" + p + "}" for p in PROFILE_AUTHORITY_PLACEHOLDERS))
    sections = templates.pick(kind, law).sections
    if not any(q in section.text or q in section.heading for section in sections for q in quoted):
        return None
    cite = text.citations.get("complaint", "")
    return (f"Settings name no supervisory authority, so this {text.short} letter names none: it gives only the "
            f"right to complain and the route the law gives{f' ({cite})' if cite else ''}. If an authority is "
            "responsible for your organisation, fill in Supervisory authority (name, address, e-mail) in "
            "Settings before you send the letter.")
