"""Plain inputs of a letter: what the request, the search snapshot and the Art. 15 notice say.

No ORM and no Qt here, so a letter can be built in a worker thread or another process from values
the services copied out of their session.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from privdesk.errors import ConfigurationError

REQUEST_TYPES = ("access", "rectification", "erasure", "restriction", "objection", "opt-out", "portability")
LAWS = ("gdpr", "uk-gdpr", "ccpa", "lgpd", "vcdpa", "cpa")
LETTER_KINDS = ("acknowledgement", "verification", "extension", "export", "completion", "denial")
#: What an officer may ask a requester for to confirm identity, least intrusive first. GDPR Art. 12(6)
#: allows asking for more only on reasonable doubts, and EDPB Guidelines 01/2022 s.3.3 (paras 69-78) call a
#: copy of an ID document disproportionate in most cases, so it is never part of the default.
VERIFICATION_ASKS: dict[str, str] = {
    "reply": "a reply from the e-mail address registered with us",
    "account": "details of the account only the account holder knows",
    "id-document": "a copy of an identity document (only where there are reasonable doubts)",
}
DEFAULT_ASKS = ("reply", "account")


@dataclass(frozen=True)
class LetterRequest:
    """The facts of one rights request that a letter may quote.

    ``citations`` maps citation keys (``right``, ``deadline``, ``extension``, ``refusal``,
    ``complaint``, ``remedy``, ``appeal``, ``portability``) to the text the law's rule file gives;
    keys it lacks fall back to ``resources/templates/laws.toml``.
    """

    reference: str
    request_type: str
    law: str
    law_name: str
    received: date
    due: date
    subject_name: str
    subject_email: str = ""
    subject_address: str = ""
    extended_due: date | None = None
    requester_name: str | None = None
    verification: str = "pending"
    status: str = "open"
    extension_reason: str = ""
    denial_reasons: tuple[str, ...] = ()
    completion_summary: str = ""
    assignee_name: str = ""
    citations: Mapping[str, str] = field(default_factory=dict)
    #: what the verification letter asks for (:data:`VERIFICATION_ASKS`); empty means the
    #: proportionate default (GDPR Art. 12(6); EDPB Guidelines 01/2022): :data:`DEFAULT_ASKS`
    verification_asks: tuple[str, ...] = ()
    #: for an appeal (VCDPA, CPA): the reference of the refused request it contests
    appeal_of: str = ""
    #: the response period in words when the request's own law differs from the wording's law
    #: (an organisation's law using another law's letters); "" = the wording's own
    response_period: str = ""

    @property
    def effective_due(self) -> date:
        """The date the answer is owed by, after any extension."""
        return self.extended_due or self.due


@dataclass(frozen=True)
class ExportSource:
    """The rows one table of a connected database holds about the subject."""

    connection: str
    table: str
    columns: tuple[str, ...]
    rows: Sequence[Mapping[str, Any]]

    @property
    def title(self) -> str:
        return f"{self.connection} · {self.table}"


@dataclass(frozen=True)
class ExportSnapshot:
    """What a subject search found, as attached to the request."""

    sources: tuple[ExportSource, ...]
    identifiers: tuple[str, ...] = ()
    taken_at: datetime | None = None
    #: connections whose search failed, as "connection: message"; an export letter is refused then
    errors: tuple[str, ...] = ()
    #: tables the row cap cut short, as "connection · table"; an export letter is refused then
    truncated: tuple[str, ...] = ()
    #: what the officer left out and on which ground, one sentence each (Art. 15(4))
    withheld: tuple[str, ...] = ()
    #: the systems (connections) the search covered, found something or not
    connections: tuple[str, ...] = ()

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sources)

    @property
    def systems_searched(self) -> tuple[str, ...]:
        """What the letter names as searched: the search's connections, else those of its sources,
        so a reply that found nothing still says where we looked (EDPB 01/2022; ICO)."""
        return self.connections or tuple(dict.fromkeys(s.connection for s in self.sources))

    @classmethod
    def from_search(cls, search: Any) -> ExportSnapshot:
        """Adapt a :class:`privdesk.discovery.export.SearchSnapshot` (duck-typed, so documents does
        not depend on discovery): one source per connection and table, columns in order of first
        appearance, identifiers as ``"kind: value"``."""
        sources = []
        for connection, tables in search.tables().items():
            for table, matches in tables.items():
                rows = [dict(m.row) for m in matches]
                columns: dict[str, None] = {}
                for row in rows:
                    columns.update(dict.fromkeys(row))
                sources.append(ExportSource(connection, table, tuple(columns), rows))
        identifiers = tuple(f"{identifier_label(kind)}: {value}"
                            for kind, values in search.identifiers.items() for value in values)
        taken = search.taken_at
        taken_at = datetime.fromisoformat(taken) if isinstance(taken, str) else taken
        errors = tuple(f"{e.connection}: {e.message}" for e in getattr(search, "errors", ()))
        truncated = tuple(f"{c} · {t}" for c, t in getattr(search, "truncated", ()))
        return cls(sources=tuple(sources), identifiers=identifiers, taken_at=taken_at, errors=errors,
                   truncated=truncated, connections=tuple(getattr(search, "connections", ())))


#: The search stores its identifiers under the query's field names (``SearchQuery.to_dict``); a
#: letter names them in words.
_IDENTIFIER_LABELS = {"emails": "E-mail address", "email": "E-mail address", "phones": "Telephone number",
                      "phone": "Telephone number", "names": "Name", "name": "Name",
                      "customer_ids": "Customer number", "customer_id": "Customer number"}


def identifier_label(kind: str) -> str:
    """``customer_ids`` -> ``Customer number``; an unknown kind in plain words (``loyalty_no`` -> ``Loyalty no``)."""
    return _IDENTIFIER_LABELS.get(kind) or kind.replace("_", " ").strip().capitalize()


@dataclass(frozen=True)
class PortabilityFile:
    """The machine-readable copy sent beside the export letter (Art. 20 GDPR)."""

    name: str
    sha256: str

    @classmethod
    def from_path(cls, path: Path) -> PortabilityFile:
        """Hash the file in chunks: portability files can be large."""
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return cls(name=path.name, sha256=digest.hexdigest())


@dataclass(frozen=True)
class Art15Info:
    """The Art. 15(1)(a)-(d), (g), (h) and 15(2) facts of the organisation's processing.

    Defaults come from ``resources/templates/art15_defaults.toml`` so the legal team edits them as
    text; a request may carry its own tailored copy (EDPB 01/2022: name actual recipients).
    """

    purposes: tuple[str, ...]
    categories: tuple[str, ...]
    recipients: tuple[str, ...]
    retention: str
    source: str
    automated_decision_making: str
    transfer_safeguards: str
    #: LGPD Art. 19, II "the criteria used"; empty in a tailored copy means the organisation's default
    criteria: str = ""

    @classmethod
    def defaults(cls) -> Art15Info:
        return _load_art15_defaults(_art15_path())


def _art15_path() -> Path:
    from privdesk.paths import resource_path

    return resource_path("templates", "art15_defaults.toml")


@lru_cache(maxsize=4)
def _load_art15_defaults(path: Path) -> Art15Info:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"The Art. 15 defaults file {path.name} cannot be read: {exc}.") from exc
    lists = ("purposes", "categories", "recipients")
    texts = ("retention", "source", "automated_decision_making", "transfer_safeguards", "criteria")
    unknown = sorted(set(data) - set(lists) - set(texts))
    if unknown:
        raise ConfigurationError(f"{path.name}: unknown key {unknown[0]!r}; keys: {', '.join(lists + texts)}.")
    values: dict[str, Any] = {}
    for key in lists:
        items = data.get(key)
        if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
            raise ConfigurationError(f"{path.name}: {key!r} must be a non-empty list of texts.")
        values[key] = tuple(i.strip() for i in items)
    for key in texts:
        text = data.get(key)
        if not isinstance(text, str) or not text.strip():
            raise ConfigurationError(f"{path.name}: {key!r} must be a non-empty text.")
        values[key] = text.strip()
    return Art15Info(**values)
