"""Use cases of the record of processing activities (GDPR Art. 30): edit the register, map it onto
the connected tables, list the officer's to-do of unmapped personal data, export and import it,
and give the export letter the Art. 15 facts of exactly the tables a subject was found in.

Every change is audited under the entity ``ropa`` (the activity's id as ``ACT-n``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from privdesk.domain.ropa import (
    Activity,
    Art15Sections,
    RefusedRow,
    Transfer,
    activities_for_tables,
    activities_from_csv,
    activities_to_csv,
    compose_art15,
    make_activity,
    parse_table_label,
    table_label,
)
from privdesk.domain.rulefiles import RuleReader, load_rule_file
from privdesk.errors import NotFoundError, PrivDeskError, ValidationError
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store.ropa_models import RopaActivity, RopaMapping

if TYPE_CHECKING:  # the documents package loads reportlab; `ropa list` needs none of it
    from privdesk.documents.model import Art15Info

log = logging.getLogger("privdesk.services.ropa")

ENTITY = "ropa"
_LISTS = ("purposes", "subject_categories", "data_categories", "recipients", "systems")
_TEXTS = ("lawful_basis", "special_condition", "retention", "source", "automated_decisions", "security_measures")


def _entity_id(activity_id: int) -> str:
    return f"ACT-{activity_id}"


def _activity(row: RopaActivity, mappings: Iterable[RopaMapping] = ()) -> Activity:
    return Activity(
        id=row.id, name=row.name, lawful_basis=row.lawful_basis, special_condition=row.special_condition,
        retention=row.retention, source=row.source, automated_decisions=row.automated_decisions,
        security_measures=row.security_measures,
        **{k: tuple(json.loads(getattr(row, k) or "[]")) for k in _LISTS},
        transfers=tuple(Transfer(c, s) for c, s in json.loads(row.transfers or "[]")),
        tables=tuple(table_label(m.connection, m.table_name, m.column_name) for m in mappings),
    )


def _fields(a: Activity) -> dict[str, Any]:
    """The stored form of an activity's fields (what the audit trail compares)."""
    out: dict[str, Any] = {"name": a.name, **{k: getattr(a, k) for k in _TEXTS}}
    out.update({k: json.dumps(list(getattr(a, k)), ensure_ascii=False) for k in _LISTS})
    out["transfers"] = json.dumps([[t.country, t.safeguard] for t in a.transfers], ensure_ascii=False)
    return out


def _mappings_by_activity(s: Session) -> dict[int, list[RopaMapping]]:
    out: dict[int, list[RopaMapping]] = {}
    for m in s.scalars(select(RopaMapping).order_by(RopaMapping.connection, RopaMapping.table_name,
                                                    RopaMapping.column_name)):
        out.setdefault(m.activity_id, []).append(m)
    return out


def list_activities(ctx: AppContext) -> list[Activity]:
    """The register in name order, each activity with the tables mapped to it."""
    with ctx.db.session() as s:
        maps = _mappings_by_activity(s)
        rows = s.scalars(select(RopaActivity).order_by(RopaActivity.name)).all()
        return [_activity(r, maps.get(r.id, ())) for r in rows]


def _find(s: Session, ref: str | int) -> RopaActivity:
    """An activity by id (``7`` or ``ACT-7``) or by name (case-insensitive)."""
    text = str(ref).strip()
    digits = text[4:] if text.upper().startswith("ACT-") else text
    row = s.get(RopaActivity, int(digits)) if digits.isdigit() else None
    if row is None:
        row = next((r for r in s.scalars(select(RopaActivity)) if r.name.casefold() == text.casefold()), None)
    if row is None:
        raise NotFoundError(f"There is no processing activity {text!r} in the register. See 'privdesk ropa list'.")
    return row


def get_activity(ctx: AppContext, ref: str | int) -> Activity:
    with ctx.db.session() as s:
        row = _find(s, ref)
        return _activity(row, _mappings_by_activity(s).get(row.id, ()))


def _check_unique(s: Session, name: str, own_id: int | None) -> None:
    for r in s.scalars(select(RopaActivity)):
        if r.name.casefold() == name.casefold() and r.id != own_id:
            raise ValidationError(f"The register already has an activity called {r.name!r}; pick another name.")


