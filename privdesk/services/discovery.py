"""Use cases of the subject search: register connections, review the identifier map, search.

The case database holds connection names, password-less URLs, options, the cached schema and the
officer's map overrides; passwords go to the keyring only (:mod:`privdesk.discovery.secrets`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privdesk.discovery import classify, ownership, secrets
from privdesk.discovery.connections import (
    ENGINES,
    ConnectionSpec,
    ProbeResult,
    build_engine,
    explain,
    probe_connection,
    read_only,
    server_asks_password,
    split_url,
    validate_name,
)
from privdesk.discovery.errors import ConnectionFailed, KeyringUnavailable, PasswordNeeded
from privdesk.discovery.export import SearchSnapshot, snapshot_from_result
from privdesk.discovery.introspect import ColumnMap, SchemaInfo, build_map, introspect
from privdesk.discovery.links import ACCEPTED, Link
from privdesk.discovery.search import (
    SearchEvent,
    SearchOptions,
    SearchQuery,
    SearchResult,
    SearchTarget,
    run_search,
)
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store.discovery_models import (
    DiscoveryConnection,
    DiscoveryLink,
    MapOverride,
    SchemaCache,
)

log = logging.getLogger("privdesk.services.discovery")
T = TypeVar("T")
AUDIT_ENTITY = "connection"


@dataclass(frozen=True)
class ConnectionInfo:
    name: str
    url: str  # never holds a password
    dialect: str
    options: dict[str, Any]
    created_at: str
    has_password: bool = False
    warning: str | None = None  # e.g. no keyring: the password is kept for this session only

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "dialect": self.dialect, "options": self.options,
                "created_at": self.created_at}


def _info(row: DiscoveryConnection, warning: str | None = None, has_password: bool = False) -> ConnectionInfo:
    spec = ConnectionSpec(row.name, row.url, dict(row.options or {}))
    created = row.created_at.isoformat() if row.created_at else ""
    return ConnectionInfo(row.name, row.url, spec.dialect, dict(row.options or {}), created, has_password, warning)


def _row(s: Session, name: str) -> DiscoveryConnection:
    row = s.scalar(select(DiscoveryConnection).where(DiscoveryConnection.name == name.strip()))
    if row is None:
        raise NotFoundError(f"There is no connection called {name!r}. See 'privdesk connection list'.")
    return row


def _who(ctx: AppContext, actor: str | None) -> str:
    """The actor of an audited change: the one given, else the current officer (else the
    operating-system account); the login is recorded beside it either way."""
    return actor or ctx.actor()


def add_connection(ctx: AppContext, name: str, url: str, password: str | None = None,
                   options: dict[str, Any] | None = None, actor: str | None = None) -> ConnectionInfo:
    """Register a connection; a password in the URL is moved to the keyring, never stored.

    When no keyring works the connection is still saved, the password kept for this session, and
    the returned info carries a ``warning`` sentence for the officer.
    """
    name = validate_name(name)
    parsed = split_url(url)
    clean_url, secret = parsed.url, (password if password else parsed.password)
    opts = dict(options or {})
    if "statement_timeout_s" in opts:
        try:
            if float(opts["statement_timeout_s"]) <= 0:
                raise ValueError
        except (TypeError, ValueError) as exc:
            raise ValidationError("The statement time limit must be a positive number of seconds.") from exc
    if opts.get("write_for"):
        _check_write_for(ctx, str(opts["write_for"]))
    if "schemas" in opts:
        schemas = opts["schemas"]
        if not isinstance(schemas, list) or not all(isinstance(x, str) and x.strip() for x in schemas):
            raise ValidationError('The option "schemas" must be a list of schema names, e.g. ["public", "crm"].')
    with ctx.db.unit_of_work() as s:
        if s.scalar(select(DiscoveryConnection.id).where(DiscoveryConnection.name == name)) is not None:
            raise ValidationError(f"A connection called {name!r} already exists; remove it first or pick another name.")
        row = DiscoveryConnection(name=name, url=clean_url, options=opts, created_at=datetime.now(UTC))
        s.add(row)
        s.flush()
        info = _info(row)
        # What a search covers changes: audited (the URL holds no password, options no secret).
        audit.append(s, _who(ctx, actor), AUDIT_ENTITY, name, "connection_add",
                     {"url": (None, clean_url), "options": (None, json.dumps(opts, sort_keys=True))})
    warning = None
    scope = keyring_scope(ctx)
    try:
        if secret:
            secrets.store_password(name, secret, scope=scope)
        secrets.store_secret_options(name, parsed.secret_options, scope=scope)
    except KeyringUnavailable as exc:
        warning = exc.message
    log.info("connection %s added (%s)", name, info.dialect)
    return ConnectionInfo(info.name, info.url, info.dialect, info.options, info.created_at, bool(secret), warning)


def _check_write_for(ctx: AppContext, read_name: str) -> None:
    """A write connection serves one registered search connection, and only one."""
    with ctx.db.session() as s:
        rows = list(s.scalars(select(DiscoveryConnection)))
    read = next((r for r in rows if r.name == read_name.strip()), None)
    if read is None:
        raise ValidationError(f"There is no connection called {read_name!r} to write for. See 'privdesk connection list'.")
    if (read.options or {}).get("write_for"):
        raise ValidationError(f"{read_name!r} is itself a write connection; name the search connection.")
    if any((r.options or {}).get("write_for") == read.name for r in rows):
        raise ValidationError(f"{read_name!r} already has a write connection; remove it first.")


def list_connections(ctx: AppContext) -> list[ConnectionInfo]:
    with ctx.db.session() as s:
        rows = s.scalars(select(DiscoveryConnection).order_by(DiscoveryConnection.name)).all()
        return [_info(r) for r in rows]


def get_connection(ctx: AppContext, name: str) -> ConnectionInfo:
    with ctx.db.session() as s:
        return _info(_row(s, name))


@dataclass(frozen=True)
class RemovedConnection:
    """What :func:`remove_connection` removed: the connection and the write connections
    (``--write-for``) that existed only to write to it."""

    name: str
    write_connections: tuple[str, ...] = ()

    def sentence(self) -> str:
        said = f"Connection {self.name!r} removed, with its map and saved password."
        if self.write_connections:
            names = ", ".join(repr(n) for n in self.write_connections)
            said += (f" Its write connection {names} was removed too, with its saved password"
                     f" (it wrote only to {self.name!r}).")
        return said


def _writers_of(s: Session, read: DiscoveryConnection) -> list[DiscoveryConnection]:
    return [r for r in s.scalars(select(DiscoveryConnection).order_by(DiscoveryConnection.name))
            if str((r.options or {}).get("write_for") or "").strip() == read.name]


def remove_connection(ctx: AppContext, name: str, actor: str | None = None) -> RemovedConnection:
    """Forget a connection, its map, links and saved password, and the write connection tied to it
    (a write connection serves one search connection: left behind, it would point at nothing the
    officer still sees). Each removal is its own audit entry; the search connection's names the
    write connection."""
    who = _who(ctx, actor)
    with ctx.db.unit_of_work() as s:
        row = _row(s, name)
        writers = _writers_of(s, row)
        changes: dict[str, tuple[Any, Any]] = {"url": (row.url, None)}
        if writers:
            changes["write_connection"] = (", ".join(w.name for w in writers), None)
        audit.append(s, who, AUDIT_ENTITY, row.name, "connection_remove", changes)
        for w in writers:
            audit.append(s, who, AUDIT_ENTITY, w.name, "connection_remove",
                         {"url": (w.url, None), "write_for": (row.name, None)})
        for r in (*writers, row):
            s.execute(delete(MapOverride).where(MapOverride.connection_id == r.id))
            s.execute(delete(DiscoveryLink).where(DiscoveryLink.connection_id == r.id))
            s.execute(delete(SchemaCache).where(SchemaCache.connection_id == r.id))
            s.delete(r)
        removed = RemovedConnection(row.name, tuple(w.name for w in writers))
    scope = keyring_scope(ctx)
    for real in (removed.name, *removed.write_connections):
        secrets.delete_password(real, scope=scope)
        ENGINES.evict(real)
    log.info("connection %s removed, with %d write connection(s)", removed.name, len(removed.write_connections))
    return removed


def keyring_scope(ctx: AppContext) -> str:
    """What the keyring entries of this case database are keyed by: its file, or its
    password-less URL on a server (see :mod:`privdesk.discovery.secrets`)."""
    path = ctx.db.sqlite_file
    return str(path.resolve()) if path is not None else ctx.db.describe()


def set_password(name: str, password: str, session_only: bool = False, scope: str = "") -> str | None:
    """Save (or, without a keyring, remember for the session) a connection's password.

    Returns a warning sentence when it could only be kept for the session.
    """
    if session_only:
        secrets.remember_for_session(name, password, scope=scope)
        return None
    try:
        secrets.store_password(name, password, scope=scope)
    except KeyringUnavailable as exc:
        return exc.message
    return None


def _spec(ctx: AppContext, name: str) -> ConnectionSpec:
    scope = keyring_scope(ctx)
    with ctx.db.session() as s:
        row = _row(s, name)
        opts = secrets.get_secret_options(row.name, scope=scope)
        return ConnectionSpec(row.name, row.url, dict(row.options or {}), scope, tuple(sorted(opts.items())))


def require_password(ctx: AppContext, name: str) -> None:
    """Raise PasswordNeeded when the connection's password must be typed for this session."""
    password_for(_spec(ctx, name))


