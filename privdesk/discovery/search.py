"""The subject search: plan one bound, read-only query per table over its identifier columns,
run the connections in parallel worker threads, follow links (declared foreign keys and links the
officer accepted) in both directions under the ownership rule (:mod:`privdesk.discovery.ownership`:
other people's rows are left out and counted), stream the matches as they come, and stop when
cancelled.

Identifiers and values never enter SQL text: tables and columns are SQLAlchemy ``table()`` /
``column()`` objects (quoted by the dialect), values are bound parameters.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    String,
    and_,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.sql.expression import TableClause

from privdesk.discovery import classify, ownership
from privdesk.discovery.connections import (
    Canceller,
    ConnectionSpec,
    EngineCache,
    build_engine,
    explain,
    read_only,
)
from privdesk.discovery.errors import ConnectionFailed
from privdesk.discovery.introspect import (
    ColumnMap,
    SchemaInfo,
    TableInfo,
    TableMap,
    build_map,
    introspect,
)
from privdesk.domain.identifiers import (
    name_spellings,
    normalise_email,
    normalise_name,
    phone_digits,
    phone_search_keys,
)

log = logging.getLogger("privdesk.discovery")

DEFAULT_DEPTH = 2
DEFAULT_ROW_CAP = 200
_FK_CHUNK = 500


# -- what goes in and what comes out ---------------------------------------------------------------

@dataclass(frozen=True)
class SearchQuery:
    """The subject's identifiers as the officer typed them."""

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    customer_ids: tuple[str, ...] = ()
    default_region: str | None = None

    @property
    def is_empty(self) -> bool:
        return not any(v.strip() for v in (*self.emails, *self.phones, *self.names, *self.customer_ids))

    def to_dict(self) -> dict[str, list[str]]:
        return {"emails": list(self.emails), "phones": list(self.phones), "names": list(self.names),
                "customer_ids": list(self.customer_ids)}


@dataclass(frozen=True)
class Via:
    """The row a dependent row was reached from through a foreign key."""

    table: str
    key: dict[str, Any]


@dataclass(frozen=True)
class Match:
    """One row found. ``role`` (subject, candidate, context) and ``reason`` come from
    :func:`privdesk.discovery.ownership.whose_row`; ``owner`` names the row a candidate's rows
    hang from (``customers id=7``), so results group by person."""

    connection: str
    table: str
    key: dict[str, Any]
    row: dict[str, Any]
    matched_on: tuple[str, ...]
    via: Via | None = None
    depth: int = 0
    role: str = ownership.SUBJECT
    reason: str = ""
    owner: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"connection": self.connection, "table": self.table, "key": self.key, "row": self.row,
                "matched_on": list(self.matched_on),
                "via": None if self.via is None else {"table": self.via.table, "key": self.via.key},
                "role": self.role, "reason": self.reason, "owner": self.owner}


@dataclass(frozen=True)
class Excluded:
    """Rows reached on the way and left out, with the reason (``belong to other people``)."""

    connection: str
    table: str
    rows: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"connection": self.connection, "table": self.table, "rows": self.rows, "reason": self.reason}

    @property
    def sentence(self) -> str:
        return ownership.excluded_sentence(self.rows, self.table, self.reason)


@dataclass(frozen=True)
class SearchError:
    """A failure while searching; ``whole`` when the connection itself could not be searched at all
    (not one table or the link-following step)."""

    connection: str
    message: str
    whole: bool = False


@dataclass(frozen=True)
class TableCount:
    """Rows found in one table; ``more`` when the row cap cut the list short."""

    connection: str
    table: str
    rows: int
    more: bool


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    connection: str


SearchEvent = Match | SearchError | TableCount | Progress | Excluded


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    matches: tuple[Match, ...]
    errors: tuple[SearchError, ...]
    tables: tuple[TableCount, ...]
    elapsed_s: float
    cancelled: bool = False
    connections: tuple[str, ...] = ()
    excluded: tuple[Excluded, ...] = ()

    @property
    def failed_connections(self) -> tuple[str, ...]:
        """The connections that could not be searched at all (their rows are missing from the result)."""
        return tuple(dict.fromkeys(e.connection for e in self.errors if e.whole))

    @property
    def all_failed(self) -> bool:
        """Nothing was searched: every connection asked for failed."""
        return bool(self.connections) and set(self.connections) <= set(self.failed_connections)

    def to_json(self) -> dict[str, Any]:
        return {
            "matches": [m.to_json() for m in self.matches],
            "excluded": [x.to_json() for x in self.excluded],
            "errors": [{"connection": e.connection, "message": e.message} for e in self.errors],
            "elapsed_s": round(self.elapsed_s, 4),
            "truncated": [{"connection": t.connection, "table": t.table} for t in self.tables if t.more],
            "cancelled": self.cancelled,
        }