def _write(s: Session, activity: Activity, actor: str, row: RopaActivity | None = None) -> RopaActivity:
    _check_unique(s, activity.name, row.id if row else None)
    after = _fields(activity)
    if row is None:
        row = RopaActivity(**after)
        s.add(row)
        s.flush()
        audit.append(s, actor, ENTITY, _entity_id(row.id), "create", {k: (None, v) for k, v in after.items() if v})
        return row
    before = {k: getattr(row, k) for k in after}
    changes = {k: (before[k], v) for k, v in after.items() if before[k] != v}
    for k, v in after.items():
        setattr(row, k, v)
    if changes:
        audit.append(s, actor, ENTITY, _entity_id(row.id), "edit", changes)
    return row


def save_activity(ctx: AppContext, values: Mapping[str, object], actor: str, ref: str | int | None = None) -> Activity:
    """Create an activity (``ref`` None) or replace the fields of an existing one."""
    activity = make_activity(values)
    with ctx.db.unit_of_work() as s:
        row = _write(s, activity, actor, _find(s, ref) if ref is not None else None)
        result = _activity(row, _mappings_by_activity(s).get(row.id, ()))
    log.info("register: activity %s saved", result.id)
    return result


def delete_activity(ctx: AppContext, ref: str | int, actor: str) -> None:
    with ctx.db.unit_of_work() as s:
        row = _find(s, ref)
        audit.append(s, actor, ENTITY, _entity_id(row.id), "delete", {"name": (row.name, None)})
        s.execute(delete(RopaMapping).where(RopaMapping.activity_id == row.id))
        s.delete(row)


# -- mapping ----------------------------------------------------------------------------------------

def map_table(ctx: AppContext, connection: str, table: str, activity: str | int, actor: str,
              column: str = "", remove: bool = False) -> Activity:
    """Assign a connected table (or one column) to an activity, or take the assignment back.

    The connection must be registered; when its schema can be read the table (and column) must be in it.
    """
    from privdesk.services import discovery

    conn = discovery.get_connection(ctx, connection).name
    cmap = discovery.cached_map(ctx, conn)
    if cmap is None and not remove:  # never read yet: read it now, so a mistyped table is not mapped silently
        try:
            cmap = discovery.get_map(ctx, conn)
        except PrivDeskError as exc:  # unreachable, or no password this session: map on trust
            log.info("register mapping: connection %s not read (%s)", conn, type(exc).__name__)
    table, column = table.strip(), column.strip()
    if not table:
        raise ValidationError("Name the table to map.")
    if cmap is not None and not remove:  # a mapping of a table dropped since can always be taken back
        tm = cmap.table(table)
        if tm is None:
            raise NotFoundError(f"The connection {conn!r} has no table {table!r}. See 'privdesk connection map {conn}'.")
        if column and column not in {c.column for c in tm.columns}:
            raise NotFoundError(f"The table {table!r} of {conn!r} has no column {column!r}.")
    with ctx.db.unit_of_work() as s:
        row = _find(s, activity)
        existing = s.scalar(select(RopaMapping).where(
            RopaMapping.activity_id == row.id, RopaMapping.connection == conn,
            RopaMapping.table_name == table, RopaMapping.column_name == column))
        target = table_label(conn, table, column)
        if remove:
            if existing is None:
                raise NotFoundError(f"{target} is not mapped to the activity {row.name!r}.")
            s.delete(existing)
            audit.append(s, actor, ENTITY, _entity_id(row.id), "unmap", {"table": (target, None)})
        elif existing is None:
            s.add(RopaMapping(activity_id=row.id, connection=conn, table_name=table, column_name=column))
            audit.append(s, actor, ENTITY, _entity_id(row.id), "map", {"table": (None, target)})
        s.flush()
        result = _activity(row, _mappings_by_activity(s).get(row.id, ()))
    log.info("register: activity %s mapping changed", result.id)
    return result


@dataclass(frozen=True)
class TableCoverage:
    """One table of a connected database: the personal columns it holds and what covers it."""

    connection: str
    table: str
    personal_columns: tuple[str, ...]
    activities: tuple[str, ...]
    dependent: bool = False  # holds no identifier itself but rows of a person through a foreign key

    @property
    def personal(self) -> bool:
        return bool(self.personal_columns) or self.dependent

    def to_json(self) -> dict[str, Any]:
        return {"connection": self.connection, "table": self.table, "columns": list(self.personal_columns),
                "dependent": self.dependent, "activities": list(self.activities)}


@dataclass(frozen=True)
class Coverage:
    tables: tuple[TableCoverage, ...]
    not_introspected: tuple[str, ...]

    @property
    def unmapped(self) -> tuple[TableCoverage, ...]:
        return tuple(t for t in self.tables if t.personal and not t.activities)


