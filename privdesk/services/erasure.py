"""Carry out erasure, rectification and opt-out in the connected databases: build a reviewed
plan from the request's attached search, dry-run it read-only, write a script for the database
owner, optionally execute it through a separate write connection, and prove the result with a
second search. Plan, scripts, result and proof go to the case file and the audit trail.

Two hooks are deliberately thin so other capabilities can plug in without touching this module's
callers: :func:`extra_links` (links the officer accepted, issue 9) and :func:`retention_reason`
(a legal retention duty from the processing register, issue 13). Both return nothing for now.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets as pysecrets
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from privdesk.discovery import ownership, writer
from privdesk.discovery.connections import ENGINES, ConnectionSpec, explain, read_only
from privdesk.discovery.errors import ConnectionFailed
from privdesk.discovery.introspect import ColumnMap
from privdesk.discovery.search import SearchOptions, jsonable
from privdesk.domain import erasure as dom
from privdesk.domain.erasure import Plan, PlanError, TableDefault
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services import audit
from privdesk.services import discovery as dsvc
from privdesk.services.context import AppContext
from privdesk.store.discovery_models import DiscoveryConnection
from privdesk.store.erasure_models import ErasureDefault, ErasurePlan
from privdesk.store.request_models import Request
from privdesk.store.ropa_models import RopaActivity, RopaMapping

log = logging.getLogger("privdesk.services.erasure")

ENTITY = "request"
PLANNED, EXECUTED, FAILED, VERIFIED, UNVERIFIED = "planned", "executed", "failed", "verified", "unverified"


class StalePlan(ValidationError):
    """The data or the plan's inputs changed since the plan was built; it must be rebuilt."""


# -- hooks the integrator wires to links (issue 9) and the processing register (issue 13) ---------

def extra_links(ctx: AppContext, connection: str) -> list[dom.Link]:
    """Links the officer accepted between tables of ``connection`` (besides declared foreign keys).

    A link whose columns are gone from the schema is skipped, as the search skips it.
    """
    from privdesk.discovery.links import ACCEPTED, broken_reason

    cmap = dsvc.cached_map(ctx, connection)
    with ctx.db.session() as s:
        stored = dsvc.stored_links(s, dsvc._row(s, connection).id)
    return [dom.Link(lk.from_table, tuple(lk.from_columns), lk.to_table, tuple(lk.to_columns)) for lk in stored
            if lk.status == ACCEPTED and (cmap is None or broken_reason(lk, cmap.schema) is None)]


def retention_reason(ctx: AppContext, connection: str, table: str) -> str | None:
    """The legal retention duty that keeps ``table``'s rows, from the processing register: an
    activity covering the whole table whose lawful basis is a legal obligation (Art. 6(1)(c)), so
    erasure does not apply to what that duty needs (Art. 17(3)(b)). The officer's per-table
    default still wins (``delete`` or ``mask`` override it)."""
    with ctx.db.session() as s:
        rows = s.execute(select(RopaActivity.name, RopaActivity.lawful_basis, RopaActivity.retention)
                         .join(RopaMapping, RopaMapping.activity_id == RopaActivity.id)
                         .where(RopaMapping.connection == connection, RopaMapping.table_name == table,
                                RopaMapping.column_name == "")
                         .order_by(RopaActivity.name)).all()
    for name, basis, retention in rows:
        if dom.is_legal_obligation(basis):
            kept = f": {retention.strip().rstrip('.')}" if retention and retention.strip() else ""
            return f"{name}{kept} (legal obligation, GDPR Art. 17(3)(b))"
    return None


# -- per-table defaults ----------------------------------------------------------------------------

def table_defaults(ctx: AppContext, connection: str) -> dict[str, TableDefault]:
    with ctx.db.session() as s:
        row = dsvc._row(s, connection)
        rows = s.scalars(select(ErasureDefault).where(ErasureDefault.connection_id == row.id))
        return {r.table_name: TableDefault.from_dict(r.settings) for r in rows}


def set_table_default(ctx: AppContext, connection: str, table: str, default: TableDefault | None,
                      actor: str) -> None:
    """Save (None: forget) what erasure and opt-out do with one table of a connection."""
    cmap = dsvc.cached_map(ctx, connection)
    if cmap is not None and cmap.schema.table(table) is None:
        raise ValidationError(f"Connection {connection!r} has no table {table!r}. See 'privdesk connection map "
                              f"{connection}'.")
    if default is not None and cmap is not None:
        info = cmap.schema.table(table)
        cols = {*default.masks, *default.optout_set}
        missing = sorted(c for c in cols if info is not None and info.column(c) is None)
        if missing:
            raise ValidationError(f"Table {table!r} has no column {', '.join(map(repr, missing))}.")
    with ctx.db.unit_of_work() as s:
        row = dsvc._row(s, connection)
        existing = s.scalar(select(ErasureDefault).where(ErasureDefault.connection_id == row.id,
                                                         ErasureDefault.table_name == table))
        old = json.dumps(existing.settings, sort_keys=True) if existing is not None else None
        if default is None:
            if existing is not None:
                s.delete(existing)
        elif existing is None:
            s.add(ErasureDefault(connection_id=row.id, table_name=table, settings=default.to_dict()))
        else:
            existing.settings = default.to_dict()
        new = json.dumps(default.to_dict(), sort_keys=True) if default is not None else None
        audit.append(s, actor, "connection", row.name, "erasure_default", {f"table {table}": (old, new)})


