"""Use cases of links between tables and of table roles: list the declared, proposed, accepted and
rejected links of a connection, accept, reject or add links, and override a table's role.

Every decision is audited (entity ``connection``, id = the connection's name), because it
changes what the search hands over as a subject's data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from privdesk.discovery import classify, ownership
from privdesk.discovery.introspect import ColumnMap
from privdesk.discovery.links import (
    ACCEPTED,
    DECLARED,
    PROPOSED,
    REJECTED,
    THRESHOLD,
    Link,
    broken_reason,
    declared_links,
    infer_links,
    link_id,
    merge,
)
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services import discovery as dsvc
from privdesk.services.context import AppContext
from privdesk.store import audit
from privdesk.store.discovery_models import DiscoveryLink, MapOverride

log = logging.getLogger("privdesk.services.discovery")

ENTITY = "connection"


@dataclass(frozen=True)
class LinkList:
    """The links of one connection as the officer reviews them."""

    connection: str
    links: tuple[Link, ...]

    def to_json(self) -> dict[str, object]:
        return {"links": [lk.to_json() for lk in self.links]}

    def get(self, ident: str) -> Link | None:
        return next((lk for lk in self.links if lk.id == ident), None)


def email_tables(cmap: ColumnMap) -> dict[str, str]:
    """Person tables and their identifier e-mail column: targets of ``*_email`` columns."""
    out: dict[str, str] = {}
    for t in cmap.tables:
        if t.role.role == ownership.PERSON:
            col = next((c.column for c in t.columns if c.kind == classify.EMAIL), None)
            if col is not None:
                out[t.table] = col
    return out


def _infer(ctx: AppContext, name: str, cmap: ColumnMap, cancel: threading.Event | None = None) -> list[Link]:
    tables = email_tables(cmap)
    return dsvc.read_connection(ctx, name, lambda conn: infer_links(conn, cmap.schema, tables, cancel=cancel),
                                cancel)


def _store_proposals(s: Session, conn_id: int, proposals: Sequence[Link]) -> None:
    """Keep fresh proposals (so ``--accept ID`` finds them) without touching the officer's decisions."""
    rows = {r.link_key: r for r in s.scalars(select(DiscoveryLink).where(DiscoveryLink.connection_id == conn_id))}
    fresh = {lk.id: lk for lk in proposals}
    for key, r in rows.items():
        if r.status == PROPOSED and key not in fresh:
            s.delete(r)
    for key, lk in fresh.items():
        existing = rows.get(key)
        if existing is None:
            s.add(DiscoveryLink(connection_id=conn_id, link_key=key, from_table=lk.from_table,
                                from_columns=list(lk.from_columns), to_table=lk.to_table,
                                to_columns=list(lk.to_columns), status=PROPOSED, source="inferred",
                                score=lk.score, evidence=dict(lk.evidence), updated_by=""))
        elif existing.source == "inferred":  # a fresh sample for a decided link too: the officer sees it
            existing.score, existing.evidence = lk.score, dict(lk.evidence)


def list_links(ctx: AppContext, name: str, infer: bool = True,
               cancel: threading.Event | None = None) -> LinkList:
    """Declared, proposed, accepted and rejected links (the database is sampled when ``infer``).

    An accepted link whose column no longer exists is flagged in its evidence (``"broken"``);
    the search skips it instead of failing.
    """
    cmap = dsvc.get_map(ctx, name)
    proposals = _infer(ctx, name, cmap, cancel) if infer else []
    with ctx.db.unit_of_work() as s:
        row = dsvc._row(s, name)
        if infer:
            _store_proposals(s, row.id, proposals)
            s.flush()
        stored = dsvc.stored_links(s, row.id)
    out: list[Link] = []
    for lk in merge(declared_links(cmap.schema), [], stored):
        if lk.status == PROPOSED and (lk.score or 0.0) < THRESHOLD:
            continue
        reason = broken_reason(lk, cmap.schema) if lk.status != DECLARED else None
        if reason is not None:
            lk = replace(lk, evidence={**lk.evidence, "broken": reason})
        out.append(lk)
    order = {DECLARED: 0, ACCEPTED: 1, PROPOSED: 2, REJECTED: 3}
    out.sort(key=lambda lk: (order.get(lk.status, 9), -(lk.score or 0.0), lk.id))
    return LinkList(cmap.connection, tuple(out))


def _audit(s: Session, actor: str, name: str, action: str, what: str, before: str | None, after: str) -> None:
    audit.append(s, actor, ENTITY, name, action, {what: (before, after)})


def _decide(ctx: AppContext, name: str, ids: Iterable[str], status: str, actor: str) -> list[Link]:
    wanted = [i.strip() for i in ids if i.strip()]
    if not wanted:
        return []
    current = list_links(ctx, name, infer=False)
    if any(current.get(i) is None for i in wanted):  # not proposed yet: sample the database now
        current = list_links(ctx, name, infer=True)
    done: list[Link] = []
    with ctx.db.unit_of_work() as s:
        row = dsvc._row(s, name)
        rows = {r.link_key: r for r in s.scalars(select(DiscoveryLink).where(DiscoveryLink.connection_id == row.id))}
        for ident in wanted:
            lk = current.get(ident)
            if lk is None:
                raise NotFoundError(f"There is no link {ident!r} on the connection {row.name!r}. "
                                    f"See 'privdesk connection links {row.name}'.")
            if lk.status == DECLARED:
                raise ValidationError(f"The link {ident} is a foreign key declared in the database; it is "
                                      "always followed. Change the table's role instead.")
            r = rows.get(ident)
            if r is None:
                raise NotFoundError(f"There is no link {ident!r} on the connection {row.name!r}.")
            if r.status == status:
                continue
            before = r.status
            r.status, r.updated_by = status, actor
            _audit(s, actor, row.name, f"link_{'accept' if status == ACCEPTED else 'reject'}", ident, before,
                   f"{status} (score {lk.score if lk.score is not None else 'none'})")
            done.append(replace(lk, status=status))
    log.info("connection %s: %d links %s", name, len(done), status)
    return done