@dataclass(frozen=True)
class SearchOptions:
    depth: int = DEFAULT_DEPTH
    row_cap: int = DEFAULT_ROW_CAP
    # CPU-bound on SQLite, so one query per core; more threads only fight the GUI thread
    max_workers: int = field(default_factory=lambda: max(2, min(8, os.cpu_count() or 2)))
    statement_timeout_s: float | None = None  # None: each connection's own setting


@dataclass
class SearchTarget:
    """One connection to search. ``column_map`` None means introspect first (then
    ``on_introspected`` may persist the schema and return the map with overrides applied)."""

    spec: ConnectionSpec
    password: str | None = None
    column_map: ColumnMap | None = None
    on_introspected: Callable[[SchemaInfo], ColumnMap] | None = None
    engines: EngineCache | None = None  # reuse pooled engines between searches (the app does)


# -- values ----------------------------------------------------------------------------------------

def _ascii_lower(s: str) -> str:
    """What SQLite's ``lower()`` does: folds A-Z only."""
    return "".join(chr(ord(ch) + 32) if "A" <= ch <= "Z" else ch for ch in s)


def fold_variants(value: str) -> list[str]:
    """Lower-cased forms a stored value may take after the database's ``lower(trim(x))``.

    PostgreSQL and MySQL fold Unicode, SQLite only ASCII; so ``ZOË`` stored in SQLite becomes
    ``zoË``. Sending these few variants keeps the comparison in SQL (and indexable).
    """
    base = " ".join(value.split())
    out: set[str] = set()
    for form in ("NFC", "NFD"):
        v = unicodedata.normalize(form, base)
        out.update({v.casefold(), v.lower(), _ascii_lower(v), _ascii_lower(v.upper()),
                    _ascii_lower(v.title()), _ascii_lower(v.lower()), _ascii_lower(v.capitalize())})
    return sorted(x for x in out if x)


def _full_width(s: str) -> str:
    """``YILMAZ`` -> ``ＹＩＬＭＡＺ`` (the forms some East Asian systems store Latin letters in)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in s)


def name_variants(value: str) -> list[str]:
    """What ``lower(trim(col))`` may give for a stored spelling of this name: each of
    :func:`~privdesk.domain.identifiers.name_spellings` through :func:`fold_variants`, the
    Turkish capitals (``İSTANBUL``), and the full-width forms. The database compares these
    exactly; :func:`matched_columns` confirms by the name key."""
    out: set[str] = set()
    for sp in name_spellings(value):
        out.update(fold_variants(sp))
        turkish = sp.replace("i", "\u0130").replace("\u0131", "I").upper()
        if turkish != sp.upper():
            out.update({turkish.lower(), _ascii_lower(turkish), _ascii_lower(turkish.title())})
    key = normalise_name(value)
    if key.isascii():
        wide = {_full_width(key), _full_width(key.upper()), _full_width(key.title())}
        out.update(wide | {w.replace("\u3000", " ") for w in wide})
    return sorted(x for x in out if x)


_STABLE = re.compile(r"[a-hj-rt-z0-9]{3,}")


def _name_needles(variants: Sequence[str]) -> list[str]:
    """Few ``LIKE`` needles for SQLite that every variant contains: its longest run of ASCII
    letters no spelling changes (no i, no s), else the variant itself; a needle another one
    contains is dropped (``OR``: the shorter already lets the row through)."""
    picked = set()
    for v in variants:
        runs = _STABLE.findall(_ascii_lower(v))
        picked.add(max(runs, key=len) if runs else _ascii_lower(v))
    return sorted(n for n in picked if not any(o != n and o in n for o in picked))


def _clean(values: Iterable[str]) -> list[str]:
    # NUL cannot be stored in PostgreSQL text and is never part of an identifier: such a value
    # is dropped rather than sent (it could then match nothing it should).
    return [v.strip() for v in values if v and v.strip() and "\x00" not in v]


@dataclass
class PreparedValues:
    emails: list[str] = field(default_factory=list)
    email_keys: set[str] = field(default_factory=set)
    phone_keys: set[str] = field(default_factory=set)
    names: list[str] = field(default_factory=list)
    name_keys: set[str] = field(default_factory=set)
    name_pairs: list[tuple[list[str], list[str]]] = field(default_factory=list)
    pair_keys: set[tuple[str, str]] = field(default_factory=set)
    ids_text: list[str] = field(default_factory=list)
    ids_int: list[int] = field(default_factory=list)

    @property
    def given_kinds(self) -> set[str]:
        """The identifier kinds the subject gave (a row holding another of these contradicts)."""
        out = set()
        if self.email_keys:
            out.add(classify.EMAIL)
        if self.phone_keys:
            out.add(classify.PHONE)
        if self.name_keys:
            out.add(classify.FULL_NAME)
        if self.ids_text:
            out.add(classify.CUSTOMER_ID)
        return out


def prepare(query: SearchQuery) -> PreparedValues:
    p = PreparedValues()
    for e in _clean(query.emails):
        p.email_keys.add(normalise_email(e))
        p.emails.extend(fold_variants(e))
    for ph in _clean(query.phones):
        p.phone_keys |= {k for k in phone_search_keys(ph, query.default_region) if len(k) >= 6}
    for n in _clean(query.names):
        p.name_keys.add(normalise_name(n))
        p.names.extend(name_variants(n))
        for first, last in classify.name_splits(" ".join(n.split())):
            p.name_pairs.append((name_variants(first), name_variants(last)))
            p.pair_keys.add((normalise_name(first), normalise_name(last)))
    for cid in _clean(query.customer_ids):
        p.ids_text.append(cid)
        if cid.isascii() and cid.lstrip("-").isdigit() and len(cid) <= 18:
            p.ids_int.append(int(cid))
    p.emails = sorted(set(p.emails))
    p.names = sorted(set(p.names))
    return p


def jsonable(v: Any) -> Any:
    """Values JSON lacks (dates, decimals, bytes, ...) become strings."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (datetime, date, dtime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, memoryview):
        v = v.tobytes()
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    return str(v)