# -- write connections -----------------------------------------------------------------------------

def write_connection_for(ctx: AppContext, read_name: str) -> ConnectionSpec | None:
    """The write connection registered for a read connection (``--write-for``), if any."""
    with ctx.db.session() as s:
        names = [row.name for row in s.scalars(select(DiscoveryConnection).order_by(DiscoveryConnection.name))
                 if (row.options or {}).get(writer.WRITE_FOR) == read_name]
    # the full spec: its keyring scope and secret options find the write connection's password
    return dsvc._spec(ctx, names[0]) if names else None


# -- building the plan -----------------------------------------------------------------------------

def _hash_key(ctx: AppContext) -> bytes:
    """The key of masking hashes: one per installation, owner-only file beside the case database,
    so the same value masks to the same token in every system and every plan."""
    path = ctx.paths.erasure_key_file
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=ctx.paths.data_dir, prefix=".erasure-hash.")
        with os.fdopen(fd, "wb") as fh:
            fh.write(pysecrets.token_bytes(32))
        os.replace(tmp, path)
    os.chmod(path, 0o600)
    return path.read_bytes()


_SNAPSHOTS: dict[tuple[str, int, str], Any] = {}


def _latest_snapshot(ctx: AppContext, reference: str) -> tuple[Any, Any]:
    """The request's latest attached search, parsed once per process (attached snapshots never
    change; a 10,000-row one takes half a second to parse)."""
    from privdesk.services.casefile import latest_snapshot, list_snapshots

    infos = list_snapshots(ctx, reference)
    if infos:
        key = (ctx.paths.db_url, infos[0].id, infos[0].sha256)
        hit = _SNAPSHOTS.get(key)
        if hit is not None:
            return infos[0], hit
    info, snap = latest_snapshot(ctx, reference)
    if len(_SNAPSHOTS) > 8:
        _SNAPSHOTS.clear()
    _SNAPSHOTS[(ctx.paths.db_url, info.id, info.sha256)] = snap
    return info, snap


def _request(s: Session, reference: str) -> Request:
    from privdesk.services.requests import parse_reference

    ref = parse_reference(reference)
    r = s.scalar(select(Request).where(Request.reference == ref))
    if r is None:
        raise NotFoundError(f"There is no request {ref}.")
    return r


@dataclass(frozen=True)
class _Inputs:
    reference: str
    request_type: str
    snapshot_id: int
    snapshot_sha: str
    snapshot: Any  # SearchSnapshot
    maps: dict[str, ColumnMap]
    per_connection: dict[str, dom.PlanInputs]
    fingerprint: str


def _shape(cmap: ColumnMap, table: str) -> dom.TableShape:
    info = cmap.schema.table(table)
    tmap = cmap.table(table)
    if info is None:
        return dom.TableShape(table, ())
    kinds = tmap.kinds() if tmap is not None else {}
    return dom.TableShape(
        table, info.primary_key, tuple(c.name for c in info.columns if kinds.get(c.name)),
        {c.name: c.nullable for c in info.columns}, frozenset(c.name for c in info.columns if c.affinity == "integer"),
        tuple(dom.Link(table, fk.columns, fk.ref_table, fk.ref_columns) for fk in info.foreign_keys))


def _edits(ctx: AppContext, reference: str) -> dict[str, Any]:
    with ctx.db.session() as s:
        r = _request(s, reference)
        row = s.scalar(select(ErasurePlan).where(ErasurePlan.request_id == r.id))
        return json.loads(row.edits) if row is not None else {}