def password_for(spec: ConnectionSpec) -> str | None:
    """The saved password, or None when none is saved and the server lets us in without one.

    Asks (raises PasswordNeeded) only when the server refuses a login without a password, so
    trust, peer and certificate authentication and ``.pgpass`` work on a machine without a
    keyring.
    """
    pw = secrets.get_password(spec.name, scope=spec.scope)
    if pw is None and spec.needs_password and server_asks_password(spec):
        if secrets.keyring_works():
            raise PasswordNeeded(
                f"The database server of connection {spec.name!r} asks for a password and none is "
                "saved. Enter it for this session.", spec.name)
        raise PasswordNeeded(
            f"No system keyring is available, so PrivDesk has no saved password for the connection "
            f"{spec.name!r}. Enter it for this session.", spec.name)
    return pw


def passwords_to_ask(ctx: AppContext, typed: Sequence[str] = (), skip: Collection[str] = ()) -> list[PasswordNeeded]:
    """What to ask the officer before a search of every searchable connection, each as the
    :class:`PasswordNeeded` a search would raise: first each password ``typed`` this round that
    the server refuses (forgotten, so it is asked for again, not retried), then each connection
    whose server asks for a password none is saved for. Connections in ``skip`` (the officer
    cancelled their prompt) are not asked again. Talks to the servers: run it in a worker."""
    asks: list[PasswordNeeded] = []
    for name in searchable_connections(ctx):
        if name in skip:
            continue
        spec = _spec(ctx, name)
        if name in typed:
            refused = _refused(spec)
            if refused is not None:
                asks.append(refused)
            continue
        try:
            password_for(spec)
        except PasswordNeeded as exc:
            asks.append(exc)
    return asks