# -- the planner -----------------------------------------------------------------------------------

def sa_table(info: TableInfo) -> TableClause:
    return table(info.bare, *[column(c.name) for c in info.columns], schema=info.schema)


def _as_text(c: ColumnElement[Any], affinity: str) -> ColumnElement[Any]:
    return c if affinity == "text" else cast(c, String)


def folded(c: ColumnElement[Any], affinity: str = "text") -> ColumnElement[Any]:
    """``lower(trim(col))``: an expression index on exactly this is used by SQLite and PostgreSQL."""
    return func.lower(func.trim(_as_text(c, affinity)))


def digits_only(c: ColumnElement[Any], dialect: str, affinity: str = "text") -> ColumnElement[Any]:
    """The column with every non-digit removed, in the dialect's own SQL."""
    base = _as_text(c, affinity)
    if dialect == "postgresql":
        return func.regexp_replace(base, literal_column("'[^0-9]'"), literal_column("''"), literal_column("'g'"))
    if dialect in ("mysql", "mariadb"):
        return func.regexp_replace(base, literal_column("'[^0-9]'"), literal_column("''"))
    expr: ColumnElement[Any] = base
    for ch in (" ", "-", "(", ")", ".", "+", "/", "\t"):
        expr = func.replace(expr, literal_column(f"'{ch}'"), literal_column("''"))
    return expr


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_any(c: ColumnElement[Any], needles: Iterable[str]) -> ColumnElement[bool]:
    """``c LIKE '%n%'`` for each distinct needle (SQLite's LIKE folds ASCII case)."""
    uniq = sorted({_ascii_lower(n) for n in needles if n})
    return or_(*[c.like(f"%{_like_escape(n)}%", escape="\\") for n in uniq])


def _shape(value: str) -> str | None:
    """``james.carter42@example.com`` -> ``_____.______42@_______.___``: letters become
    single-character wildcards, so the pattern matches the value in any letter case."""
    if not value.isascii() or any(ch in value for ch in "%_\\"):
        return None
    return "".join("_" if ch.isalpha() else ch for ch in value)


def text_prefilter(c: ColumnElement[Any], values: Sequence[str], dialect: str) -> ColumnElement[bool] | None:
    """A cheap condition every row matching ``lower(trim(c)) IN values`` also meets, or None.

    ``lower()`` allocates a string per row and, under a UTF-8 locale, costs PostgreSQL several
    times a plain scan; ``LIKE`` compares in place. The exact test still follows (``AND``), so the
    prefilter only has to be necessary, never sufficient.
    """
    if not values:
        return None
    if dialect == "sqlite":
        return _contains_any(c, values)
    shapes: set[str] = set()
    for v in values:
        shape = _shape(v)
        if shape is None:
            return None
        shapes.add(shape)
    return or_(*[c.like(f"%{sh}%") for sh in sorted(shapes)])