def _gather(ctx: AppContext, reference: str) -> _Inputs:
    with ctx.db.session() as s:
        r = _request(s, reference)
        ref, rtype = r.reference, str(r.type)
    info, snap = _latest_snapshot(ctx, ref)
    if snap.errors:
        failed = ", ".join(sorted({e.connection for e in snap.errors}))
        raise PlanError(f"The attached search could not read {failed}; search again until every connection "
                        "answers, then attach it, so the plan misses nothing.")
    if snap.truncated:
        where = ", ".join(f"{c} · {t}" for c, t in snap.truncated)
        raise PlanError(f"The attached search stopped at its row limit in {where}; search again with a higher "
                        "limit so the plan covers every row.")
    edits = _edits(ctx, ref)
    maps: dict[str, ColumnMap] = {}
    per: dict[str, dom.PlanInputs] = {}
    for conn, tables in snap.tables().items():
        cmap = dsvc.cached_map(ctx, conn)
        if cmap is None:
            raise PlanError(f"Connection {conn!r} has no map yet; run 'privdesk connection map {conn}'.")
        maps[conn] = cmap
        found: dict[str, list[dom.FoundRow]] = {}
        for t, ms in tables.items():
            for m in ms:
                # context rows (a product the subject's order names) are shown, never the subject's data
                if m.role != ownership.CONTEXT:
                    found.setdefault(t, []).append(dom.FoundRow(m.key, m.row))
        shapes = {t.name: _shape(cmap, t.name) for t in cmap.schema.tables}
        links = tuple(extra_links(ctx, conn))
        retention = {t: reason for t in found if (reason := retention_reason(ctx, conn, t))}
        others = _referencing_others(ctx, conn, cmap, found, [*(lk for sh in shapes.values() for lk in sh.links),
                                                             *links])
        per[conn] = dom.PlanInputs(conn, found, shapes, table_defaults(ctx, conn), retention, edits.get(conn, {}),
                                   links, others)
    fp = hashlib.sha256(dom.canonical({
        "type": rtype, "snapshot": info.sha256,
        "defaults": {c: {t: d.to_dict() for t, d in p.defaults.items()} for c, p in per.items()},
        "retention": {c: dict(p.retention) for c, p in per.items()},
        "links": {c: [lk.__dict__ for lk in p.extra_links] for c, p in per.items()},
        "edits": edits})).hexdigest()
    return _Inputs(ref, rtype, info.id, info.sha256, snap, maps, per, fp)


def _referencing_others(ctx: AppContext, conn: str, cmap: ColumnMap, found: Mapping[str, list[dom.FoundRow]],
                        links: Sequence[dom.Link]) -> dict[str, list[dom.FoundRow]]:
    """Rows outside the plan that refer to the subject's rows (an employee whose manager is the
    subject; the search leaves other people's rows out): read now, so a row they refer to is
    masked instead of deleted and the database never refuses the plan half-way."""
    wanted = [lk for lk in links if len(lk.columns) == 1 and lk.ref_table in found
              and cmap.schema.table(lk.table) is not None]
    if not wanted:
        return {}

    def read(c: Any) -> dict[str, list[dom.FoundRow]]:
        out: dict[str, list[dom.FoundRow]] = {}
        for lk in wanted:
            info = cmap.schema.table(lk.table)
            assert info is not None
            values = sorted({r.row.get(lk.ref_columns[0]) for r in found[lk.ref_table]} - {None}, key=repr)
            targets = set(values)
            ours = [r for r in found.get(lk.table, ()) if r.row.get(lk.columns[0]) in targets]
            if writer.count_keys(c, info, [{lk.columns[0]: v} for v in values]) <= len(ours):
                continue  # every row referring to the subject's rows is in the plan already
            mine = {dom.key_id(r.key) for r in ours}
            for chunk in (values[i:i + writer.CHUNK] for i in range(0, len(values), writer.CHUNK)):
                for row in writer.fetch_keys(c, info, [{lk.columns[0]: v} for v in chunk], limit=1000):
                    key = {k: jsonable(row.get(k)) for k in (info.primary_key or tuple(row))}
                    if dom.key_id(key) not in mine:
                        out.setdefault(lk.table, []).append(dom.FoundRow(key, {k: jsonable(v) for k, v in row.items()}))
        return out

    return dsvc.read_connection(ctx, conn, read)


@dataclass(frozen=True)
class PlanView:
    """A stored plan with its state, for the command line and the window."""

    plan: Plan
    status: str
    current: bool  # False: the inputs changed since it was built (rebuild before running)
    result: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return self.plan.to_json()


def _stored(s: Session, r: Request) -> ErasurePlan | None:
    return s.scalar(select(ErasurePlan).where(ErasurePlan.request_id == r.id))