def _refused(spec: ConnectionSpec) -> PasswordNeeded | None:
    """Try the password typed for ``spec`` this session; when the server refuses it, forget it
    and say what to ask the officer (the search would only report the refusal, every time)."""
    probe = probe_connection(spec, secrets.get_password(spec.name, scope=spec.scope))
    if not probe.login_refused:
        return None
    secrets.forget_for_session(spec.name, scope=spec.scope)
    log.info("connection %s refused the password typed for it", spec.name)
    return PasswordNeeded(f"{probe.message} Enter the password again, or Cancel to leave it out of this "
                          "search.", spec.name)


def check_typed_password(ctx: AppContext, name: str) -> None:
    """Raise PasswordNeeded (asking again) when the server refuses the password just typed for
    ``name``. Talks to the server: run it in a worker."""
    refused = _refused(_spec(ctx, name))
    if refused is not None:
        raise refused


def test_connection(ctx: AppContext, name: str) -> ProbeResult:
    """Connect read-only and answer within 5 s with a plain sentence (never raises for a failure
    of the remote database; the result says what went wrong)."""
    spec = _spec(ctx, name)
    result = probe_connection(spec, password_for(spec))
    log.info("connection %s test: %s", spec.name, "ok" if result.ok else "failed")
    return result


# -- the identifier map ---------------------------------------------------------------------------

def _overrides(s: Session, conn_id: int) -> tuple[dict[tuple[str, str], str], set[str]]:
    cols: dict[tuple[str, str], str] = {}
    excluded: set[str] = set()
    for o in s.scalars(select(MapOverride).where(MapOverride.connection_id == conn_id)):
        if o.column_name:
            if o.kind:
                cols[(o.table_name, o.column_name)] = o.kind
        elif o.excluded:
            excluded.add(o.table_name)
    return cols, excluded


def table_roles(s: Session, conn_id: int) -> dict[str, str]:
    """The officer's table-role overrides (a table-level override row whose ``kind`` is a role)."""
    return {o.table_name: str(o.kind) for o in s.scalars(select(MapOverride).where(
        MapOverride.connection_id == conn_id, MapOverride.column_name == "")) if o.kind in ownership.TABLE_ROLES}


def stored_links(s: Session, conn_id: int) -> list[Link]:
    """Links kept in the case database (proposed, accepted, rejected, added by hand)."""
    rows = s.scalars(select(DiscoveryLink).where(DiscoveryLink.connection_id == conn_id).order_by(DiscoveryLink.id))
    return [Link(r.from_table, tuple(r.from_columns), r.to_table, tuple(r.to_columns), r.status, r.score,
                 dict(r.evidence or {}), r.source) for r in rows]


