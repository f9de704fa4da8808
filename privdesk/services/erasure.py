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
from dataclasses import dataclass, field, replace
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
#: some connections committed, others not yet (or PrivDesk stopped part-way): run it again for the rest
PARTIAL = "partial"
#: what happened on one connection (``result["connections"][name]["state"]``); none yet: not run
COMMITTED, STARTED, HANDLED = "committed", "started", "handled outside"
DONE_STATES = (COMMITTED, HANDLED)


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
            return f"{name}{kept} (legal obligation, Article 17(3)(b) GDPR)"
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
                    found.setdefault(t, []).append(dom.FoundRow(m.key, m.row, linked_only=not m.matched_on))
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

    @property
    def states(self) -> dict[str, dict[str, Any]]:
        """What happened on each connection so far (committed, failed, started, handled outside)."""
        return {c: dict(v) for c, v in (self.result.get("connections") or {}).items()}

    @property
    def progress(self) -> str:
        """'Carried out on crm; NOT on billing: why.' once anything ran; empty before."""
        return progress_text(self.plan, self.states)


def writable(plan: Plan) -> list[str]:
    """The plan's connections that have a statement to run (a connection that only keeps rows has none)."""
    return [c for c in plan.connections if any(s.connection == c and s.action != dom.KEEP for s in plan.steps)]


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def progress_text(plan: Plan, states: Mapping[str, Mapping[str, Any]]) -> str:
    """Per connection, in plain words, whether the plan was carried out there and why not: the
    officer sees 'carried out on crm and shop; NOT on billing: <reason>' instead of 'failed'."""
    conns = writable(plan)
    if not any(c in states for c in conns):
        return ""
    done = [c for c in conns if states.get(c, {}).get("state") == COMMITTED]
    parts = [f"Carried out on {_and(done)}"] if done else []
    for c in conns:
        st = states.get(c, {})
        if st.get("state") == HANDLED:
            parts.append(f"handled outside PrivDesk on {c} ({st.get('reason', '')}, recorded by {st.get('by', '?')})")
    for c in conns:
        st = states.get(c, {})
        state = st.get("state")
        if state in DONE_STATES:
            continue
        if state == STARTED:
            why = ("PrivDesk stopped while running it, before it recorded whether it committed; running the plan "
                   "again checks the data first")
        elif state == FAILED:
            why = str(st.get("message") or "it failed")
        else:
            why = "not run yet"
        parts.append(f"NOT on {c}: {why.rstrip('.')}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


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
        if row is not None and row.plan_hash and row.status == PARTIAL and not rebuild:
            # part of it ran: replanning the rest is the officer's decision (Rebuild), never silent
            return PlanView(Plan.from_dict(json.loads(row.data)), row.status, False, json.loads(row.result))
        earlier = PlanView(Plan.from_dict(json.loads(row.data)), row.status, False, json.loads(row.result)) \
            if row is not None and row.plan_hash and row.status in (PARTIAL, FAILED) else None
    carried, replanned = _carried_over(ctx, earlier)
    key = _hash_key(ctx)
    steps: list[dom.Step] = [st for st in earlier.plan.steps if st.connection in carried] if earlier else []
    for conn, p in inputs.per_connection.items():
        if conn not in carried:
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
        status = _status_for(writable(plan), carried)
        result = {"connections": carried} if carried else {}
        row.status, row.result, row.built_by, row.built_at = status, json.dumps(result, default=str), actor, \
            datetime.now(UTC)
        row.executed_at = datetime.now(UTC) if status == EXECUTED else None
        counts = {a: sum(len(st.rows) for st in plan.steps if st.action == a) for a in dom.ACTIONS}
        changes: dict[str, tuple[Any, Any]] = {
            "plan_hash": (old_hash, plan.hash),
            "plan": (None, ", ".join(f"{n} rows to {a}" for a, n in counts.items() if n)),
            "snapshot": (None, f"#{inputs.snapshot_id} sha256 {inputs.snapshot_sha[:16]}"),
        }
        if carried:
            changes["kept_as_done"] = (None, ", ".join(f"{c} ({st['state']})" for c, st in carried.items()))
        if replanned:
            changes["planned_again"] = (None, "; ".join(replanned))
        audit.append(s, actor, ENTITY, r.reference, "erasure_plan", changes)
    _record_file(ctx, inputs.reference, "erasure-plan", f"plan-{plan.hash[:12]}.json", data.encode("utf-8"), actor)
    log.info("request %s: change plan built (%d steps)", inputs.reference, len(plan.steps))
    return PlanView(plan, status, True, result)


def _carried_over(ctx: AppContext, earlier: PlanView | None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The connections a rebuilt plan keeps as they are: the earlier plan's steps there ran
    (committed, or handled outside PrivDesk), so they are never planned or run again. A committed
    connection whose state no longer holds (or one PrivDesk was stopped on and that is untouched)
    is planned afresh from the new search; ``replanned`` says which and why."""
    carried: dict[str, dict[str, Any]] = {}
    replanned: list[str] = []
    if earlier is None:
        return carried, replanned
    for conn, st in earlier.states.items():
        state = st.get("state")
        if state == HANDLED:
            carried[conn] = {**st}
        elif state in (COMMITTED, STARTED):
            problems = _check_connection(ctx, earlier.plan, conn).problems
            if not problems:
                carried[conn] = {**st, "state": COMMITTED}
            elif state == COMMITTED:
                replanned.append(f"{conn}: no longer holds ({problems[0]})")
    return carried, replanned


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
    #: the connection's state when the plan already ran there (committed, handled outside): not counted
    done: str = ""

    @property
    def stale(self) -> bool:
        return not self.done and self.action != dom.KEEP and self.found != self.expected

    def to_json(self) -> dict[str, Any]:
        return {"step": self.index, "connection": self.connection, "table": self.table, "action": self.action,
                "statement": self.statement, "rows": self.expected, "rows_now": self.found,
                "stays": self.stays, "stale": self.stale, "done": self.done}


@dataclass(frozen=True)
class DryRun:
    plan_hash: str
    steps: tuple[DryStep, ...]
    current: bool
    #: rows a fresh search finds that the attached search did not: (connection, table, count)
    new_rows: tuple[tuple[str, str, int], ...] = ()
    #: connections where the plan already ran (committed, handled outside): never run again
    done: tuple[str, ...] = ()
    #: what no longer holds on a committed connection ("crm · logins: 1 of 2 rows still there")
    broken: tuple[str, ...] = ()
    #: connections PrivDesk was stopped on before it recorded the outcome, found committed now
    found_done: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return not self.current or bool(self.new_rows) or bool(self.broken) or any(s.stale for s in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {"hash": self.plan_hash, "stale": self.stale, "steps": [s.to_json() for s in self.steps],
                "new_rows": [{"connection": c, "table": t, "rows": n} for c, t, n in self.new_rows],
                "done": list(self.done), "broken": list(self.broken)}

    def refusal(self, reference: str) -> str:
        if not self.current:
            return (f"The plan of {reference} no longer matches its search or defaults; rebuild it "
                    f"(privdesk plan {reference} --rebuild) and review it again."
                    + (f" What was carried out on {_and(self.done)} stays recorded; only the other connections "
                       "are planned again." if self.done else ""))
        if self.broken:
            conns = _and(sorted({b.split(" · ")[0] for b in self.broken}))
            return (f"The plan was carried out on {conns}, but that no longer holds: {self.broken[0]}. Nothing was "
                    f"run. Find out why (a restore from a backup?), then search again, attach the result and "
                    f"rebuild the plan (privdesk plan {reference} --rebuild): {conns} is then planned afresh.")
        stale = sorted({c for c, _t, _n in self.new_rows} | {s.connection for s in self.steps if s.stale})
        tail = (f" Nothing was run. Search again, attach the result and rebuild the plan for {_and(stale)}"
                + (f"; what was carried out on {_and(self.done)} stays as it is." if self.done else "."))
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
    states = view.states
    done: list[str] = []
    broken: list[str] = []
    found_done: list[str] = []
    for conn in plan.connections:
        state = states.get(conn, {}).get("state")
        if state in (*DONE_STATES, STARTED):
            # a committed connection is checked as the proof checks it, never counted for running again;
            # one PrivDesk was stopped on counts as committed when its planned state holds
            problems = [] if state == HANDLED else _check_connection(ctx, plan, conn).problems
            if state != STARTED or not problems:
                done.append(conn)
                broken.extend(problems)
                if state == STARTED:
                    found_done.append(conn)
                label = HANDLED if state == HANDLED else COMMITTED
                out.extend(DryStep(i, conn, st.table, st.action, "", len(st.rows), 0,
                                   _stays(st, []) if st.action in (dom.DELETE, dom.KEEP) else st.reason, label)
                           for i, st in enumerate(plan.steps, start=1) if st.connection == conn)
                continue
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
    fresh = _new_rows(ctx, plan, [c for c in plan.connections if states.get(c, {}).get("state") != HANDLED])
    broken += [f"{c} · {t}: a search now finds {n} row{'s' if n != 1 else ''} about the subject the plan did not "
               "cover" for c, t, n in fresh if c in done and plan.request_type == dom.ERASURE]
    return DryRun(plan.hash, tuple(sorted(out, key=lambda d: d.index)), view.current,
                  tuple(r for r in fresh if r[0] not in done), tuple(done), tuple(broken), tuple(found_done))


def _second_search(ctx: AppContext, plan: Plan, row_cap: int | None = None,
                   connections: Sequence[str] | None = None) -> Any:
    """The attached search run again now, with the same identifiers, connections and depth."""
    _info, snap = _latest_snapshot(ctx, plan.reference)
    query = dsvc.make_query(ctx, snap.identifiers.get("emails", ()), snap.identifiers.get("phones", ()),
                            snap.identifiers.get("names", ()), snap.identifiers.get("customer_ids", ()))
    per_table: dict[tuple[str, str], int] = {}
    for m in snap.matches:
        per_table[(m.connection, m.table)] = per_table.get((m.connection, m.table), 0) + 1
    cap = row_cap or max([200, *(2 * n + 10 for n in per_table.values())])
    conns = list(plan.connections if connections is None else connections)
    return snap, dsvc.search(ctx, query, conns, SearchOptions(depth=snap.depth, row_cap=cap))


def _new_rows(ctx: AppContext, plan: Plan, connections: Sequence[str] | None = None,
              ) -> tuple[tuple[str, str, int], ...]:
    """Rows about the subject that a search now finds and the plan's search did not.

    Only rows the search confirms as the subject's count, as in :func:`verify`: a candidate the
    officer left out when attaching (another person's row sharing a customer number) is found
    again by every search and would otherwise stop every dry run."""
    if connections is not None and not connections:
        return ()
    snap, now = _second_search(ctx, plan, connections=connections)
    if now.errors:
        e = now.errors[0]
        raise ConnectionFailed(f"The dry run could not search {e.connection!r} again: {e.message}")
    known = {(m.connection, m.table, dom.key_id(m.key)) for m in snap.matches}
    fresh: dict[tuple[str, str], int] = {}
    for m in now.matches:
        if m.role == ownership.SUBJECT and (m.connection, m.table, dom.key_id(m.key)) not in known:
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
    # never a script for a connection the plan already ran on: its statements must not run twice
    conns = [c for c in writable(plan) if view.states.get(c, {}).get("state") not in DONE_STATES]
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
    if not conns and writable(plan):
        raise PlanError(f"The plan of {plan.reference} is carried out on every connection; there is no statement "
                        "left to run.")
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
    earlier: bool = False  # carried out (or handled outside) before this run; nothing ran on it now

    def to_json(self) -> dict[str, Any]:
        return {"connection": self.connection, "write_connection": self.through, "ok": self.ok, "rows": self.rows,
                "message": self.message, "earlier": self.earlier}


@dataclass(frozen=True)
class Execution:
    plan_hash: str
    outcomes: tuple[ConnectionOutcome, ...]
    summary: str = ""  # progress_text: carried out on ...; NOT on ...: why

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {"hash": self.plan_hash, "ok": self.ok, "summary": self.summary,
                "connections": [o.to_json() for o in self.outcomes]}


def _status_for(conns: Sequence[str], states: Mapping[str, Mapping[str, Any]]) -> str:
    got = [states.get(c, {}).get("state") for c in conns]
    if got and all(g in DONE_STATES for g in got):
        return EXECUTED
    if any(g in (*DONE_STATES, STARTED) for g in got):
        return PARTIAL
    return FAILED if FAILED in got else PLANNED


def _record_state(ctx: AppContext, plan: Plan, conn: str, entry: Mapping[str, Any], actor: str) -> str:
    """Record at once, in its own transaction, what happened on one connection (so a process that
    dies after the next connection's commit still leaves this one's truth behind), audited; returns
    the plan's new status."""
    now = datetime.now(UTC)
    with ctx.db.unit_of_work() as s:
        r = _request(s, plan.reference)
        row = _stored(s, r)
        if row is None or row.plan_hash != plan.hash:
            raise StalePlan(f"The plan of {plan.reference} was rebuilt meanwhile; review the new plan.")
        result = json.loads(row.result or "{}")
        states = result.setdefault("connections", {})
        before = (states.get(conn) or {}).get("state")
        states[conn] = {**entry, "plan_hash": plan.hash, "at": now.isoformat(timespec="seconds")}
        old, row.status = row.status, _status_for(writable(plan), states)
        row.result = json.dumps(result, ensure_ascii=False, default=str)
        if row.status == EXECUTED:
            row.executed_at = now
        changes: dict[str, tuple[Any, Any]] = {"connection": (None, conn), "state": (before, entry["state"])}
        if entry.get("message") or entry.get("reason"):
            changes["why"] = (None, entry.get("message") or entry.get("reason"))
        if old != row.status:
            changes["erasure_status"] = (old, row.status)
        audit.append(s, actor, ENTITY, r.reference, "erasure_connection", changes)
        return row.status


def execute(ctx: AppContext, reference: str, confirm: str, actor: str) -> Execution:
    """Run the reviewed plan through each database's write connection: one transaction per
    connection, every statement's row count checked, a statement time limit. The officer confirms
    by typing the request reference. Nothing runs through a read-only connection.

    A partly carried-out plan runs again only on the connections not yet done, after checking
    that the done ones still hold; statements never run twice on a connection that committed.
    Each connection's outcome is recorded as soon as it is known."""
    view = get_plan(ctx, reference)
    plan = view.plan
    if confirm.strip().upper() != plan.reference.upper():
        raise ValidationError(f"To run the plan, confirm by typing the request reference {plan.reference} "
                              "exactly.")
    if view.status in (EXECUTED, VERIFIED):
        raise ValidationError(f"The plan of {plan.reference} has already been executed; check it with "
                              f"'privdesk verify-erasure {plan.reference}'.")
    conns = writable(plan)
    states = view.states
    todo = [c for c in conns if states.get(c, {}).get("state") not in DONE_STATES]
    writers: dict[str, ConnectionSpec] = {}
    for conn in todo:
        w = write_connection_for(ctx, conn)
        if w is None:
            raise ValidationError(
                f"There is no write connection for {conn!r}; PrivDesk never changes data through a search "
                f"connection. Register one (privdesk connection add NAME URL --write-for {conn}) or hand the "
                f"script to the database owner (privdesk plan {plan.reference} --sql -o FILE.sql).")
        writers[conn] = w
    dry = dry_run(ctx, reference, view)
    for conn in dry.found_done:
        _record_state(ctx, plan, conn, {"state": COMMITTED, "through": states[conn].get("through", ""), "rows": 0,
                                        "message": "committed (found carried out: PrivDesk had stopped before it "
                                                   "recorded it)"}, actor)
        states[conn] = {"state": COMMITTED, "through": states[conn].get("through", "")}
    if dry.stale:
        raise StalePlan(dry.refusal(plan.reference))
    outcomes: list[ConnectionOutcome] = []
    for conn in conns:
        st = states.get(conn, {})
        if st.get("state") in DONE_STATES:
            what = "handled outside PrivDesk" if st["state"] == HANDLED else "carried out earlier"
            outcomes.append(ConnectionOutcome(conn, str(st.get("through", "")), True, int(st.get("rows", 0)),
                                              what, earlier=True))
            continue
        cmap = dsvc.cached_map(ctx, conn)
        assert cmap is not None  # dry_run checked
        wspec = writers[conn]
        stmts = writer.statements(plan, conn, cmap.schema)
        _record_state(ctx, plan, conn, {"state": STARTED, "through": wspec.name}, actor)
        engine = None
        try:
            engine = writer.build_write_engine(wspec, dsvc.password_for(wspec))
            counts = writer.execute_statements(engine, stmts, wspec.statement_timeout_s, conn)
            outcome = ConnectionOutcome(conn, wspec.name, True, sum(counts), "committed")
        except writer.CountMismatch as exc:
            outcome = ConnectionOutcome(conn, wspec.name, False, 0, f"a row-count check rolled it back: {exc.message}")
        except Exception as exc:
            msg = explain(exc, wspec, wspec.statement_timeout_s)
            outcome = ConnectionOutcome(conn, wspec.name, False, 0, f"{msg} Nothing was changed in {conn!r}.")
        finally:
            if engine is not None:
                engine.dispose()
        outcomes.append(outcome)
        entry = {"state": COMMITTED if outcome.ok else FAILED, "through": wspec.name, "rows": outcome.rows,
                 "message": outcome.message}
        _record_state(ctx, plan, conn, entry, actor)
        states[conn] = entry
    summary = progress_text(plan, states)
    result = Execution(plan.hash, tuple(outcomes), summary)
    _save_result(ctx, plan.reference, actor, _status_for(conns, states), {"execution": result.to_json()},
                 "erasure_executed", {"plan_hash": (None, plan.hash), "result": (None, summary)})
    log.info("request %s: plan executed, %s", plan.reference, "ok" if result.ok else "with failures")
    return result


def record_handled_outside(ctx: AppContext, reference: str, connection: str, reason: str, actor: str) -> str:
    """The officer records that the plan's part for ``connection`` was carried out (or settled)
    outside PrivDesk, with the reason; audited. Returns the progress sentence. The completion
    letter then names the connection as handled outside PrivDesk with that reason."""
    view = get_plan(ctx, reference)
    plan = view.plan
    conns = writable(plan)
    if connection not in conns:
        raise ValidationError(f"The plan of {plan.reference} has nothing to run on {connection!r}; its connections "
                              f"are {_and(conns) if conns else 'none'}.")
    if not reason.strip():
        raise ValidationError(f"Say how {connection} was handled outside PrivDesk (for example 'the database "
                              "owner ran the script on 3 May'); the reason goes to the audit trail and the letter.")
    state = view.states.get(connection, {}).get("state")
    if state == COMMITTED:
        raise ValidationError(f"PrivDesk already carried out the plan on {connection}; nothing to record.")
    if state == STARTED:
        raise ValidationError(f"PrivDesk was stopped while running the plan on {connection} and may have committed "
                              f"it; run the plan again (it checks {connection} first) before recording anything.")
    if view.status in (EXECUTED, VERIFIED):
        raise ValidationError(f"The plan of {plan.reference} is already carried out everywhere.")
    _record_state(ctx, plan, connection, {"state": HANDLED, "reason": " ".join(reason.split()), "by": actor},
                  actor)
    return get_plan(ctx, reference).progress


def unfinished(ctx: AppContext, reference: str) -> str | None:
    """Why the completion letter must wait: the plan ran on some connections and not on others
    (None when there is no plan, nothing ran yet, or every connection is done)."""
    with ctx.db.session() as s:
        try:
            r = _request(s, reference)
        except NotFoundError:
            return None
        row = _stored(s, r)
        if row is None or row.status != PARTIAL or not row.plan_hash:
            return None
        plan, states = Plan.from_dict(json.loads(row.data)), json.loads(row.result or "{}").get("connections", {})
    return (f"The change plan of {plan.reference} is only partly carried out. {progress_text(plan, states)} The "
            "completion letter waits until every connection is done: run the plan again, or record a connection as "
            "handled outside PrivDesk with the reason.")


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
    if view.status == PARTIAL:
        raise ValidationError(f"The plan of {plan.reference} is only partly carried out. {view.progress} The proof "
                              f"follows when every connection is done: run it again (privdesk execute "
                              f"{plan.reference} --confirm {plan.reference}) or record a connection as handled "
                              "outside PrivDesk (--handled-outside CONNECTION --reason TEXT).")
    steps_out: list[dict[str, Any]] = []
    remaining: list[dict[str, Any]] = []
    problems: list[str] = []
    planned: set[tuple[str, str, str]] = set()
    states = view.states
    outside = {c: st for c, st in states.items() if st.get("state") == HANDLED}
    for conn in plan.connections:
        if conn in outside:
            continue  # the officer recorded it as handled outside PrivDesk; the proof says so, unchecked
        checked = _check_connection(ctx, plan, conn)
        steps_out.extend(checked.steps)
        problems.extend(checked.problems)
        remaining.extend(checked.remaining)
        planned.update((r["connection"], r["table"], dom.key_id(r["key"])) for r in checked.remaining)
    _snap, second = _second_search(ctx, plan, connections=[c for c in plan.connections if c not in outside])
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
    if outside:
        how += "; " + "; ".join(f"{c} handled outside PrivDesk ({st.get('reason', '')}), not checked"
                                for c, st in outside.items())
    proof = {"reference": plan.reference, "hash": plan.hash, "ok": not problems,
             "checked_at": datetime.now(UTC).isoformat(timespec="seconds"), "carried_out": how,
             "steps": steps_out, "remaining": remaining, "problems": problems,
             "handled_outside": {c: {"reason": st.get("reason", ""), "by": st.get("by", ""), "at": st.get("at", "")}
                                 for c, st in outside.items()},
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


@dataclass(frozen=True)
class _Checked:
    steps: list[dict[str, Any]]
    problems: list[str]  # "conn · table: what is wrong"
    remaining: list[dict[str, Any]]  # rows that stay (masked, corrected, kept) with their reasons


def _check_connection(ctx: AppContext, plan: Plan, conn: str) -> _Checked:
    """Read-only: does each of the connection's steps hold now (deleted rows gone, masked and
    corrected rows holding the planned values)? Used by the proof and, before running the rest of
    a partly carried-out plan, for the connections that committed."""
    cmap = dsvc.cached_map(ctx, conn)
    if cmap is None:
        raise PlanError(f"Connection {conn!r} has no map; run 'privdesk connection map {conn}'.")
    out = _Checked([], [], [])
    spec, engine = _read_engine(ctx, conn)
    try:
        with read_only(engine, spec.statement_timeout_s) as c:
            for step in (s for s in plan.steps if s.connection == conn):
                info = cmap.schema.table(step.table)
                if info is None:
                    out.problems.append(f"{conn} · {step.table}: the table is gone from the map")
                    continue
                rows = writer.fetch_keys(c, info, [r.key for r in step.rows])
                step_problems = _check_step(step, rows)
                out.problems.extend(f"{conn} · {step.table}: {p}" for p in step_problems)
                if step.action != dom.DELETE:
                    out.remaining.extend({"connection": conn, "table": step.table, "key": dict(r.key),
                                          "action": step.action, "reason": step.reason} for r in step.rows)
                out.steps.append({**step.to_json(), "rows_left": len(rows), "ok": not step_problems,
                                  "problems": step_problems})
    except ConnectionFailed:
        raise
    except Exception as exc:
        raise ConnectionFailed(explain(exc, spec, spec.statement_timeout_s)) from exc
    return out


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
        states = json.loads(row.result or "{}").get("connections", {})
    outside = {c: st for c, st in states.items() if st.get("state") == HANDLED and c in plan.connections}
    lines = dom.summary_lines(replace(plan, steps=tuple(st for st in plan.steps if st.connection not in outside)))
    for c, st in outside.items():
        lines += ["", f"In {c}:"] if lines else [f"In {c}:"]
        lines.append(f"- handled outside PrivDesk: {st.get('reason', '')}")
    if any(st.action in (dom.KEEP, dom.MASK) and st.reason for st in plan.steps) and plan.request_type == dom.ERASURE:
        lines += ["", "Data we keep, we keep only for the reason given and only as long as that reason lasts "
                      "(Article 17(3) GDPR)."]
    return "\n".join(lines)

