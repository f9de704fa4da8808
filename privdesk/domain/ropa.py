"""The record of processing activities (GDPR Art. 30(1)) and what an access reply draws from it.

Pure rules: what an activity must hold, how it reads and writes as a CSV row, and how the
activities of the tables a subject was found in become the Art. 15(1)(a)-(d), (g), (h) and 15(2)
sections of one person's letter (deduplicated, in a stable order: the order of the activities'
first appearance in the snapshot, then the order within each activity).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from privdesk.domain.laws import GDPR_LETTER_LAWS
from privdesk.errors import ValidationError

#: Art. 46 safeguards (and the Art. 45 adequacy decision) a third-country transfer relies on.
SAFEGUARDS: dict[str, str] = {
    "adequacy": "an adequacy decision (Art. 45)",
    "sccs": "standard contractual clauses (Art. 46(2)(c))",
    "bcrs": "binding corporate rules (Art. 47)",
    "derogation": "a derogation for a specific situation (Art. 49)",
}

#: CSV columns in order; lists are separated by "; " inside a cell. An optional last column
#: ``tables`` carries the mapping (``CONNECTION · TABLE[ · COLUMN]``), restored on import.
TABLES_COLUMN = "tables"
CSV_COLUMNS: tuple[str, ...] = (
    "name", "purposes", "lawful_basis", "special_condition", "subject_categories", "data_categories",
    "recipients", "transfers", "retention", "source", "automated_decisions", "systems",
    "security_measures",
)
_LIST_FIELDS = ("purposes", "subject_categories", "data_categories", "recipients", "systems")
_SEP = "; "


@dataclass(frozen=True)
class Transfer:
    """A transfer to a third country or international organisation and its safeguard."""

    country: str
    safeguard: str

    def describe(self) -> str:
        return f"{self.country}, under {SAFEGUARDS.get(self.safeguard, self.safeguard)}"

    def to_cell(self) -> str:
        return f"{self.country}: {self.safeguard}"

    @classmethod
    def parse(cls, text: str) -> Transfer:
        """``United States: sccs`` (the safeguard by key or by its label's first word)."""
        country, sep, safeguard = text.rpartition(":")
        if not sep or not country.strip():
            raise ValidationError(
                f"The transfer {text.strip()!r} must read COUNTRY: SAFEGUARD, e.g. \"United States: sccs\".")
        key = safeguard.strip().lower().replace(" ", "")
        aliases = {"scc": "sccs", "bcr": "bcrs", "adequate": "adequacy"}
        key = aliases.get(key, key)
        if key not in SAFEGUARDS:
            raise ValidationError(
                f"{safeguard.strip()!r} is not a transfer safeguard; use one of {', '.join(SAFEGUARDS)}.")
        return cls(country.strip(), key)


@dataclass(frozen=True)
class Activity:
    """One processing activity of the register; ``id`` is None until stored."""

    name: str
    purposes: tuple[str, ...]
    lawful_basis: str
    special_condition: str = ""  # Art. 9(2) condition when special categories are processed
    subject_categories: tuple[str, ...] = ()
    data_categories: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    retention: str = ""
    source: str = ""  # empty: collected from the subject
    automated_decisions: str = ""  # empty: none; else the logic and its consequences
    systems: tuple[str, ...] = ()
    security_measures: str = ""
    id: int | None = None
    tables: tuple[str, ...] = field(default=(), compare=False)  # "connection · table[.column]"

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "name": self.name, "purposes": list(self.purposes),
            "lawful_basis": self.lawful_basis, "special_condition": self.special_condition,
            "subject_categories": list(self.subject_categories), "data_categories": list(self.data_categories),
            "recipients": list(self.recipients),
            "transfers": [{"country": t.country, "safeguard": t.safeguard} for t in self.transfers],
            "retention": self.retention, "source": self.source, "automated_decisions": self.automated_decisions,
            "systems": list(self.systems), "security_measures": self.security_measures,
            "tables": list(self.tables),
        }

    def to_row(self) -> dict[str, str]:
        """The CSV cells of this activity."""
        row = {k: _SEP.join(getattr(self, k)) for k in _LIST_FIELDS}
        row["transfers"] = _SEP.join(t.to_cell() for t in self.transfers)
        for k in CSV_COLUMNS:
            row.setdefault(k, str(getattr(self, k)))
        return {k: row[k] for k in CSV_COLUMNS}


def _items(value: str | Iterable[str]) -> tuple[str, ...]:
    parts = value.split(";") if isinstance(value, str) else value
    seen: dict[str, None] = {}
    for p in parts:
        text = " ".join(p.split())
        if text:
            seen.setdefault(text, None)
    return tuple(seen)