def _name_shape(value: str) -> str | None:
    """:func:`_shape` for a name variant, non-ASCII letters included: PostgreSQL's and MySQL's
    ``lower()`` map one character to one, so ``yılmaz`` stands for the six characters of
    ``YILMAZ`` or ``Yılmaz`` (``i̇``, Python's lower-case of ``İ``, is one character there)."""
    if any(ch in value for ch in "%_\\"):
        return None
    v = value.replace("i\u0307", "i")
    return "".join("_" if ch.isalpha() or not ch.isascii() else ch for ch in v)


def name_prefilter(c: ColumnElement[Any], variants: Sequence[str], dialect: str) -> ColumnElement[bool] | None:
    """:func:`text_prefilter` for a name column: a few needles (SQLite) or shapes (others), as
    many variants (spellings, capitals, Unicode forms) share them."""
    if not variants:
        return None
    if dialect == "sqlite":
        return _contains_any(c, _name_needles(variants))
    shapes = {_name_shape(v) for v in variants}
    if None in shapes:
        return None
    return or_(*[c.like(f"%{sh}%") for sh in sorted(s for s in shapes if s)])


def _prefiltered(c: ColumnElement[Any], exact: ColumnElement[bool], values: Sequence[str],
                 dialect: str, affinity: str, names: bool = False) -> ColumnElement[bool]:
    if affinity != "text":
        return exact
    pre = name_prefilter(c, values, dialect) if names else text_prefilter(c, values, dialect)
    return exact if pre is None else and_(pre, exact)


def _phone_prefilter(c: ColumnElement[Any], keys: set[str], exact: ColumnElement[bool],
                     affinity: str) -> ColumnElement[bool]:
    """Stored formats keep a number's last two digits together (``67 89``, ``-0958``), so
    ``LIKE '%58%'`` spares the digit-stripping expression on most rows."""
    if affinity != "text":
        return exact
    tails = sorted({k[-2:] for k in keys})
    return and_(or_(*[c.like(f"%{t}%") for t in tails]), exact)


def plan_table(info: TableInfo, tmap: TableMap, values: PreparedValues, dialect: str,
               row_cap: int) -> Select[Any] | None:
    """One bound query over every identifier column of the table, or None when none applies."""
    if tmap.excluded:
        return None
    tbl = sa_table(info)
    conds: list[ColumnElement[bool]] = []
    firsts: list[str] = []
    lasts: list[str] = []
    for ck in tmap.columns:
        col_info = info.column(ck.column)
        if col_info is None or ck.kind is None:
            continue
        c = tbl.c[ck.column]
        aff = col_info.affinity
        if aff == "binary":
            continue
        if ck.kind == classify.EMAIL and values.emails:
            conds.append(_prefiltered(c, folded(c, aff).in_(values.emails), values.emails, dialect, aff))
        elif ck.kind == classify.PHONE and values.phone_keys:
            conds.append(_phone_prefilter(c, values.phone_keys,
                                          digits_only(c, dialect, aff).in_(sorted(values.phone_keys)), aff))
        elif ck.kind == classify.FULL_NAME and values.names:
            conds.append(_prefiltered(c, folded(c, aff).in_(values.names), values.names, dialect, aff, names=True))
        elif ck.kind == classify.FIRST_NAME:
            firsts.append(ck.column)
        elif ck.kind == classify.LAST_NAME:
            lasts.append(ck.column)
        elif ck.kind == classify.CUSTOMER_ID:
            if aff == "integer":
                if values.ids_int:
                    conds.append(c.in_(values.ids_int))
            elif values.ids_text:
                conds.append(_as_text(c, aff).in_(values.ids_text))
    for f in firsts:
        for la in lasts:
            fa, lai = info.column(f), info.column(la)
            f_aff, l_aff = (fa.affinity if fa else "text"), (lai.affinity if lai else "text")
            for fv, lv in values.name_pairs:
                conds.append(and_(_prefiltered(tbl.c[f], folded(tbl.c[f], f_aff).in_(fv), fv, dialect, f_aff, True),
                                  _prefiltered(tbl.c[la], folded(tbl.c[la], l_aff).in_(lv), lv, dialect, l_aff, True)))
    if not conds:
        return None
    return select(*tbl.c).where(or_(*conds)).limit(row_cap + 1)