def build_plan(ctx: AppContext, reference: str, actor: str, rebuild: bool = False) -> PlanView:
    """The request's plan: the stored one while its inputs are unchanged, else a fresh one
    (stored, recorded in the audit trail). ``rebuild`` forces a fresh one (new random masks)."""
    inputs = _gather(ctx, reference)
    with ctx.db.session() as s:
        row = _stored(s, _request(s, inputs.reference))
        if row is not None and not rebuild and row.inputs_sha == inputs.fingerprint:
            return PlanView(Plan.from_dict(json.loads(row.data)), row.status, True, json.loads(row.result))
        if row is not None and row.plan_hash and row.status in (EXECUTED, VERIFIED, FAILED, UNVERIFIED) \
                and not rebuild and row.executed_at is not None:
            return PlanView(Plan.from_dict(json.loads(row.data)), row.status, False, json.loads(row.result))
    key = _hash_key(ctx)
    steps: list[dom.Step] = []
    for _conn, p in inputs.per_connection.items():
        steps.extend(dom.build_steps(inputs.request_type, p, key))
    plan = Plan(inputs.reference, inputs.request_type, inputs.snapshot_sha, tuple(steps),
                datetime.now(UTC).isoformat(timespec="seconds"), actor)
    if not plan.steps:
        raise PlanError(_empty_reason(inputs))
    data = dom.canonical(plan.to_dict()).decode("utf-8")
    with ctx.db.unit_of_work() as s:
        r = _request(s, inputs.reference)
        row = _stored(s, r)
        old_hash = row.plan_hash if row is not None else None
        if row is None:
            row = ErasurePlan(request_id=r.id, edits="{}")
            s.add(row)
        row.snapshot_id, row.inputs_sha, row.plan_hash, row.data = (inputs.snapshot_id, inputs.fingerprint,
                                                                    plan.hash, data)
        row.status, row.result, row.built_by, row.built_at, row.executed_at = PLANNED, "{}", actor, \
            datetime.now(UTC), None
        counts = {a: sum(len(st.rows) for st in plan.steps if st.action == a) for a in dom.ACTIONS}
        audit.append(s, actor, ENTITY, r.reference, "erasure_plan", {
            "plan_hash": (old_hash, plan.hash),
            "plan": (None, ", ".join(f"{n} rows to {a}" for a, n in counts.items() if n)),
            "snapshot": (None, f"#{inputs.snapshot_id} sha256 {inputs.snapshot_sha[:16]}"),
        })
    _record_file(ctx, inputs.reference, "erasure-plan", f"plan-{plan.hash[:12]}.json", data.encode("utf-8"), actor)
    log.info("request %s: change plan built (%d steps)", inputs.reference, len(plan.steps))
    return PlanView(plan, PLANNED, True)


def _empty_reason(inputs: _Inputs) -> str:
    if inputs.request_type == dom.RECTIFICATION:
        return (f"The plan of {inputs.reference} is empty: type the corrected values of the found rows first "
                f"(privdesk plan {inputs.reference} --correct CONNECTION TABLE KEY COLUMN=VALUE).")
    if inputs.request_type in (dom.OPT_OUT, dom.OBJECTION):
        return ("No table of the searched databases has an opt-out setting; set the consent column or the "
                "marketing table first (privdesk connection erasure NAME TABLE --optout update "
                "--optout-set COLUMN=VALUE).")
    return f"The attached search of {inputs.reference} found no rows, so there is nothing to erase."


def get_plan(ctx: AppContext, reference: str) -> PlanView:
    """The stored plan and whether it still matches its inputs (no rebuild)."""
    inputs = _gather(ctx, reference)
    with ctx.db.session() as s:
        row = _stored(s, _request(s, inputs.reference))
        if row is None or not row.plan_hash:
            raise NotFoundError(f"Request {inputs.reference} has no change plan yet; run 'privdesk plan "
                                f"{inputs.reference}'.")
        return PlanView(Plan.from_dict(json.loads(row.data)), row.status, row.inputs_sha == inputs.fingerprint,
                        json.loads(row.result))


def set_correction(ctx: AppContext, reference: str, connection: str, table: str, key: Mapping[str, Any],
                   values: Mapping[str, Any], actor: str) -> None:
    """Record the corrected values of one found row (rectification); the next plan holds them."""
    _info, snap = _latest_snapshot(ctx, reference)
    kid = dom.key_id({k: jsonable(v) for k, v in key.items()})
    match = next((m for m in snap.matches if m.connection == connection and m.table == table
                  and dom.key_id(m.key) == kid), None)
    if match is None:
        raise ValidationError(f"The attached search has no row {kid} in {connection} · {table}.")
    unknown = sorted(c for c in values if c not in match.row)
    if unknown:
        raise ValidationError(f"Table {table!r} has no column {', '.join(map(repr, unknown))}.")
    with ctx.db.unit_of_work() as s:
        r = _request(s, reference)
        row = _stored(s, r)
        if row is None:
            row = ErasurePlan(request_id=r.id, inputs_sha="", plan_hash="", data="{}", edits="{}",
                              status=PLANNED, result="{}", built_by=actor)
            s.add(row)
        edits = json.loads(row.edits or "{}")
        edits.setdefault(connection, {}).setdefault(table, {})[kid] = {
            **edits.get(connection, {}).get(table, {}).get(kid, {}), **dict(values)}
        row.edits = json.dumps(edits, sort_keys=True, ensure_ascii=False)
        audit.append(s, actor, ENTITY, r.reference, "erasure_correction",
                     {f"{connection}.{table}": (None, f"row {kid}: {', '.join(sorted(values))} corrected")})