def _build(s: Session, row: DiscoveryConnection, schema: SchemaInfo, fetched: str | None) -> ColumnMap:
    cols, excluded = _overrides(s, row.id)
    accepted = [lk for lk in stored_links(s, row.id) if lk.status == ACCEPTED]
    return build_map(row.name, schema, cols, excluded, fetched, table_roles(s, row.id), accepted)


def _save_schema(ctx: AppContext, name: str, schema: SchemaInfo) -> ColumnMap:
    now = datetime.now(UTC)
    for attempt in (1, 2):
        try:
            with ctx.db.unit_of_work() as s:
                row = _row(s, name)
                cache = s.get(SchemaCache, row.id)
                if cache is None:
                    s.add(SchemaCache(connection_id=row.id, fetched_at=now, payload=schema.to_dict()))
                    s.flush()
                else:
                    cache.fetched_at, cache.payload = now, schema.to_dict()
                return _build(s, row, schema, now.isoformat())
        except IntegrityError:  # another worker cached the first introspection meanwhile: update it
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def cached_map(ctx: AppContext, name: str) -> ColumnMap | None:
    """The map from the cached schema (overrides applied), or None when never introspected."""
    with ctx.db.session() as s:
        row = _row(s, name)
        cache = s.get(SchemaCache, row.id)
        if cache is None:
            return None
        fetched = cache.fetched_at.isoformat() if cache.fetched_at else None
        return _build(s, row, SchemaInfo.from_dict(cache.payload), fetched)


def read_connection(ctx: AppContext, name: str, read: Callable[[Connection], T],
                    cancel: threading.Event | None = None) -> T:
    """Run ``read`` on a fresh read-only connection; a failure becomes a plain ConnectionFailed."""
    spec = _spec(ctx, name)
    engine = build_engine(spec, password_for(spec))
    try:
        with read_only(engine, spec.statement_timeout_s, cancel) as conn:
            return read(conn)
    except ConnectionFailed:
        raise
    except Exception as exc:
        raise ConnectionFailed(explain(exc, spec, spec.statement_timeout_s)) from exc
    finally:
        engine.dispose()


def get_map(ctx: AppContext, name: str, refresh: bool = False) -> ColumnMap:
    """The identifier map of a connection, introspecting it when not cached or ``refresh``."""
    if not refresh:
        cmap = cached_map(ctx, name)
        if cmap is not None:
            return cmap
    spec = _spec(ctx, name)
    schema = read_connection(ctx, name, lambda conn: introspect(conn, schemas=spec.schemas))
    log.info("connection %s introspected: %d tables", spec.name, len(schema.tables))
    return _save_schema(ctx, spec.name, schema)


def set_column_kind(ctx: AppContext, name: str, table: str, column: str, kind: str | None,
                    actor: str | None = None) -> None:
    """Override the kind of one column (``"none"``: not an identifier; None: back to automatic)."""
    if kind is not None and kind not in (*classify.KINDS, classify.NONE):
        raise ValidationError(f"{kind!r} is not an identifier kind. Kinds: {', '.join((*classify.KINDS, classify.NONE))}.")
    if not column:
        raise ValidationError("Name the column to override.")
    with ctx.db.unit_of_work() as s:
        row = _row(s, name)
        o = s.scalar(select(MapOverride).where(MapOverride.connection_id == row.id,
                                               MapOverride.table_name == table, MapOverride.column_name == column))
        audit.append(s, _who(ctx, actor), AUDIT_ENTITY, row.name, "map_override",
                     {f"{table}.{column}": ((o.kind or classify.NONE) if o is not None else "automatic",
                                            kind or "automatic")})
        if kind is None:
            if o is not None:
                s.delete(o)
        elif o is None:
            s.add(MapOverride(connection_id=row.id, table_name=table, column_name=column, kind=kind, excluded=False))
        else:
            o.kind = kind
    log.info("map override on connection %s: a column set to %s", name, kind or "automatic")


def set_table_excluded(ctx: AppContext, name: str, table: str, excluded: bool, actor: str | None = None) -> None:
    with ctx.db.unit_of_work() as s:
        row = _row(s, name)
        o = s.scalar(select(MapOverride).where(MapOverride.connection_id == row.id,
                                               MapOverride.table_name == table, MapOverride.column_name == ""))
        was = "excluded" if o is not None and o.excluded else "searched"
        audit.append(s, _who(ctx, actor), AUDIT_ENTITY, row.name, "table_exclude" if excluded else "table_include",
                     {table: (was, "excluded" if excluded else "searched")})
        if o is None:
            if excluded:
                s.add(MapOverride(connection_id=row.id, table_name=table, column_name="", kind=None, excluded=True))
        elif excluded:
            o.excluded = True
        elif o.kind:  # the row also holds the table's role override: keep it
            o.excluded = False
        else:
            s.delete(o)