def matched_columns(row: dict[str, Any], tmap: TableMap, values: PreparedValues) -> list[str]:
    """Which of the row's identifier columns hold one of the searched identifiers."""
    hits: list[str] = []
    firsts: list[str] = []
    lasts: list[str] = []
    for ck in tmap.columns:
        v = row.get(ck.column)
        if v is None or ck.kind is None:
            continue
        s = str(v)
        if (ck.kind == classify.EMAIL and normalise_email(s) in values.email_keys) \
                or (ck.kind == classify.PHONE and phone_digits(s) in values.phone_keys) \
                or (ck.kind == classify.FULL_NAME and normalise_name(s) in values.name_keys) \
                or (ck.kind == classify.CUSTOMER_ID and (s.strip() in values.ids_text or v in values.ids_int)):
            hits.append(ck.column)
        elif ck.kind == classify.FIRST_NAME:
            firsts.append(ck.column)
        elif ck.kind == classify.LAST_NAME:
            lasts.append(ck.column)
    for f in firsts:
        for la in lasts:
            if (normalise_name(str(row[f])), normalise_name(str(row[la]))) in values.pair_keys:
                hits.extend(x for x in (f, la) if x not in hits)
    return hits


def row_key(info: TableInfo, row: dict[str, Any]) -> dict[str, Any]:
    cols = info.primary_key or tuple(c.name for c in info.columns)
    return {c: row.get(c) for c in cols}


def _freeze(key: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((k, repr(v)) for k, v in key.items()))


# -- the executor ----------------------------------------------------------------------------------

class _Collector:
    """Serialises events from worker threads: records them and forwards them to the listener."""

    def __init__(self, on_event: Callable[[SearchEvent], None] | None) -> None:
        self.lock = threading.Lock()
        self.on_event = on_event
        self.matches: list[Match] = []
        self.errors: list[SearchError] = []
        self.tables: list[TableCount] = []
        self.excluded: list[Excluded] = []
        self.done = 0
        self.total = 0

    def emit(self, ev: SearchEvent) -> None:
        with self.lock:
            if isinstance(ev, Match):
                self.matches.append(ev)
            elif isinstance(ev, SearchError):
                if any(e.connection == ev.connection and e.message == ev.message for e in self.errors):
                    return
                self.errors.append(ev)
            elif isinstance(ev, TableCount):
                self.tables.append(ev)
            elif isinstance(ev, Excluded):
                self.excluded.append(ev)
            if self.on_event is not None:
                try:
                    self.on_event(ev)
                except Exception:
                    log.exception("search listener failed")

    def add_total(self, n: int, connection: str) -> None:
        with self.lock:
            self.total += n
        self.progress(connection, 0)

    def progress(self, connection: str, step: int = 1) -> None:
        with self.lock:
            self.done += step
            ev = Progress(self.done, self.total, connection)
        self.emit(ev)