def coverage(ctx: AppContext, introspect: bool = False) -> Coverage:
    """Every table of every connection with the activities mapped to it.

    A table holds personal data when a column holds an identifier kind, or when it points by a
    foreign key at a table that does (the search reaches those rows as the person's too).
    Connections never introspected are listed apart unless ``introspect`` reads them now.
    """
    from privdesk.services import discovery

    with ctx.db.session() as s:
        names = {a.id: a.name for a in s.scalars(select(RopaActivity))}
        mapped: dict[tuple[str, str], list[str]] = {}
        for m in s.scalars(select(RopaMapping).order_by(RopaMapping.id)):
            mapped.setdefault((m.connection, m.table_name), []).append(names[m.activity_id])
    tables: list[TableCoverage] = []
    missing: list[str] = []
    for c in discovery.list_connections(ctx):
        try:
            cmap = discovery.get_map(ctx, c.name) if introspect else discovery.cached_map(ctx, c.name)
        except PrivDeskError as exc:  # unreachable, or no password this session: say so, go on
            log.info("register coverage: connection %s not read (%s)", c.name, type(exc).__name__)
            cmap = None
        if cmap is None:
            missing.append(c.name)
            continue
        direct = {t.table: tuple(col.column for col in t.columns if col.kind) for t in cmap.tables if not t.excluded}
        personal = {t for t, cols in direct.items() if cols}
        grew = True
        while grew:
            grew = False
            for t in direct:
                info = cmap.schema.table(t)
                if t not in personal and info and any(f.ref_table in personal for f in info.foreign_keys):
                    personal.add(t)
                    grew = True
        for t, cols in direct.items():
            acts = tuple(dict.fromkeys(mapped.get((c.name, t), ())))
            tables.append(TableCoverage(c.name, t, cols, acts, dependent=not cols and t in personal))
    return Coverage(tuple(tables), tuple(missing))


def unmapped_count(ctx: AppContext) -> int:
    """The officer's to-do count (cached schemas only: quick, for a badge)."""
    return len(coverage(ctx).unmapped)


# -- export and import ------------------------------------------------------------------------------

def export_register(ctx: AppContext, path: Path | str, actor: str) -> Path:
    """Write the register as CSV or PDF (by the file's extension), atomically and owner-only."""
    from privdesk.documents.letters import write_private_file
    from privdesk.services.settings import get_profile

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".pdf"):
        raise ValidationError(f"Export the register to a .csv or .pdf file, not {target.name!r}.")
    activities = list_activities(ctx)
    if suffix == ".csv":
        data = activities_to_csv(activities)
    else:
        from privdesk.documents.ropa_report import render_register

        data = render_register(activities, get_profile(ctx))
    write_private_file(target, data)
    with ctx.db.unit_of_work() as s:
        audit.append(s, actor, ENTITY, "register", "export", {"file": (None, f"{target.name}, {len(activities)} activities")})
    return target


@dataclass(frozen=True)
class ImportReport:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    refused: tuple[RefusedRow, ...]
    #: mappings of the file that could not be made here (e.g. a connection this PrivDesk lacks)
    skipped_mappings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"created": list(self.created), "updated": list(self.updated),
                "refused": [{"line": r.line, "name": r.name, "reason": r.reason} for r in self.refused],
                "skipped_mappings": list(self.skipped_mappings)}


