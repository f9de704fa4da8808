"""Withholding parts of a request's copy (Art. 15(4) GDPR and each law's exemptions).

Before the export letter the officer may leave out rows or a column of the attached snapshot with
a ground the request's law allows and a free-text reason. :func:`disclosed_snapshot` is the one
place the rule is applied, so the letter's appendix and the portability file leave out the same
data; the letter names the grounds (never the free text, which may speak of the other person),
and the audit trail records what was withheld, by whom and why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from privdesk.discovery.export import SearchSnapshot
from privdesk.domain.withholding import Ground, Withholding, filter_row, ground, grounds_for
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store.request_models import Request
from privdesk.store.ropa_models import RequestWithholding

log = logging.getLogger("privdesk.services.withholding")


def _request(s: Any, reference: str) -> Request:
    from privdesk.services.casefile import _request as find

    return find(s, reference)


def _rule(row: RequestWithholding) -> Withholding:
    return Withholding(row.connection, row.table_name, None if row.row_key is None else json.loads(row.row_key),
                       row.column_name, row.ground, row.reason, row.created_by, row.id)


def grounds(ctx: AppContext, reference: str) -> dict[str, Ground]:
    """The grounds the request's law allows, for a picker."""
    with ctx.db.session() as s:
        return grounds_for(_request(s, reference).law)


def list_withholdings(ctx: AppContext, reference: str) -> list[Withholding]:
    with ctx.db.session() as s:
        r = _request(s, reference)
        rows = s.scalars(select(RequestWithholding).where(RequestWithholding.request_id == r.id)
                         .order_by(RequestWithholding.id))
        return [_rule(row) for row in rows]


def _resolve_table(snap: SearchSnapshot, table: str) -> tuple[str, str]:
    """``TABLE`` or ``CONNECTION/TABLE`` to the one (connection, table) of the snapshot it names."""
    grouped = snap.tables()
    conn, sep, name = table.strip().partition("/")
    if sep and conn in grouped:
        if name in grouped[conn]:
            return conn, name
    found = [(c, t) for c, tables in grouped.items() for t in tables if t == table.strip()]
    if not found:
        listed = ", ".join(f"{c}/{t}" for c, tables in grouped.items() for t in tables) or "none"
        raise NotFoundError(f"The attached search found no rows in a table {table.strip()!r}; tables: {listed}.")
    if len(found) > 1:
        raise ValidationError(f"Several connections have a table {table.strip()!r}; name it as "
                              f"CONNECTION/TABLE, e.g. {found[0][0]}/{found[0][1]}.")
    return found[0]


def add_withholding(ctx: AppContext, reference: str, table: str, ground_key: str, reason: str, actor: str,
                    key: Mapping[str, Any] | None = None, column: str = "") -> Withholding:
    """Withhold all rows of ``table`` found for the subject, the rows with ``key``, or ``column``."""
    from privdesk.services.casefile import latest_snapshot

    if not reason.strip():
        raise ValidationError("Say why the data is withheld (the reason is kept in the audit trail).")
    if key is not None and (not isinstance(key, Mapping) or not key):
        raise ValidationError('The row key must be a JSON object naming the key columns, e.g. {"id": 42}.')
    info, snap = latest_snapshot(ctx, reference)
    conn, tname = _resolve_table(snap, table)
    rows = snap.tables()[conn][tname]
    if key is not None:
        probe = Withholding(conn, tname, key, "", "", "")
        rows = [m for m in rows if probe.covers_row(conn, tname, m.key)]
        if not rows:
            raise NotFoundError(f"No row of {conn}/{tname} in the attached search has the key "
                                f"{json.dumps(dict(key), ensure_ascii=False)}.")
    column = column.strip()
    if column and not any(column in m.row for m in rows):
        raise NotFoundError(f"The rows of {conn}/{tname} have no column {column!r}.")
    with ctx.db.unit_of_work() as s:
        r = _request(s, reference)
        g = ground(r.law, ground_key)
        row = RequestWithholding(request_id=r.id, connection=conn, table_name=tname,
                                 row_key=None if key is None else json.dumps(dict(key), sort_keys=True, default=str),
                                 column_name=column, ground=g.key, reason=reason.strip(), created_by=actor)
        s.add(row)
        s.flush()
        rule = _rule(row)
        audit.append(s, actor, "request", r.reference, "withhold", {
            "withheld": (None, f"{rule.describe()}, {len(rows)} rows (snapshot #{info.id})"),
            "ground": (None, g.describe()),
            "reason": (None, rule.reason),
        })
    log.info("request %s: withholding %s added", info.reference, rule.id)
    return rule


def remove_withholding(ctx: AppContext, reference: str, withholding_id: int, actor: str) -> None:
    with ctx.db.unit_of_work() as s:
        r = _request(s, reference)
        row = s.get(RequestWithholding, withholding_id)
        if row is None or row.request_id != r.id:
            raise NotFoundError(f"Request {r.reference} has no withholding #{withholding_id}.")
        audit.append(s, actor, "request", r.reference, "withhold_removed",
                     {"withheld": (_rule(row).describe(), None)})
        s.delete(row)


def apply(snap: SearchSnapshot, rules: tuple[Withholding, ...]) -> SearchSnapshot:
    """The snapshot without the withheld rows and columns."""
    if not rules:
        return snap
    kept = []
    for m in snap.matches:
        row = filter_row(m.row, m.connection, m.table, m.key, rules)
        if row is not None:
            kept.append(replace(m, row=row))
    return replace(snap, matches=tuple(kept))


def letter_notes(law: str, rules: tuple[Withholding, ...]) -> tuple[str, ...]:
    """One line per ground: what was left out and why, as the letter prints it."""
    by_ground: dict[str, list[str]] = {}
    for w in rules:
        by_ground.setdefault(w.ground, []).append(w.describe())
    out = []
    for key, what in by_ground.items():
        g = grounds_for(law).get(key)
        why = g.describe() if g else key
        out.append(f"{'; '.join(dict.fromkeys(what))}: withheld because {why}.")
    return tuple(out)


def disclosed_snapshot(ctx: AppContext, reference: str) -> tuple[Any, SearchSnapshot, SearchSnapshot, tuple[str, ...]]:
    """The latest snapshot as found, as disclosed (withholdings applied), and the letter's notes."""
    from privdesk.services.casefile import latest_snapshot

    info, snap = latest_snapshot(ctx, reference)
    rules = tuple(list_withholdings(ctx, reference))
    with ctx.db.session() as s:
        law = _request(s, reference).law
    return info, snap, apply(snap, rules), letter_notes(law, rules)