def _background_priority() -> None:
    """Worker threads yield the CPU to the GUI thread (Linux: per-thread nice value).

    On a two-core laptop four busy query threads would otherwise starve the event loop.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux, or not permitted: run at normal priority
        pass


def run_search(targets: Sequence[SearchTarget], query: SearchQuery, options: SearchOptions | None = None,
               on_event: Callable[[SearchEvent], None] | None = None,
               cancel: threading.Event | None = None) -> SearchResult:
    """Search every target in parallel; a failing connection becomes an error entry, never an
    exception. ``on_event`` is called (from worker threads, one at a time) for every event."""
    opts = options or SearchOptions()
    stop = cancel or threading.Event()
    start = time.monotonic()
    values = prepare(query)
    out = _Collector(on_event)
    canceller = Canceller(stop)
    if targets and not query.is_empty:
        table_pool = ThreadPoolExecutor(max_workers=max(1, opts.max_workers), thread_name_prefix="privdesk-table",
                                        initializer=_background_priority)
        try:
            with ThreadPoolExecutor(max_workers=min(8, len(targets)), thread_name_prefix="privdesk-conn",
                                    initializer=_background_priority) as conn_pool:
                futures = [conn_pool.submit(_search_connection, t, values, opts, table_pool, out, stop,
                                            canceller) for t in targets]
                for f in futures:
                    f.result()
        finally:
            table_pool.shutdown(wait=True, cancel_futures=True)
            canceller.close()
    elapsed = time.monotonic() - start
    log.info("search over %d connections: %d rows, %d errors in %.2f s", len(targets), len(out.matches),
             len(out.errors), elapsed)
    return SearchResult(query, tuple(out.matches), tuple(out.errors), tuple(out.tables), elapsed,
                        stop.is_set(), tuple(t.spec.name for t in targets), tuple(out.excluded))


def _search_connection(target: SearchTarget, values: PreparedValues, opts: SearchOptions,
                       table_pool: ThreadPoolExecutor, out: _Collector, stop: threading.Event,
                       canceller: Canceller | None = None) -> None:
    spec = target.spec
    timeout = opts.statement_timeout_s or spec.statement_timeout_s
    try:
        if target.engines is not None:
            engine = target.engines.get(spec, target.password)
        else:
            engine = build_engine(spec, target.password)
    except ConnectionFailed as exc:
        out.emit(SearchError(spec.name, exc.message, whole=True))
        return
    try:
        # One connection first: an unreachable server then costs one connect timeout, not one
        # per table query.
        with engine.connect():
            pass
        cmap = target.column_map
        if cmap is None:
            with read_only(engine, timeout, stop) as conn:
                schema = introspect(conn, cancel=stop, schemas=spec.schemas)
            if stop.is_set():  # a half-read schema must not be cached
                return
            cmap = target.on_introspected(schema) if target.on_introspected else build_map(spec.name, schema, {}, set())
        _run_connection(spec, engine, cmap, values, opts, timeout, table_pool, out, stop, canceller)
    except Exception as exc:  # a connection's failure is reported, the others go on
        if not stop.is_set():
            log.info("search on connection %s failed: %s", spec.name, type(exc).__name__)
            out.emit(SearchError(spec.name, explain(exc, spec, timeout), whole=True))
    finally:
        if target.engines is None:
            engine.dispose()


def _run_connection(spec: ConnectionSpec, engine: Engine, cmap: ColumnMap, values: PreparedValues,
                    opts: SearchOptions, timeout: float, table_pool: ThreadPoolExecutor, out: _Collector,
                    stop: threading.Event, canceller: Canceller | None = None) -> None:
    schema = cmap.schema
    dialect = engine.dialect.name
    plans: list[tuple[TableInfo, TableMap, Select[Any]]] = []
    for tmap in cmap.tables:
        info = schema.table(tmap.table)
        if info is None:
            continue
        stmt = plan_table(info, tmap, values, dialect, opts.row_cap)
        if stmt is not None:
            plans.append((info, tmap, stmt))
    out.add_total(len(plans), spec.name)

    def run_one(info: TableInfo, stmt: Select[Any]) -> list[dict[str, Any]]:
        if stop.is_set():
            return []
        with read_only(engine, timeout, stop, canceller) as conn:
            res = conn.execute(stmt)
            keys = list(res.keys())
            return [dict(zip(keys, r, strict=True)) for r in res]

    futures: list[tuple[TableInfo, TableMap, Future[list[dict[str, Any]]]]] = [
        (info, tmap, table_pool.submit(run_one, info, stmt)) for info, tmap, stmt in plans]
    seen: set[tuple[str, tuple[Any, ...]]] = set()
    counts: dict[str, int] = defaultdict(int)
    more: dict[str, bool] = defaultdict(bool)
    frontier: list[_Reached] = []
    failures: list[BaseException] = []
    given = values.given_kinds
    for info, tmap, fut in futures:
        try:
            rows = fut.result()
        except Exception as exc:  # one unreadable table must not hide the others
            if not stop.is_set():
                failures.append(exc)
                out.emit(SearchError(spec.name, f"Table {info.name!r}: {explain(exc, spec, timeout)}"))
            out.progress(spec.name)
            continue
        if len(rows) > opts.row_cap:
            rows, more[info.name] = rows[:opts.row_cap], True
        kinds = tmap.kinds()
        for row in rows:
            key = row_key(info, row)
            seen.add((info.name, _freeze(key)))
            counts[info.name] += 1
            hits = tuple(matched_columns(row, tmap, values))
            ev = ownership.evidence(row, kinds, hits, given, values.ids_text)
            verdict = ownership.whose_row("match", tmap.role, ev)
            jkey = {k: jsonable(v) for k, v in key.items()}
            owner = row_label(info.name, jkey, row)
            role = verdict.role or ownership.CANDIDATE
            out.emit(Match(spec.name, info.name, jkey, {k: jsonable(v) for k, v in row.items()}, hits,
                           role=role, reason=verdict.reason, owner=owner))
            frontier.append(_Reached(info, key, row, role, owner))
        out.progress(spec.name)
    if opts.depth > 0 and frontier and not stop.is_set():
        try:
            _follow_links(spec, engine, cmap, frontier, opts, timeout, out, stop, seen, counts, more, canceller)
        except Exception as exc:
            if not stop.is_set():
                out.emit(SearchError(spec.name, f"Following links: {explain(exc, spec, timeout)}"))
    for name in sorted(set(counts) | set(more)):
        out.emit(TableCount(spec.name, name, counts[name], more[name]))


_LABEL_WORDS = {"no", "nr", "num", "number", "ref", "reference", "code"}
_NOT_LABELS = {"card", "account", "iban", "bank", "tax", "vat", "passport", "social", "security", "licence",
               "license", "postal", "zip", "phone", "mobile", "fax", "tel", "street", "house"}


def row_label(table: str, key: dict[str, Any], row: dict[str, Any] | None = None) -> str:
    """How a row is named to the officer: ``order SO-201181`` (a number or reference column of
    the row when it has one), else ``order 1181`` (its key); the table's name in the singular."""
    from privdesk.discovery.links import singular

    words = classify.tokens(table.rsplit(".", 1)[-1]) or [table]
    noun = " ".join([*words[:-1], singular(words[-1])])
    for col, v in (row or {}).items():
        toks = classify.tokens(col)
        if not toks or toks[-1] not in _LABEL_WORDS or not isinstance(v, str) or not v.strip() or col in key:
            continue
        # a phone number or a postcode is no name for a row; card and account numbers stay in the row
        if set(toks) & _NOT_LABELS or classify.classify_name(col, table) not in (None, classify.CUSTOMER_ID):
            continue
        return f"{noun} {v.strip()[:40]}"
    if len(key) == 1:
        return f"{noun} {next(iter(key.values()))}"
    return f"{noun} " + ", ".join(f"{k}={v}" for k, v in key.items())


