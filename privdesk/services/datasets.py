"""Use cases of fideslang dataset files: import one into a connection's identifier map and links
(all or nothing, audited), export the map and links as one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from privdesk.discovery.dataset import dump_dataset, read_dataset, to_dataset
from privdesk.discovery.export import _write_atomically
from privdesk.discovery.introspect import build_map
from privdesk.discovery.links import ACCEPTED, broken_reason, link_id
from privdesk.errors import ValidationError
from privdesk.services import discovery as dsvc
from privdesk.services.context import AppContext
from privdesk.store import audit
from privdesk.store.discovery_models import DiscoveryLink, MapOverride

log = logging.getLogger("privdesk.services.discovery")


@dataclass(frozen=True)
class ImportSummary:
    columns: int  # column kinds that now differ from the automatic guess
    links: int
    roles: int
    excluded: int

    def sentence(self) -> str:
        return (f"{self.columns} column kind(s), {self.links} link(s), {self.roles} table role(s) and "
                f"{self.excluded} excluded table(s) imported.")


def fides_key(name: str) -> str:
    """fides keys allow letters, digits, ``_``, ``.`` and ``-``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "privdesk"


def export_dataset(ctx: AppContext, name: str, path: Path | str) -> Path:
    """Write the connection's map and accepted links as a fides dataset file (YAML)."""
    cmap = dsvc.get_map(ctx, name)
    with ctx.db.session() as s:
        row = dsvc._row(s, name)
        links = [lk for lk in dsvc.stored_links(s, row.id)
                 if lk.status == ACCEPTED and broken_reason(lk, cmap.schema) is None]
    text = dump_dataset(to_dataset(cmap, links, fides_key(cmap.connection)))
    target = Path(path)
    if not target.parent.is_dir():  # a mistyped folder is not created silently
        raise ValidationError(f"The folder {target.parent} does not exist.")
    if target.is_dir():
        raise ValidationError(f"{target} is a folder; give the dataset a file name, e.g. {cmap.connection}.yml.")
    try:
        _write_atomically(target, lambda fh: fh.write(text.encode("utf-8")))
    except OSError as exc:
        raise ValidationError(f"Cannot write the dataset to {target}: {exc.strerror or exc}.") from exc
    log.info("connection %s: dataset exported (%d links)", cmap.connection, len(links))
    return target


def import_dataset(ctx: AppContext, name: str, path: Path | str, actor: str) -> ImportSummary:
    """Read a fides dataset into the connection's map and accepted links, in one transaction:
    a malformed file (or one naming tables the database lacks) changes nothing."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Cannot read {p.name}: {getattr(exc, 'strerror', None) or exc}.") from exc
    cmap = dsvc.get_map(ctx, name)
    wanted = read_dataset(text, p.name, cmap)
    automatic = build_map(cmap.connection, cmap.schema, {}, set())
    auto_kind = {(t.table, c.column): (c.kind or "none") for t in automatic.tables for c in t.columns}
    changed = 0
    with ctx.db.unit_of_work() as s:
        row = dsvc._row(s, name)
        overrides = {(o.table_name, o.column_name): o for o in
                     s.scalars(select(MapOverride).where(MapOverride.connection_id == row.id))}
        for (table, column), kind in wanted.kinds.items():
            o = overrides.get((table, column))
            if kind == auto_kind.get((table, column)):
                if o is not None:
                    s.delete(o)
                continue
            changed += 1
            if o is None:
                s.add(MapOverride(connection_id=row.id, table_name=table, column_name=column, kind=kind,
                                  excluded=False))
            else:
                o.kind = kind
        for table in {t.table for t in cmap.tables}:
            role = wanted.roles.get(table)
            excl = table in wanted.excluded
            o = overrides.get((table, ""))
            if role is None and not excl:
                if o is not None:
                    s.delete(o)
            elif o is None:
                s.add(MapOverride(connection_id=row.id, table_name=table, column_name="", kind=role, excluded=excl))
            else:
                o.kind, o.excluded = role, excl
        stored = {r.link_key: r for r in s.scalars(select(DiscoveryLink).where(DiscoveryLink.connection_id == row.id))}
        for lk in wanted.links:
            key = link_id(lk.from_table, lk.from_columns, lk.to_table, lk.to_columns)
            r = stored.get(key)
            if r is None:
                s.add(DiscoveryLink(connection_id=row.id, link_key=key, from_table=lk.from_table,
                                    from_columns=list(lk.from_columns), to_table=lk.to_table,
                                    to_columns=list(lk.to_columns), status=ACCEPTED, source="dataset",
                                    score=None, evidence=dict(lk.evidence), updated_by=actor))
            else:
                r.status, r.updated_by = ACCEPTED, actor
        summary = ImportSummary(changed, len(wanted.links), len(wanted.roles), len(wanted.excluded))
        audit.append(s, actor, "connection", row.name, "dataset_import", {p.name: (None, summary.sentence())})
    log.info("connection %s: dataset imported", name)
    return summary