# -- rectification: the rows the officer may correct -----------------------------------------------

@dataclass(frozen=True)
class FoundRowView:
    """A row of the attached search with the corrections typed so far (for the window)."""

    connection: str
    table: str
    key: dict[str, Any]
    row: dict[str, Any]
    corrected: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.connection} · {self.table} · {dom.key_id(self.key)}"


def found_rows(ctx: AppContext, reference: str) -> list[FoundRowView]:
    """The attached search's rows, each with the values already corrected on it."""
    _info, snap = _latest_snapshot(ctx, reference)
    edits = _edits(ctx, reference)
    return [FoundRowView(m.connection, m.table, dict(m.key), dict(m.row),
                         dict(edits.get(m.connection, {}).get(m.table, {}).get(dom.key_id(m.key), {})))
            for m in snap.matches]


# -- dry run ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DryStep:
    index: int
    connection: str
    table: str
    action: str
    statement: str
    expected: int
    found: int
    stays: str

    @property
    def stale(self) -> bool:
        return self.action != dom.KEEP and self.found != self.expected

    def to_json(self) -> dict[str, Any]:
        return {"step": self.index, "connection": self.connection, "table": self.table, "action": self.action,
                "statement": self.statement, "rows": self.expected, "rows_now": self.found,
                "stays": self.stays, "stale": self.stale}