@dataclass
class _Reached:
    """A row the search holds and may follow links from."""

    info: TableInfo
    key: dict[str, Any]
    row: dict[str, Any]
    role: str
    owner: str


def _edges(cmap: ColumnMap) -> tuple[dict[str, list[tuple[TableInfo, tuple[str, ...], tuple[str, ...]]]],
                                     dict[str, list[tuple[TableInfo, tuple[str, ...], tuple[str, ...]]]]]:
    """For each table: (child, child columns, own columns) of rows that reference it, and
    (parent, own columns, parent columns) of rows it references."""
    schema = cmap.schema
    excluded = {t.table for t in cmap.tables if t.excluded}
    dependents: dict[str, list[tuple[TableInfo, tuple[str, ...], tuple[str, ...]]]] = defaultdict(list)
    references: dict[str, list[tuple[TableInfo, tuple[str, ...], tuple[str, ...]]]] = defaultdict(list)
    for lk in cmap.links:
        child, parent = schema.table(lk.from_table), schema.table(lk.to_table)
        if child is None or parent is None or child.name in excluded or parent.name in excluded:
            continue
        dependents[parent.name].append((child, lk.from_columns, lk.to_columns))
        references[child.name].append((parent, lk.to_columns, lk.from_columns))
    return dependents, references