def make_activity(values: Mapping[str, object], id: int | None = None) -> Activity:
    """Validate and clean an activity typed in a form, read from CSV or given on the command line.

    Lists may be given as sequences or as one text separated by ";". Raises
    :class:`ValidationError` naming the first problem.
    """
    unknown = sorted(set(values) - set(CSV_COLUMNS) - {"id", "tables"})
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a field of a processing activity; fields: "
                              f"{', '.join(CSV_COLUMNS)}.")

    def text(key: str) -> str:
        v = values.get(key, "")
        return str(v).strip() if v is not None else ""

    def items(key: str) -> tuple[str, ...]:
        v = values.get(key, "")
        if v is None:
            return ()
        return _items(v if isinstance(v, str) else [str(x) for x in v])  # type: ignore[attr-defined]

    name = " ".join(text("name").split())
    if not name:
        raise ValidationError("A processing activity needs a name, e.g. \"Newsletter marketing\".")
    if len(name) > 200:
        raise ValidationError("The activity's name is longer than 200 characters; shorten it.")
    purposes = items("purposes")
    if not purposes:
        raise ValidationError(f"The activity {name!r} needs at least one purpose (Art. 30(1)(b)).")
    basis = text("lawful_basis")
    if not basis:
        raise ValidationError(f"The activity {name!r} needs its lawful basis (Art. 6(1)), e.g. \"consent, "
                              "Art. 6(1)(a)\".")
    raw_transfers = values.get("transfers", ())
    if isinstance(raw_transfers, str):
        transfers = tuple(Transfer.parse(t) for t in _items(raw_transfers))
    else:
        transfers = tuple(t if isinstance(t, Transfer) else Transfer.parse(str(t))
                          for t in raw_transfers or ())  # type: ignore[attr-defined]
    return Activity(
        name=name, purposes=purposes, lawful_basis=basis, special_condition=text("special_condition"),
        subject_categories=items("subject_categories"), data_categories=items("data_categories"),
        recipients=items("recipients"), transfers=transfers, retention=text("retention"), source=text("source"),
        automated_decisions=text("automated_decisions"), systems=items("systems"),
        security_measures=text("security_measures"), id=id,
    )


# -- CSV --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RefusedRow:
    """A CSV row that was not imported, with its line number and the reason in plain words."""

    line: int
    name: str
    reason: str


def activities_to_csv(activities: Sequence[Activity]) -> bytes:
    """UTF-8 with a BOM (spreadsheet programs then read accents right), CRLF line ends."""
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=(*CSV_COLUMNS, TABLES_COLUMN), lineterminator="\r\n")
    w.writeheader()
    for a in activities:
        w.writerow({**a.to_row(), TABLES_COLUMN: _SEP.join(a.tables)})
    return buf.getvalue().encode("utf-8-sig")