def import_register(ctx: AppContext, path: Path | str, actor: str) -> ImportReport:
    """Read a register CSV: new names are added, known names updated, bad rows refused with a reason."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read {source}: {exc.strerror}.") from exc
    good, refused = activities_from_csv(data)
    created: list[str] = []
    updated: list[str] = []
    with ctx.db.unit_of_work() as s:
        existing = {r.name.casefold(): r for r in s.scalars(select(RopaActivity))}
        for a in good:
            row = existing.get(a.name.casefold())
            _write(s, a, actor, row)
            (updated if row is not None else created).append(a.name)
        audit.append(s, actor, ENTITY, "register", "import", {
            "file": (None, source.name), "rows": (None, f"{len(created)} new, {len(updated)} updated, "
                                                         f"{len(refused)} refused")})
    skipped: list[str] = []
    for a in good:
        have = set(get_activity(ctx, a.name).tables)
        for label in a.tables:
            if label in have:
                continue
            conn, table, column = parse_table_label(label)
            try:
                map_table(ctx, conn, table, a.name, actor, column=column)
            except PrivDeskError as exc:
                skipped.append(f"{a.name}: {label}: {exc.message}")
    log.info("register import: %d new, %d updated, %d refused", len(created), len(updated), len(refused))
    return ImportReport(tuple(created), tuple(updated), tuple(refused), tuple(skipped))


# -- the Art. 15 facts of one subject ---------------------------------------------------------------

@lru_cache(maxsize=1)
def art15_wording() -> dict[str, str]:
    from privdesk.paths import resource_path

    return load_rule_file(resource_path("register", "art15_wording.toml"), "Register wording file", _parse_wording)


_WORDING_KEYS = ("source_subject", "automated_none", "transfers_none", "retention_item", "automated_item",
                 "transfers_item", "generic_marker", "withheld_intro")


def _parse_wording(path: Path, data: dict[str, Any]) -> dict[str, str]:
    """The sentences the letter needs (other keys are left alone, as comments would be)."""
    reader = RuleReader(path, data, "Register wording file")
    return {key: reader.text(key) for key in _WORDING_KEYS}


def sections_for(ctx: AppContext, tables: Sequence[tuple[str, str, Sequence[str]]],
                 law: str = "gdpr") -> Art15Sections:
    """The Art. 15 sections for a subject found in ``tables`` (``(connection, table, columns)``),
    worded for a letter under ``law`` (its letters' base id)."""
    with ctx.db.session() as s:
        rows = {r.id: r for r in s.scalars(select(RopaActivity))}
        maps = _mappings_by_activity(s)
        mappings = [(m.connection, m.table_name, m.column_name, m.activity_id)
                    for m in sorted((m for ms in maps.values() for m in ms), key=lambda m: m.id)]
        ids, uncovered = activities_for_tables(tables, mappings)
        activities = [_activity(rows[i]) for i in ids]
    return compose_art15(activities, uncovered, art15_wording(), law)


def art15_info(sections: Art15Sections, preview: bool) -> Art15Info:
    """The letter's Art. 15 facts: the register's sections, and the generic text where the register
    has nothing (or cannot cover every table), marked in a preview so the officer notices."""
    from privdesk.documents.model import Art15Info

    generic = Art15Info.defaults()
    if not sections.activities and not sections.uncovered:
        return generic  # nothing was found: the general information is all there is to give
    marker = art15_wording()["generic_marker"].format(tables=", ".join(sections.uncovered) or "this data")

    def lst(key: str, own: tuple[str, ...], fallback: tuple[str, ...]) -> tuple[str, ...]:
        if key not in sections.generic:
            return own
        extra = ((marker,) if preview else ()) + fallback
        return tuple(dict.fromkeys((*own, *extra)))

    def txt(key: str, own: tuple[str, ...], fallback: str) -> str:
        parts = list(own)
        if key in sections.generic:
            parts += [marker, fallback] if preview else [fallback]
        return "\n\n".join(dict.fromkeys(parts))

    return Art15Info(
        purposes=lst("purposes", sections.purposes, generic.purposes),
        categories=lst("categories", sections.categories, generic.categories),
        recipients=lst("recipients", sections.recipients, generic.recipients),
        retention=txt("retention", sections.retention, generic.retention),
        source=txt("source", sections.source, generic.source),
        automated_decision_making=txt("automated", sections.automated, generic.automated_decision_making),
        transfer_safeguards=txt("transfers", sections.transfers, generic.transfer_safeguards),
    )


# -- demo ------------------------------------------------------------------------------------------

def _demo_activities() -> list[tuple[dict[str, object], list[tuple[str, str, str]]]]:
    """Northwind's register and the demo tables each activity covers (connection, table, column)."""
    hosting = "Hosting provider (Northwind Cloud Ltd, processor under an Art. 28 contract)"
    return [
        ({"name": "Customer accounts",
          "purposes": ["Open and manage your customer account", "Keep your contact details and addresses up to date"],
          "lawful_basis": "contract, Art. 6(1)(b)",
          "subject_categories": ["Customers"],
          "data_categories": ["Name and date of birth", "E-mail addresses and telephone numbers", "Postal addresses",
                              "Customer number"],
          "recipients": [hosting, "CRM software provider (Salesforce, Inc., processor)"],
          "transfers": ["United States: sccs"],
          "retention": "While the account is open and 6 years after it closes (limitation period for claims).",
          "systems": ["CRM"], "security_measures": "Role-based access, encryption at rest and in transit, "
                                                   "quarterly access reviews."},
         [("demo-crm", "customers", ""), ("demo-crm", "contacts", ""), ("demo-crm", "addresses", "")]),
        ({"name": "Order fulfilment",
          "purposes": ["Deliver the products you ordered", "Handle returns and warranty claims"],
          "lawful_basis": "contract, Art. 6(1)(b)",
          "subject_categories": ["Customers"],
          "data_categories": ["Name, e-mail and telephone number", "Orders and the products in them",
                              "Delivery address"],
          "recipients": ["Parcel carrier (DPD UK Ltd) for delivery", hosting],
          "retention": "6 years after the order (limitation period for contract claims).",
          "systems": ["Web shop"], "security_measures": "Role-based access, encryption in transit, daily backups."},
         [("demo-shop", "orders", ""), ("demo-shop", "order_items", "")]),
        ({"name": "Payments",
          "purposes": ["Take payment for orders and make refunds", "Keep accounting and tax records"],
          "lawful_basis": "contract, Art. 6(1)(b); legal obligation, Art. 6(1)(c) (accounting records)",
          "subject_categories": ["Customers"],
          "data_categories": ["Payment method and amount", "Payment provider's transaction reference"],
          "recipients": ["Payment service provider (Stripe Payments Europe Ltd), to process card payments",
                         "Our external auditors (Baker & Lane LLP)", "HM Revenue & Customs, where tax law requires"],
          "transfers": ["United States: adequacy"],
          "retention": "6 years after the end of the financial year (Companies Act 2006 s. 388).",
          "source": "The payment service provider that processed your payment.",
          "systems": ["Web shop", "Accounting"],
          "security_measures": "Card numbers are never stored; tokenised references only; PCI DSS SAQ A."},
         [("demo-shop", "payments", "")]),
        ({"name": "Newsletter marketing",
          "purposes": ["Send you our newsletter and offers by e-mail", "Measure which campaigns you open and click"],
          "lawful_basis": "consent, Art. 6(1)(a)",
          "subject_categories": ["Newsletter subscribers"],
          "data_categories": ["Name, e-mail address and mobile number", "Consent record (when, where, IP address)",
                              "Campaign events (sent, opened, clicked, unsubscribed)"],
          "recipients": ["E-mail delivery service (Mailjet SAS, processor)"],
          "retention": "Until you withdraw your consent, then 2 years as proof of the consent.",
          "automated_decisions": "",
          "systems": ["Marketing platform"],
          "security_measures": "Access limited to the marketing team; double opt-in; encryption in transit."},
         [("demo-marketing", "subscribers", ""), ("demo-marketing", "campaign_events", "")]),
        ({"name": "Website analytics",
          "purposes": ["Understand how visitors use our website, in aggregate"],
          "lawful_basis": "consent, Art. 6(1)(a) (analytics cookies)",
          "subject_categories": ["Website visitors"],
          "data_categories": ["Pseudonymous cookie identifier", "Pages visited, device and browser information"],
          "recipients": ["Web analytics provider (Plausible Insights OÜ, processor)"],
          "retention": "Raw visit records 90 days; aggregated statistics without identifiers indefinitely.",
          "systems": ["Website"], "security_measures": "IP addresses truncated before storage."},
         []),
        ({"name": "Support tickets",
          "purposes": ["Answer your questions and complaints about orders, deliveries and your account"],
          # no legal obligation here: an erasure deletes a customer's tickets (rights requests
          # themselves are recorded in PrivDesk, not in the help desk)
          "lawful_basis": "contract, Art. 6(1)(b); legitimate interests, Art. 6(1)(f) (complaints)",
          "subject_categories": ["Customers", "Prospective customers", "Support staff (who handled a ticket)"],
          "data_categories": ["Name and contact details", "Correspondence with us"],
          "recipients": ["CRM software provider (Salesforce, Inc., processor), whose service desk holds the tickets"],
          "transfers": ["United States: sccs"],
          "retention": "3 years after the ticket is closed.",
          "systems": ["Help desk (in the CRM)"],
          "security_measures": "Single sign-on with two factors for support staff."},
         [("demo-crm", "support_tickets", ""), ("demo-crm", "agents", "")]),
    ]


def seed_demo_register(ctx: AppContext) -> str:
    """Demo step: Northwind's register, mapped to the demo databases (idempotent)."""
    from privdesk.services import discovery

    have = {a.name for a in list_activities(ctx)}
    connections = {c.name for c in discovery.list_connections(ctx)}
    added = mapped = 0
    for values, tables in _demo_activities():
        name = str(values["name"])
        if name not in have:
            save_activity(ctx, values, "demo")
            added += 1
            for conn, table, column in tables:
                if conn in connections:
                    map_table(ctx, conn, table, name, "demo", column=column)
                    mapped += 1
    return f"register: {added} activities added, {mapped} tables mapped"