@dataclass(frozen=True)
class DryRun:
    plan_hash: str
    steps: tuple[DryStep, ...]
    current: bool
    #: rows a fresh search finds that the attached search did not: (connection, table, count)
    new_rows: tuple[tuple[str, str, int], ...] = ()

    @property
    def stale(self) -> bool:
        return not self.current or bool(self.new_rows) or any(s.stale for s in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {"hash": self.plan_hash, "stale": self.stale, "steps": [s.to_json() for s in self.steps],
                "new_rows": [{"connection": c, "table": t, "rows": n} for c, t, n in self.new_rows]}

    def refusal(self, reference: str) -> str:
        if not self.current:
            return (f"The plan of {reference} no longer matches its search or defaults; rebuild it "
                    f"(privdesk plan {reference} --rebuild) and review it again.")
        tail = " Search again, attach the result and rebuild the plan."
        if self.new_rows:
            c, t, n = self.new_rows[0]
            return f"The data changed since the search: {c} · {t} has {n} new rows about the subject.{tail}"
        bad = next(s for s in self.steps if s.stale)
        return (f"The data changed since the search: {bad.connection} · {bad.table} now has {bad.found} of the "
                f"{bad.expected} planned rows.{tail}")


def _stays(step: dom.Step, columns: Sequence[str]) -> str:
    if step.action == dom.DELETE:
        return "nothing of these rows"
    if step.action == dom.KEEP:
        return f"the whole rows ({step.reason})"
    kept = [c for c in columns if c not in step.columns]
    stays = "the other columns: " + ", ".join(kept) if kept else "no column unchanged"
    return f"{stays} ({step.reason})" if step.reason else stays


def _read_engine(ctx: AppContext, name: str) -> tuple[ConnectionSpec, Any]:
    spec = dsvc._spec(ctx, name)
    return spec, ENGINES.get(spec, dsvc.password_for(spec))


def dry_run(ctx: AppContext, reference: str, view: PlanView | None = None) -> DryRun:
    """Each step's statement and how many rows it would touch now, counted read-only."""
    view = view or get_plan(ctx, reference)
    plan = view.plan
    out: list[DryStep] = []
    for conn in plan.connections:
        cmap = dsvc.cached_map(ctx, conn)
        if cmap is None:
            raise PlanError(f"Connection {conn!r} has no map; run 'privdesk connection map {conn}'.")
        spec, engine = _read_engine(ctx, conn)
        dialect = writer.script_dialect(spec.dialect)
        stmts = writer.statements(plan, conn, cmap.schema)
        try:
            counts = writer.dry_counts(engine, stmts, spec.statement_timeout_s)
            keep_counts = {}
            with read_only(engine, spec.statement_timeout_s) as c:
                for i, step in enumerate(plan.steps, start=1):
                    info = cmap.schema.table(step.table)
                    if step.connection == conn and step.action == dom.KEEP and info is not None:
                        keep_counts[i] = writer.count_keys(c, info, [r.key for r in step.rows])
        except ConnectionFailed:
            raise
        except Exception as exc:
            raise ConnectionFailed(explain(exc, spec, spec.statement_timeout_s)) from exc
        per_step: dict[int, tuple[list[str], int, int]] = {}
        for st, n in zip(stmts, counts, strict=True):
            sqls, exp, found = per_step.get(st.step, ([], 0, 0))
            per_step[st.step] = ([*sqls, st.sql(dialect)], exp + st.expected, found + n)
        for i, step in enumerate(plan.steps, start=1):
            if step.connection != conn:
                continue
            info = cmap.schema.table(step.table)
            columns = [c.name for c in info.columns] if info is not None else []
            if step.action == dom.KEEP:
                out.append(DryStep(i, conn, step.table, step.action, "", len(step.rows), keep_counts.get(i, 0),
                                   _stays(step, columns)))
            else:
                sqls, exp, found = per_step.get(i, ([], len(step.rows), 0))
                out.append(DryStep(i, conn, step.table, step.action, ";\n".join(sqls), exp, found,
                                   _stays(step, columns)))
    return DryRun(plan.hash, tuple(out), view.current, _new_rows(ctx, plan))


def _second_search(ctx: AppContext, plan: Plan, row_cap: int | None = None) -> Any:
    """The attached search run again now, with the same identifiers, connections and depth."""
    _info, snap = _latest_snapshot(ctx, plan.reference)
    query = dsvc.make_query(ctx, snap.identifiers.get("emails", ()), snap.identifiers.get("phones", ()),
                            snap.identifiers.get("names", ()), snap.identifiers.get("customer_ids", ()))
    per_table: dict[tuple[str, str], int] = {}
    for m in snap.matches:
        per_table[(m.connection, m.table)] = per_table.get((m.connection, m.table), 0) + 1
    cap = row_cap or max([200, *(2 * n + 10 for n in per_table.values())])
    return snap, dsvc.search(ctx, query, list(plan.connections), SearchOptions(depth=snap.depth, row_cap=cap))


def _new_rows(ctx: AppContext, plan: Plan) -> tuple[tuple[str, str, int], ...]:
    """Rows about the subject that a search now finds and the plan's search did not."""
    snap, now = _second_search(ctx, plan)
    if now.errors:
        e = now.errors[0]
        raise ConnectionFailed(f"The dry run could not search {e.connection!r} again: {e.message}")
    known = {(m.connection, m.table, dom.key_id(m.key)) for m in snap.matches}
    fresh: dict[tuple[str, str], int] = {}
    for m in now.matches:
        if (m.connection, m.table, dom.key_id(m.key)) not in known:
            fresh[(m.connection, m.table)] = fresh.get((m.connection, m.table), 0) + 1
    return tuple((c, t, n) for (c, t), n in sorted(fresh.items()))


# -- the script for the database owner -------------------------------------------------------------

def write_scripts(ctx: AppContext, reference: str, path: Path | str, actor: str) -> list[Path]:
    """One SQL script per connection (``FILE`` for one connection, ``FILE-CONNECTION.sql`` for
    several), written owner-only and recorded in the case file."""
    from privdesk.documents.letters import write_private_file

    view = build_plan(ctx, reference, actor)
    plan = view.plan
    target = Path(path)
    if not target.parent.is_dir():
        raise ValidationError(f"The folder {target.parent} does not exist.")
    written: list[Path] = []
    now = datetime.now(UTC).isoformat(timespec="seconds")
    conns = [c for c in plan.connections if any(s.connection == c and s.action != dom.KEEP for s in plan.steps)]
    for conn in conns:
        cmap = dsvc.cached_map(ctx, conn)
        if cmap is None:
            raise PlanError(f"Connection {conn!r} has no map; run 'privdesk connection map {conn}'.")
        spec = dsvc._spec(ctx, conn)
        body = writer.render_script(plan, conn, cmap.schema.dialect or spec.dialect, cmap.schema,
                                    spec.statement_timeout_s, now)
        out = target if len(conns) == 1 else target.with_name(f"{target.stem}-{_safe(conn)}{target.suffix or '.sql'}")
        write_private_file(out, body.encode("utf-8"))
        written.append(out)
        _record_file(ctx, plan.reference, "erasure-sql", out.name, body.encode("utf-8"), actor,
                     {"plan_hash": (None, plan.hash), "connection": (None, conn)})
    if not conns:
        raise PlanError(f"The plan of {plan.reference} only keeps rows; there is no statement to run.")
    return written


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def _record_file(ctx: AppContext, reference: str, kind: str, filename: str, data: bytes, actor: str,
                 extra: Mapping[str, tuple[Any, Any]] | None = None) -> None:
    """Keep a copy in the case file (owner-only) with its SHA-256, and audit it."""
    from privdesk.services.casefile import _record

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / filename
        p.write_bytes(data)
        _record(ctx, reference, kind, p, hashlib.sha256(data).hexdigest(), len(data), actor)
    if extra:
        with ctx.db.unit_of_work() as s:
            audit.append(s, actor, ENTITY, reference, kind.replace("-", "_"), dict(extra))


# -- execution -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConnectionOutcome:
    connection: str
    through: str  # the write connection used
    ok: bool
    rows: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"connection": self.connection, "write_connection": self.through, "ok": self.ok, "rows": self.rows,
                "message": self.message}