def activities_from_csv(data: bytes) -> tuple[list[Activity], list[RefusedRow]]:
    """Parse a register CSV: the good rows and the refused ones (never all-or-nothing)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The register file is not UTF-8 text; save it as CSV UTF-8 and try again.") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or ()]
    if "name" not in header:
        raise ValidationError(f"The register file has no \"name\" column; its first line must name the columns: "
                              f"{', '.join(CSV_COLUMNS)}.")
    unknown = [h for h in header if h and h not in CSV_COLUMNS and h not in ("id", TABLES_COLUMN)]
    if unknown:
        raise ValidationError(f"The register file has the unknown column {unknown[0]!r}; columns: "
                              f"{', '.join(CSV_COLUMNS)}.")
    good: list[Activity] = []
    refused: list[RefusedRow] = []
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        values = {k.strip(): (v or "") for k, v in row.items() if k and k.strip() in CSV_COLUMNS}
        if not any(v.strip() for v in values.values()):
            continue
        name = values.get("name", "").strip()
        if None in row:
            refused.append(RefusedRow(line, name, "the row has more cells than the header has columns"))
            continue
        try:
            activity = make_activity(values)
            tables = _items(row.get(TABLES_COLUMN) or "")
            for label in tables:
                parse_table_label(label)
            activity = replace(activity, tables=tables)
        except ValidationError as exc:
            refused.append(RefusedRow(line, name, exc.message))
            continue
        if activity.name.casefold() in seen:
            refused.append(RefusedRow(line, name, "an earlier row of the file has the same name"))
            continue
        seen.add(activity.name.casefold())
        good.append(activity)
    return good, refused


# -- the Art. 15 sections of one person's letter ------------------------------------------------------

@dataclass(frozen=True)
class Art15Sections:
    """The Art. 15 facts for one subject, and which sections had to fall back to the generic text.

    ``uncovered`` names the snapshot's tables (``connection · table``) no activity covers; while it
    is not empty every section also carries the generic text, because the register cannot say what
    applies to the data in those tables.
    """

    purposes: tuple[str, ...]
    categories: tuple[str, ...]
    recipients: tuple[str, ...]
    retention: tuple[str, ...]
    source: tuple[str, ...]
    automated: tuple[str, ...]
    transfers: tuple[str, ...]
    activities: tuple[str, ...]
    uncovered: tuple[str, ...] = ()
    generic: frozenset[str] = frozenset()


def _dedup(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def activities_for_tables(
    tables: Sequence[tuple[str, str, Sequence[str]]],
    mappings: Sequence[tuple[str, str, str, int]],
) -> tuple[list[int], list[str]]:
    """Which activities cover the snapshot's tables, in order of first appearance.

    ``tables`` is ``(connection, table, columns that held values)`` in snapshot order;
    ``mappings`` is ``(connection, table, column or "", activity id)`` in the order they were made.
    A column mapping applies when that column held a value. Returns the activity ids and the
    tables (``connection · table``) that no activity covers.
    """
    ids: dict[int, None] = {}
    uncovered: list[str] = []
    for conn, table, columns in tables:
        found = [aid for c, t, col, aid in mappings if c == conn and t == table and (not col or col in columns)]
        if not found:
            uncovered.append(f"{conn} · {table}")
        ids.update(dict.fromkeys(found))
    return list(ids), uncovered


_PAREN_ARTICLE = re.compile(r"\s*\(Art\.\s*\d+[a-zA-Z]?(?:\(\w+\))*\)")
_ARTICLE = re.compile(r",?\s*Art\.\s*\d+[a-zA-Z]?(?:\(\w+\))*")


def without_gdpr_articles(text: str) -> str:
    """``contract, Art. 6(1)(b)`` -> ``contract``: a letter under another law (LGPD, a US state law)
    must not cite GDPR articles that mean nothing, or something else, under that law."""
    return _ARTICLE.sub("", _PAREN_ARTICLE.sub("", text)).strip()


def compose_art15(activities: Sequence[Activity], uncovered: Sequence[str], wording: Mapping[str, str],
                  law: str = "gdpr") -> Art15Sections:
    """The sections drawn from ``activities`` (already in snapshot order), deduplicated.

    ``law`` is the law the letter answers under (its letters' base id): outside
    :data:`GDPR_LETTER_LAWS` the GDPR article numbers of lawful bases and safeguards are left out.

    ``wording`` gives the sentences the register cannot hold itself (from
    ``resources/register/art15_wording.toml``): ``source_subject``, ``automated_none``, ``transfers_none``,
    ``retention_item`` (``{activity}: {retention}``), ``transfers_item`` and ``automated_item``.
    A section with nothing from the register is named in ``generic`` so the caller uses the
    organisation's generic text there.
    """
    def per_activity(key: str, attr: str) -> tuple[str, ...]:
        return _dedup(wording[key].format(activity=a.name, text=getattr(a, attr))
                      for a in activities if getattr(a, attr))

    def cite(text: str) -> str:
        return text if law in GDPR_LETTER_LAWS else without_gdpr_articles(text)

    purposes = _dedup(f"{p} ({cite(a.lawful_basis)})" if cite(a.lawful_basis) else p
                      for a in activities for p in a.purposes)
    categories = _dedup(c for a in activities for c in a.data_categories)
    recipients = _dedup(r for a in activities for r in a.recipients)
    retention = per_activity("retention_item", "retention")
    sources = _dedup(a.source for a in activities if a.source)
    if activities and not sources:
        sources = (wording["source_subject"],)
    elif sources and any(not a.source for a in activities):
        sources = (wording["source_subject"], *sources)
    automated = per_activity("automated_item", "automated_decisions") or (
        (wording["automated_none"],) if activities else ())
    transfers = _dedup(wording["transfers_item"].format(activity=a.name, text=cite(t.describe()))
                       for a in activities for t in a.transfers) or (
        (wording["transfers_none"],) if activities else ())
    sections = {"purposes": purposes, "categories": categories, "recipients": recipients,
                "retention": retention, "source": sources, "automated": automated, "transfers": transfers}
    generic = frozenset(k for k, v in sections.items() if not v or uncovered)
    return Art15Sections(**sections, activities=_dedup(a.name for a in activities), uncovered=tuple(uncovered),
                         generic=generic)


def table_label(connection: str, table: str, column: str = "") -> str:
    """``crm · customers`` or, for a column mapping, ``crm · customers · email``."""
    return " · ".join(p for p in (connection, table, column) if p)


def parse_table_label(label: str) -> tuple[str, str, str]:
    """(connection, table, column) from :func:`table_label`'s text."""
    parts = [p.strip() for p in label.split("·")]
    if len(parts) not in (2, 3) or not all(parts):
        raise ValidationError(f"{label!r} does not name a table as \"CONNECTION · TABLE\" or "
                              "\"CONNECTION · TABLE · COLUMN\".")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else ""