def accept_links(ctx: AppContext, name: str, ids: Iterable[str], actor: str) -> list[Link]:
    """Accept proposed (or earlier rejected) links: the search follows them from now on."""
    return _decide(ctx, name, ids, ACCEPTED, actor)


def reject_links(ctx: AppContext, name: str, ids: Iterable[str], actor: str) -> list[Link]:
    """Reject links: they are no longer proposed nor followed."""
    return _decide(ctx, name, ids, REJECTED, actor)


def accept_all(ctx: AppContext, name: str, actor: str, min_score: float = THRESHOLD) -> list[Link]:
    """Accept every proposal scoring at least ``min_score``."""
    if not 0.0 <= min_score <= 1.0:
        raise ValidationError("--min-score must be between 0 and 1.")
    current = list_links(ctx, name, infer=True)
    ids = [lk.id for lk in current.links if lk.status == PROPOSED and (lk.score or 0.0) >= min_score]
    return _decide(ctx, name, ids, ACCEPTED, actor)


def _split(ref: str, cmap: ColumnMap) -> tuple[str, str]:
    """``TABLE.COL`` (``schema.table.col`` outside the default schema) -> (table, column)."""
    if "." not in ref.strip(".") or not ref.strip():
        raise ValidationError(f"{ref!r} is not TABLE.COLUMN, e.g. orders.customer_id.")
    table, col = ref.strip().rsplit(".", 1)
    info = cmap.schema.table(table)
    if info is None:
        raise ValidationError(f"The connection {cmap.connection!r} has no table {table!r}.")
    if info.column(col) is None:
        raise ValidationError(f"The table {table!r} has no column {col!r}.")
    return table, col


def add_link(ctx: AppContext, name: str, from_ref: str, to_ref: str, actor: str, source: str = "manual") -> Link:
    """Add a link by hand (accepted at once): ``from_ref`` refers to ``to_ref``."""
    cmap = dsvc.get_map(ctx, name)
    ft, fc = _split(from_ref, cmap)
    tt, tc = _split(to_ref, cmap)
    if (ft, fc) == (tt, tc):
        raise ValidationError("A link must join two different columns.")
    return _put_link(ctx, name, Link(ft, (fc,), tt, (tc,), ACCEPTED, None, {"added_by": actor}, source), actor)


def _put_link(ctx: AppContext, name: str, lk: Link, actor: str) -> Link:
    ident = link_id(lk.from_table, lk.from_columns, lk.to_table, lk.to_columns)
    with ctx.db.unit_of_work() as s:
        row = dsvc._row(s, name)
        r = s.scalar(select(DiscoveryLink).where(DiscoveryLink.connection_id == row.id,
                                                 DiscoveryLink.link_key == ident))
        before = r.status if r is not None else None
        if r is None:
            s.add(DiscoveryLink(connection_id=row.id, link_key=ident, from_table=lk.from_table,
                                from_columns=list(lk.from_columns), to_table=lk.to_table,
                                to_columns=list(lk.to_columns), status=lk.status, source=lk.source,
                                score=lk.score, evidence=dict(lk.evidence), updated_by=actor))
        else:
            r.status, r.updated_by = lk.status, actor
        if before != lk.status:
            _audit(s, actor, row.name, "link_add", ident, before, f"{lk.status} ({lk.source})")
    return lk


def set_table_role(ctx: AppContext, name: str, table: str, role: str | None, actor: str) -> None:
    """Override a table's role (person, personal, catalogue); None: automatic again. Audited."""
    if role is not None and role not in ownership.TABLE_ROLES:
        raise ValidationError(f"{role!r} is not a table role. Roles: {', '.join(ownership.TABLE_ROLES)}, auto.")
    cmap = dsvc.get_map(ctx, name)
    tm = cmap.table(table)
    if tm is None:
        raise ValidationError(f"The connection {cmap.connection!r} has no table {table!r}.")
    with ctx.db.unit_of_work() as s:
        row = dsvc._row(s, name)
        o = s.scalar(select(MapOverride).where(MapOverride.connection_id == row.id,
                                               MapOverride.table_name == table, MapOverride.column_name == ""))
        before = o.kind if o is not None and o.kind else None
        if role is None:
            if o is not None and not o.excluded:
                s.delete(o)
            elif o is not None:
                o.kind = None
        elif o is None:
            s.add(MapOverride(connection_id=row.id, table_name=table, column_name="", kind=role, excluded=False))
        else:
            o.kind = role
        if before != role:
            _audit(s, actor, row.name, "table_role", table, before or f"auto ({tm.role.role})", role or "auto")