# -- the search ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchRequest:
    """What a search needs from the officer: identifiers, which connections, how deep."""

    query: SearchQuery
    connections: tuple[str, ...] = ()
    options: SearchOptions = field(default_factory=SearchOptions)


def default_region(ctx: AppContext) -> str | None:
    """Phone numbers typed nationally are read in the organisation's country (holiday country)."""
    from privdesk.services.settings import get_settings

    return get_settings(ctx).get("holidays.country") or None


def make_query(ctx: AppContext, emails: Sequence[str] = (), phones: Sequence[str] = (),
               names: Sequence[str] = (), customer_ids: Sequence[str] = ()) -> SearchQuery:
    return SearchQuery(tuple(emails), tuple(phones), tuple(names), tuple(customer_ids), default_region(ctx))


def searchable_connections(ctx: AppContext) -> list[str]:
    """The connections a search covers when none is named: all but write connections."""
    # write connections (``--write-for``) are for executing change plans, never searched
    return [c.name for c in list_connections(ctx) if not c.options.get("write_for")]


def prepare_targets(ctx: AppContext, connections: Sequence[str] = ()) -> list[SearchTarget]:
    """Resolve names, passwords and cached maps on the caller's thread (quick, case DB only)."""
    names = list(connections) or searchable_connections(ctx)
    targets: list[SearchTarget] = []
    for n in dict.fromkeys(names):
        spec = _spec(ctx, n)
        cmap = cached_map(ctx, spec.name)

        def persist(schema: SchemaInfo, _name: str = spec.name) -> ColumnMap:
            return _save_schema(ctx, _name, schema)

        targets.append(SearchTarget(spec, password_for(spec), cmap, persist, ENGINES))
    return targets


def search(ctx: AppContext, query: SearchQuery, connections: Sequence[str] = (),
           options: SearchOptions | None = None, on_event: Callable[[SearchEvent], None] | None = None,
           cancel: threading.Event | None = None) -> SearchResult:
    """Search the subject across the named connections (all when none named)."""
    if query.is_empty:
        raise ValidationError("Give at least one identifier to search for: an e-mail, phone, name or customer id.")
    opts = options or SearchOptions()
    if not 0 <= opts.depth <= 5:
        raise ValidationError("The number of link steps to follow must be between 0 and 5.")
    targets = prepare_targets(ctx, connections)
    if not targets:
        raise ValidationError("There are no connections to search. Add one with 'privdesk connection add'.")
    return run_search(targets, query, opts, on_event, cancel)


# -- demo ------------------------------------------------------------------------------------------

DEMO_CONNECTIONS = {"crm": "demo-crm", "shop": "demo-shop", "marketing": "demo-marketing"}


def seed_demo_connections(ctx: AppContext) -> str:
    """Demo step: three fictional SQLite databases in the data folder, registered as connections;
    they hold the demo requests' subjects (:mod:`privdesk.services.demo_cast`).

    Idempotent: existing files and connections are kept as they are.
    """
    from privdesk.discovery.demo_data import build_demo_databases
    from privdesk.services.demo_cast import demo_people

    paths = build_demo_databases(ctx.paths.data_dir / "demo-databases", cast=demo_people())
    have = {c.name for c in list_connections(ctx)}
    added = 0
    for key, path in paths.items():
        name = DEMO_CONNECTIONS[key]
        if name not in have:
            add_connection(ctx, name, f"sqlite:///{path}")
            added += 1
    return f"demo databases: {len(paths)} in {paths['crm'].parent.name}/, {added} connections registered"


def make_snapshot(ctx: AppContext, result: SearchResult, depth: int = 2, include_candidates: bool = False,
                  dropped: frozenset[tuple[str, str, str]] = frozenset()) -> SearchSnapshot:
    """Freeze a search result (with each source's dialect) for attaching to a request: the
    subject's rows only, unless ``include_candidates``; ``dropped`` rows the officer excluded.
    What is left out is recorded in the snapshot with the reason."""
    dialects = {c.name: c.dialect for c in list_connections(ctx)}
    return snapshot_from_result(result, depth, {n: dialects.get(n, "") for n in result.connections},
                                include_candidates=include_candidates, dropped=dropped)