@dataclass(frozen=True)
class Execution:
    plan_hash: str
    outcomes: tuple[ConnectionOutcome, ...]

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {"hash": self.plan_hash, "ok": self.ok, "connections": [o.to_json() for o in self.outcomes]}


def execute(ctx: AppContext, reference: str, confirm: str, actor: str) -> Execution:
    """Run the reviewed plan through each database's write connection: one transaction per
    connection, every statement's row count checked, a statement time limit. The officer confirms
    by typing the request reference. Nothing runs through a read-only connection."""
    view = get_plan(ctx, reference)
    plan = view.plan
    if confirm.strip().upper() != plan.reference.upper():
        raise ValidationError(f"To run the plan, confirm by typing the request reference {plan.reference} "
                              "exactly.")
    if view.status in (EXECUTED, VERIFIED):
        raise ValidationError(f"The plan of {plan.reference} has already been executed; check it with "
                              f"'privdesk verify-erasure {plan.reference}'.")
    conns = [c for c in plan.connections if any(s.connection == c and s.action != dom.KEEP for s in plan.steps)]
    writers: dict[str, ConnectionSpec] = {}
    for conn in conns:
        w = write_connection_for(ctx, conn)
        if w is None:
            raise ValidationError(
                f"There is no write connection for {conn!r}; PrivDesk never changes data through a search "
                f"connection. Register one (privdesk connection add NAME URL --write-for {conn}) or hand the "
                f"script to the database owner (privdesk plan {plan.reference} --sql -o FILE.sql).")
        writers[conn] = w
    dry = dry_run(ctx, reference, view)
    if dry.stale:
        raise StalePlan(dry.refusal(plan.reference))
    outcomes: list[ConnectionOutcome] = []
    for conn in conns:
        cmap = dsvc.cached_map(ctx, conn)
        assert cmap is not None  # dry_run checked
        wspec = writers[conn]
        stmts = writer.statements(plan, conn, cmap.schema)
        engine = None
        try:
            engine = writer.build_write_engine(wspec, dsvc.password_for(wspec))
            counts = writer.execute_statements(engine, stmts, wspec.statement_timeout_s, conn)
            outcomes.append(ConnectionOutcome(conn, wspec.name, True, sum(counts), "committed"))
        except writer.CountMismatch as exc:
            outcomes.append(ConnectionOutcome(conn, wspec.name, False, 0, exc.message))
        except Exception as exc:
            msg = explain(exc, wspec, wspec.statement_timeout_s)
            outcomes.append(ConnectionOutcome(conn, wspec.name, False, 0, f"{msg} Nothing was changed in {conn!r}."))
        finally:
            if engine is not None:
                engine.dispose()
    result = Execution(plan.hash, tuple(outcomes))
    _save_result(ctx, plan.reference, actor, EXECUTED if result.ok else FAILED, {"execution": result.to_json()},
                 "erasure_executed", {"plan_hash": (None, plan.hash),
                                      "result": (None, "; ".join(f"{o.connection}: {o.message}" for o in outcomes))})
    log.info("request %s: plan executed, %s", plan.reference, "ok" if result.ok else "with failures")
    return result


def _save_result(ctx: AppContext, reference: str, actor: str, status: str, result: Mapping[str, Any],
                 action: str, changes: Mapping[str, tuple[Any, Any]]) -> None:
    with ctx.db.unit_of_work() as s:
        r = _request(s, reference)
        row = _stored(s, r)
        assert row is not None
        merged = {**json.loads(row.result or "{}"), **result}
        old = row.status
        row.status, row.result = status, json.dumps(merged, ensure_ascii=False, default=str)
        if status == EXECUTED:
            row.executed_at = datetime.now(UTC)
        audit.append(s, actor, ENTITY, r.reference, action, {"erasure_status": (old, status), **changes})


# -- proof -----------------------------------------------------------------------------------------

def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return str(jsonable(a)) == str(b)