def _follow_links(spec: ConnectionSpec, engine: Engine, cmap: ColumnMap, frontier: list[_Reached],
                  opts: SearchOptions, timeout: float, out: _Collector, stop: threading.Event,
                  seen: set[tuple[str, tuple[Any, ...]]], counts: dict[str, int],
                  more: dict[str, bool], canceller: Canceller | None = None) -> None:
    """Breadth-first from the matched rows along every link, in both directions, each reached row
    judged by :func:`ownership.whose_row`. Rows that reference a held row are followed
    ``opts.depth`` levels deep; rows a held row references are one step and end there (an
    address, a product, another person). Other people's rows are counted, never emitted;
    ``seen`` guards against cycles and rows already reported."""
    dependents, references = _edges(cmap)
    roles = {t.table: t.role for t in cmap.tables}
    left_out: dict[tuple[str, str], set[tuple[Any, ...]]] = defaultdict(set)
    counted_short: set[str] = set()  # tables where the bounded fetch stopped before the last row
    email_columns = {(t.table, c.column) for t in cmap.tables for c in t.columns if c.kind == classify.EMAIL}

    def fetch(conn: Any, target: TableInfo, cols: tuple[str, ...], plist: list[tuple[Any, ...]],
              email_link: bool = False) -> list[dict[str, Any]]:
        tbl = sa_table(target)
        got: list[dict[str, Any]] = []
        for i in range(0, len(plist), _FK_CHUNK):
            chunk = plist[i:i + _FK_CHUNK]
            if len(cols) == 1 and email_link and all(isinstance(v[0], str) for v in chunk):
                # an e-mail link (orders.customer_email -> customers.email): case and spaces differ
                folded_values = sorted({" ".join(v[0].split()).lower() for v in chunk})
                cond: ColumnElement[bool] = folded(tbl.c[cols[0]]).in_(folded_values)
            elif len(cols) == 1:
                cond = tbl.c[cols[0]].in_([v[0] for v in chunk])
            else:
                cond = or_(*[and_(*[tbl.c[c] == v for c, v in zip(cols, vals, strict=True)]) for vals in chunk])
            # room for the rows still allowed plus as many left out ones, to count them
            res = conn.execute(select(*tbl.c).where(cond).limit(2 * opts.row_cap + 1))
            keys = list(res.keys())
            rows = [dict(zip(keys, r, strict=True)) for r in res]
            if len(rows) > 2 * opts.row_cap:
                counted_short.add(target.name)
            got.extend(rows)
        return got

    def step(conn: Any, items: list[_Reached], target: TableInfo, target_cols: tuple[str, ...],
             item_cols: tuple[str, ...], how: ownership.How, depth: int, nxt: list[_Reached]) -> None:
        parents: dict[tuple[Any, ...], _Reached] = {}
        for it in items:
            vals = tuple(it.row.get(c) for c in item_cols)
            if all(v is not None for v in vals):
                parents.setdefault(vals, it)
        if not parents:
            return
        source = items[0].info.name
        email_link = len(target_cols) == 1 and ((target.name, target_cols[0]) in email_columns
                                                or (source, item_cols[0]) in email_columns)
        for row in fetch(conn, target, target_cols, list(parents), email_link):
            key = row_key(target, row)
            rid = (target.name, _freeze(key))
            if rid in seen:
                continue
            parent = parents.get(tuple(row.get(c) for c in target_cols))
            if parent is None:  # matched after case folding or the database's type coercion
                loose = tuple(" ".join(str(row.get(c)).split()).lower() for c in target_cols)
                parent = next((p for vals, p in parents.items()
                               if tuple(" ".join(str(v).split()).lower() for v in vals) == loose),
                              next(iter(parents.values())))
            pkey = {k: jsonable(v) for k, v in parent.key.items()}
            others = _other_people(row, target, parent.info.name, target_cols) if how == "dependent" else []
            verdict = ownership.whose_row(how, roles.get(target.name, ownership.TableRole(ownership.PERSONAL)),
                                          parent_role=parent.role, via=row_label(parent.info.name, pkey, parent.row),
                                          others=others, from_staff=ownership.is_staff_table(parent.info.name))
            if verdict.role is None:
                left_out[(target.name, verdict.reason)].add(rid[1])
                continue
            if counts[target.name] >= opts.row_cap:
                more[target.name] = True
                continue
            seen.add(rid)
            counts[target.name] += 1
            out.emit(Match(spec.name, target.name, {k: jsonable(v) for k, v in key.items()},
                           {k: jsonable(v) for k, v in row.items()}, (), Via(parent.info.name, pkey), depth,
                           verdict.role, verdict.reason, parent.owner))
            if verdict.follow == "both":
                nxt.append(_Reached(target, key, row, verdict.role, parent.owner))

    # the subject's own person rows: a dependent row naming another person row is not only theirs
    held: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for it in frontier:
        if it.role == ownership.SUBJECT and roles.get(it.info.name) is not None \
                and roles[it.info.name].role == ownership.PERSON:
            held[it.info.name].append(it.row)

    def _other_people(row: dict[str, Any], table_info: TableInfo, came_from: str,
                      came_cols: tuple[str, ...]) -> list[tuple[str, bool]]:
        found: list[tuple[str, bool]] = []
        for parent_info, parent_cols, own_cols in references.get(table_info.name, []):
            role = roles.get(parent_info.name)
            if role is None or role.role != ownership.PERSON or (parent_info.name, own_cols) == (came_from, came_cols):
                continue
            vals = tuple(row.get(c) for c in own_cols)
            if any(v is None for v in vals):
                continue
            if any(tuple(h.get(c) for c in parent_cols) == vals for h in held.get(parent_info.name, [])):
                continue
            found.append((f"{parent_info.name} {', '.join(str(jsonable(v)) for v in vals)}",
                          ownership.is_staff_table(parent_info.name)))
        return found

    with read_only(engine, timeout, stop, canceller) as conn:
        depth = 0
        while frontier and not stop.is_set():
            by_table: dict[str, list[_Reached]] = defaultdict(list)
            for it in frontier:
                if it.role != ownership.CONTEXT:
                    by_table[it.info.name].append(it)
            nxt: list[_Reached] = []
            # rows the held rows reference: one step, end points (followed at every depth)
            for tname, items in by_table.items():
                for parent_info, parent_cols, own_cols in references.get(tname, []):
                    if stop.is_set():
                        return
                    step(conn, items, parent_info, parent_cols, own_cols, "referenced", depth + 1, [])
            if depth >= opts.depth:
                break
            depth += 1
            for tname, items in by_table.items():
                for child, child_cols, own_cols in dependents.get(tname, []):
                    if stop.is_set():
                        return
                    step(conn, items, child, child_cols, own_cols, "dependent", depth, nxt)
            frontier = nxt
    for (tname, reason), ids in sorted(left_out.items()):
        more_text = " (or more: counting stopped at twice the row cap)" if tname in counted_short else ""
        out.emit(Excluded(spec.name, tname, len(ids), reason + more_text))
