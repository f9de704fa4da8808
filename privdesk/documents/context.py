"""The whitelisted values a template may quote, built from the request, profile and snapshot.

Every text that reaches the PDF passes a :class:`TextGuard`, which finds characters the letter fonts
cannot draw and either refuses the letter (``"error"``, the default) or prints them as visible
``[U+XXXX]`` codes and records a warning (``"mark"``), so no character is ever lost silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from privdesk.documents import fonts
from privdesk.documents.model import (
    DEFAULT_ASKS,
    Art15Info,
    ExportSnapshot,
    LetterRequest,
    PortabilityFile,
)
from privdesk.documents.templates import (
    CITATION_KEYS,
    LAW_LETTER_PLACEHOLDERS,
    LISTS,
    NO_AUTHORITY_ROUTE,
    PLACEHOLDERS,
    TemplateSet,
    names_settings_authority,
)
from privdesk.domain.laws import GDPR_LETTER_LAWS, get_law
from privdesk.domain.profile import OrgProfile
from privdesk.domain.ropa import without_gdpr_articles
from privdesk.errors import PrivDeskError

Unprintable = Literal["error", "mark"]


class UnprintableTextError(PrivDeskError):
    """Text holds characters the letter fonts cannot draw."""


def format_date(d: date) -> str:
    """``25 November 2026``: unambiguous in every country the letters go to. The day and month are
    joined by a no-break space so a line never ends with a bare day number."""
    return f"{d.day}\u00a0{d:%B %Y}"


def format_datetime(dt: datetime) -> str:
    text = f"{dt.day}\u00a0{dt:%B %Y at %H:%M}"
    zone = dt.tzname()
    return f"{text} {zone}" if zone else text


@dataclass
class TextGuard:
    """Checks each text for characters the fonts lack; see the module docstring."""

    mode: Unprintable = "error"
    warnings: list[str] = field(default_factory=list)

    def clean(self, text: str, where: str) -> str:
        if "\t" in text or "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
        bad = fonts.unprintable(text)
        if not bad:
            return text
        if self.mode == "error":
            raise UnprintableTextError(
                f"The letter font cannot print {fonts.describe(bad)} in {where}. Correct the text, or "
                "write the letter with unprintable characters shown as codes."
            )
        self.warnings.append(f"{where}: shown as codes: {fonts.describe(bad)}")
        return "".join(f"[U+{ord(c):04X}]" if c in bad else c for c in text)


def cell_text(value: Any, null: str) -> str:
    """One database value as the appendix prints it."""
    if value is None:
        return null
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if len(raw) <= 32:
            return raw.hex()
        return f"binary data, {len(raw)} bytes"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@dataclass(frozen=True)
class LetterContext:
    values: Mapping[str, str]
    lists: Mapping[str, tuple[str, ...]]
    flags: frozenset[str]
    #: the items of the law's access reply (rule file ``[access_reply]``); sections marked with
    #: another item are left out
    reply_items: frozenset[str] = frozenset()


#: Words that make an authority's name a description ("Data Protection Commission") rather than a
#: proper name ("CNIL"), when the name starts or ends with one: English nouns of public bodies and
#: the first words of the Romance names officers type as they are.
_COMMON_FIRST = frozenset({
    "information", "data", "privacy", "personal", "national", "federal", "state", "supervisory",
    "commission", "commissioner", "authority", "agency", "office", "board", "council", "bureau",
    "department", "inspectorate", "ombudsman", "committee", "directorate", "ministry", "regulator",
    "comisión", "commissione", "comissão", "agencia", "agência", "agenzia", "autorité", "autorità",
    "autoridade", "autoridad", "garante",
})
_COMMON_LAST = frozenset({
    "commission", "commissioner", "authority", "agency", "office", "board", "council", "bureau",
    "department", "inspectorate", "ombudsman", "committee", "directorate", "ministry", "regulator",
    "service", "institute", "centre", "center",
})
_TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)$")


def authority_in_sentence(name: str) -> str:
    """The authority's name as it reads after "complain to", whatever the officer typed.

    The rule: a leading "the" (any case) is kept, written "the"; otherwise "the" is added when the
    name is a description, i.e. its first word, or its last word before a bracketed abbreviation, is
    a common noun of public bodies (Information, Data, Commission, Office, Authority, Agency, ...:
    "the Information Commissioner's Office", "the Hellenic Data Protection Authority"); any other
    name is a proper name and is left without an article ("CNIL", "Datatilsynet", "Autoriteit
    Persoonsgegevens"). So a sentence never reads "complain to Information Commissioner's Office"
    nor "the the ...". Runs of spaces are collapsed; an empty name stays empty.
    """
    text = " ".join(name.split())
    if not text:
        return ""
    first, _, rest = text.partition(" ")
    if first.casefold() == "the" and rest:
        return f"the {rest}"
    words = _TRAILING_BRACKET.sub("", text).split()
    last = words[-1] if words else first
    if first.casefold() in _COMMON_FIRST or last.casefold().strip(".,;:") in _COMMON_LAST:
        return f"the {text}"
    return text


def _worded_for(info: Art15Info, law: str) -> Art15Info:
    """The Art. 15 facts without GDPR article numbers ("contract, Art. 6(1)(b)") under a law outside
    the GDPR family, where they mean nothing or something else (the register's facts are already
    worded so by :func:`~privdesk.domain.ropa.compose_art15`; this covers the generic ones). The
    transfer safeguards are left alone: only GDPR-family letters print them."""
    if law in GDPR_LETTER_LAWS:
        return info
    def each(items: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(without_gdpr_articles(i) for i in items)

    return replace(info, purposes=each(info.purposes), categories=each(info.categories),
                   recipients=each(info.recipients), retention=without_gdpr_articles(info.retention),
                   source=without_gdpr_articles(info.source),
                   automated_decision_making=without_gdpr_articles(info.automated_decision_making))


def build_context(
    request: LetterRequest,
    profile: OrgProfile,
    templates: TemplateSet,
    guard: TextGuard,
    today: date,
    snapshot: ExportSnapshot | None = None,
    portability_file: PortabilityFile | None = None,
    art15: Art15Info | None = None,
) -> LetterContext:
    """Fill every placeholder (empty string when not applicable) and every list."""
    law = templates.laws[request.law]
    defaults = {**law.citations, "right": law.rights[request.request_type]}
    cites = {key: request.citations.get(key) or defaults[key] for key in CITATION_KEYS}
    info = _worded_for(art15 or Art15Info.defaults(), request.law)
    dpo_contact = (
        f"{profile.dpo_name} ({profile.dpo_email})" if profile.dpo_name and profile.dpo_email
        else profile.dpo_name or profile.dpo_email or profile.org_email
    )
    # One rule for every letter kind: the authority of Settings is named only under a law whose
    # complaint route is "the authority responsible for us" (the GDPR: an EU organisation may answer
    # to any of the Member States' authorities). Every other law names its own body (law file
    # ``authority_default``): the UK GDPR the Information Commissioner's Office, whatever EU
    # authority Settings name for an organisation under both laws.
    rule = get_law(request.law)
    if names_settings_authority(law):
        has_authority = bool(profile.authority_name.strip())
        authority_name = authority_in_sentence(profile.authority_name) or rule.authority_default
        authority_contact = "\n".join(
            p for p in (profile.authority_name, profile.authority_address, profile.authority_email) if p
        )
        authority_address, authority_email = profile.authority_address, profile.authority_email
    else:
        has_authority = True
        authority_name = authority_contact = rule.authority_default
        authority_address = authority_email = ""
    sources = snapshot.sources if snapshot else ()
    raw: dict[str, str] = {
        "reference": request.reference,
        "request_type": request.request_type,
        "request_type_label": law.labels[request.request_type],
        "law": request.law,
        "law_name": request.law_name,
        "law_short": law.short,
        "response_period": request.response_period or law.response_period,
        "received_date": format_date(request.received),
        "due_date": format_date(request.due),
        "extended_due_date": format_date(request.extended_due) if request.extended_due else "",
        "effective_due_date": format_date(request.effective_due),
        "today": format_date(today),
        "subject_name": request.subject_name,
        "subject_email": request.subject_email,
        "subject_address": request.subject_address,
        "requester_name": request.requester_name or "",
        "addressee_name": request.requester_name or request.subject_name,
        "verification_state": request.verification,
        "status": request.status,
        "extension_reason": request.extension_reason,
        "completion_summary": request.completion_summary,
        "assignee_name": request.assignee_name,
        "org_name": profile.org_name,
        "org_address": profile.org_address,
        "org_email": profile.org_email,
        "org_phone": profile.org_phone,
        "dpo_name": profile.dpo_name,
        "dpo_email": profile.dpo_email,
        "dpo_phone": profile.dpo_phone,
        "dpo_contact": dpo_contact,
        "authority_name": authority_name,
        "authority_address": authority_address,
        "authority_email": authority_email,
        "authority_contact": authority_contact,
        **{f"cite_{key}": value for key, value in cites.items()},
        "portability_file_name": portability_file.name if portability_file else "",
        "portability_file_sha256": portability_file.sha256 if portability_file else "",
        "snapshot_taken_at": format_datetime(snapshot.taken_at) if snapshot and snapshot.taken_at else "",
        "source_count": str(sum(1 for s in sources if s.rows)),
        "row_count": str(snapshot.row_count if snapshot else 0),
        "art15_retention": info.retention,
        "art15_source": info.source,
        "art15_automated": info.automated_decision_making,
        "art15_transfers": info.transfer_safeguards,
        "art15_criteria": info.criteria or Art15Info.defaults().criteria,
        "appeal_of": request.appeal_of,
    }
    # The law's own rights and complaint route; their texts may quote every other value. Without an
    # authority in Settings the route the law gives stands alone (GDPR Art. 77: the authority of the
    # Member State where the person lives, works or the infringement took place), never an empty block.
    letter_texts = dict(law.letter)
    if not has_authority and letter_texts.get(NO_AUTHORITY_ROUTE):
        letter_texts["complaint_route"] = letter_texts[NO_AUTHORITY_ROUTE]
    raw.update({key: letter_texts[key].format_map(raw) for key in (*LAW_LETTER_PLACEHOLDERS, "appeal_route")})
    missing = set(PLACEHOLDERS) - set(raw)
    assert not missing, missing  # a placeholder was added to the whitelist but not here
    values = {k: guard.clean(v, PLACEHOLDERS[k]) for k, v in raw.items()}

    rows_label = templates.common["source_rows"]
    raw_lists: dict[str, tuple[str, ...]] = {
        "denial_reasons": tuple(r for r in request.denial_reasons if r.strip()),
        "art15_purposes": info.purposes,
        "art15_categories": info.categories,
        "art15_recipients": info.recipients,
        "sources_summary": tuple(
            f"{s.title} ({rows_label.format(rows=len(s.rows))})" for s in sources if s.rows
        ),
        "identifiers": snapshot.identifiers if snapshot else (),
        "systems_searched": snapshot.systems_searched if snapshot else (),
        "withheld": snapshot.withheld if snapshot else (),
        "law_rights": tuple(r.format_map(raw) for r in law.other_rights),
        "ccpa_sold": _lines(profile.ccpa_sold),
        "ccpa_shared": _lines(profile.ccpa_shared),
    }
    assert set(raw_lists) == set(LISTS)
    lists = {k: tuple(guard.clean(i, LISTS[k]) for i in items) for k, items in raw_lists.items()}

    flags = {
        "type_" + request.request_type.replace("-", "_"),
        "law_" + request.law.replace("-", "_"),
    }
    conditions = {
        "verification_pending": request.verification == "pending",
        "verified": request.verification == "verified",
        "extended": request.extended_due is not None,
        "has_requester": bool(request.requester_name),
        "has_portability_file": portability_file is not None,
        "has_snapshot": snapshot is not None,
        "has_rows": bool(snapshot and snapshot.row_count),
        # the search ran and found nothing, not even data then withheld: the letter says we hold none
        "found_nothing": bool(snapshot and not snapshot.row_count and not snapshot.withheld),
        "has_systems_searched": bool(snapshot and snapshot.systems_searched),
        "has_subject_address": bool(request.subject_address.strip()),
        "has_completion_summary": bool(request.completion_summary.strip()),
        "has_dpo": bool(profile.dpo_name or profile.dpo_email),
        "has_authority": has_authority,
        "has_withheld": bool(snapshot and snapshot.withheld),
        "sells": profile.ccpa_sells == "yes",
        "shares": profile.ccpa_shares == "yes",
        "appeal": bool(request.appeal_of),
    }
    asks = request.verification_asks or DEFAULT_ASKS
    conditions.update({"ask_" + a.replace("-", "_"): True for a in asks})
    flags.update(name for name, on in conditions.items() if on)
    return LetterContext(values=values, lists=lists, flags=frozenset(flags),
                         reply_items=frozenset(rule.extras.access_reply))