def verify(ctx: AppContext, reference: str, actor: str) -> dict[str, Any]:
    """Search again and check each step: deleted rows gone, masked and corrected rows hold the
    planned values, kept rows there with their reasons; anything else the search finds is a
    problem. Recorded in the case file (JSON) and the audit trail."""
    view = get_plan(ctx, reference)
    plan = view.plan
    steps_out: list[dict[str, Any]] = []
    remaining: list[dict[str, Any]] = []
    problems: list[str] = []
    planned: set[tuple[str, str, str]] = set()
    for conn in plan.connections:
        cmap = dsvc.cached_map(ctx, conn)
        if cmap is None:
            raise PlanError(f"Connection {conn!r} has no map; run 'privdesk connection map {conn}'.")
        spec, engine = _read_engine(ctx, conn)
        try:
            with read_only(engine, spec.statement_timeout_s) as c:
                for step in (s for s in plan.steps if s.connection == conn):
                    info = cmap.schema.table(step.table)
                    if info is None:
                        problems.append(f"{conn} · {step.table}: the table is gone from the map")
                        continue
                    keys = [r.key for r in step.rows]
                    rows = writer.fetch_keys(c, info, keys)
                    step_problems = _check_step(step, rows)
                    problems.extend(f"{conn} · {step.table}: {p}" for p in step_problems)
                    if step.action != dom.DELETE:
                        for r in step.rows:
                            planned.add((conn, step.table, dom.key_id(r.key)))
                            remaining.append({"connection": conn, "table": step.table, "key": dict(r.key),
                                              "action": step.action, "reason": step.reason})
                    steps_out.append({**step.to_json(), "rows_left": len(rows), "ok": not step_problems,
                                      "problems": step_problems})
        except ConnectionFailed:
            raise
        except Exception as exc:
            raise ConnectionFailed(explain(exc, spec, spec.statement_timeout_s)) from exc
    _snap, second = _second_search(ctx, plan)
    if second.errors:
        problems.extend(f"second search: {e.connection}: {e.message}" for e in second.errors)
    if plan.request_type == dom.ERASURE:
        for m in second.matches:
            if m.role != ownership.SUBJECT:
                continue  # context rows and candidates are not the subject's data
            if (m.connection, m.table, dom.key_id(m.key)) not in planned:
                problems.append(f"{m.connection} · {m.table}: row {dom.key_id(m.key)} found again and not in the plan")
    with ctx.db.session() as s:
        row = _stored(s, _request(s, plan.reference))
        how = "executed by PrivDesk" if row is not None and row.executed_at is not None else "script run by the database owner"
    proof = {"reference": plan.reference, "hash": plan.hash, "ok": not problems,
             "checked_at": datetime.now(UTC).isoformat(timespec="seconds"), "carried_out": how,
             "steps": steps_out, "remaining": remaining, "problems": problems,
             "search": {"rows": len(second.matches), "connections": list(second.connections),
                        "matches": [m.to_json() for m in second.matches],
                        "errors": [{"connection": e.connection, "message": e.message} for e in second.errors]}}
    data = json.dumps(proof, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    _record_file(ctx, plan.reference, "erasure-proof", f"proof-{plan.hash[:12]}.json", data, actor)
    _save_result(ctx, plan.reference, actor, VERIFIED if proof["ok"] else UNVERIFIED,
                 {"proof": {k: v for k, v in proof.items() if k != "search"}}, "erasure_verified",
                 {"proof": (None, f"{'ok' if proof['ok'] else str(len(problems)) + ' problems'}; second search "
                                  f"{len(second.matches)} rows; {how}")})
    return proof


def _check_step(step: dom.Step, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    if step.action == dom.DELETE:
        return [f"{len(rows)} of {len(step.rows)} rows still there"] if rows else []
    if step.action == dom.KEEP:
        return []
    out: list[str] = []
    by_key = {dom.key_id({k: jsonable(r.get(k)) for k in step.rows[0].key}): r for r in rows} if step.rows else {}
    for change in step.rows:
        actual = by_key.get(dom.key_id(change.key))
        if actual is None:
            out.append(f"row {dom.key_id(change.key)} is missing")
            continue
        wrong = [c for c, v in change.values.items() if not _same(actual.get(c), v)]
        if wrong:
            out.append(f"row {dom.key_id(change.key)}: {', '.join(wrong)} not as planned")
    return out


# -- the completion letter -------------------------------------------------------------------------

def completion_summary(ctx: AppContext, reference: str) -> str:
    """Per system what was erased, masked, corrected or kept and why, once the plan ran."""
    with ctx.db.session() as s:
        try:
            r = _request(s, reference)
        except NotFoundError:
            return ""
        row = _stored(s, r)
        if row is None or row.status not in (EXECUTED, VERIFIED) or row.data == "{}":
            return ""
        plan = Plan.from_dict(json.loads(row.data))
    lines = dom.summary_lines(plan)
    if any(st.action in (dom.KEEP, dom.MASK) and st.reason for st in plan.steps) and plan.request_type == dom.ERASURE:
        lines += ["", "Data we keep, we keep only for the reason given and only as long as that reason lasts "
                      "(GDPR Art. 17(3))."]
    return "\n".join(lines)

