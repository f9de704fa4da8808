"""Plan steps turned into SQL for a connected database: statements, read-only dry-run counts,
the script for the database owner, and execution through a write connection.

Tables and columns are SQLAlchemy ``table()``/``column()`` objects (quoted by the dialect);
values are bound parameters, rendered into a script only by the dialect's own literal renderer
(``literal_binds``). Every statement carries the number of rows it must touch; execution and the
script both roll back the whole connection when one count differs.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Integer,
    String,
    and_,
    column,
    create_engine,
    delete,
    event,
    func,
    literal,
    make_url,
    null,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import NullType

from privdesk.discovery.connections import (
    ConnectionSpec,
    build_engine,
    read_only,
    server_statement_timeout,
)
from privdesk.discovery.errors import ConnectionFailed
from privdesk.discovery.introspect import SchemaInfo, TableInfo
from privdesk.domain.erasure import DELETE, KEEP, Plan, RowChange

log = logging.getLogger("privdesk.discovery")

CHUNK = 500
WRITE_FOR = "write_for"


class CountMismatch(ConnectionFailed):
    """A statement touched another number of rows than planned; the connection was rolled back."""


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a step and the number of rows it must touch."""

    step: int  # index of the step in the plan (1-based, as shown to the officer)
    table: TableInfo
    tbl: TableClause  # the table object ``clause`` and ``where`` are built on
    clause: Any  # an Update or Delete
    where: ColumnElement[bool]
    expected: int
    action: str

    def sql(self, dialect: Dialect) -> str:
        return compile_literal(self.clause, dialect)


def compile_literal(clause: Any, dialect: Dialect) -> str:
    """The statement with its values rendered as safely quoted literals by the dialect."""
    return str(clause.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def typed(value: Any) -> Any:
    """A bound value typed by what it holds (reflected columns carry no type here), so the
    dialect's literal renderer can quote it in a script."""
    if value is None:
        return null()
    if isinstance(value, bool):
        return literal(value, Boolean())
    if isinstance(value, int):
        return literal(value, Integer())
    if isinstance(value, float):
        return literal(value, Float())
    return literal(str(value), String())


def _type_of(value: Any) -> Any:
    if isinstance(value, bool):
        return Boolean()
    if isinstance(value, int):
        return Integer()
    if isinstance(value, float):
        return Float()
    return String()


def typed_table(info: TableInfo, rows: Sequence[RowChange]) -> TableClause:
    """The table with each key column typed by its values, so ``IN`` takes one expanding
    parameter (fast to compile and to render into a script) instead of one per key."""
    types: dict[str, Any] = {}
    for r in rows:
        for c, v in r.key.items():
            if c not in types and v is not None:
                types[c] = _type_of(v)
    return table(info.bare, *[column(c.name, types.get(c.name)) for c in info.columns], schema=info.schema)


def key_condition(tbl: TableClause, keys: Sequence[Mapping[str, Any]]) -> ColumnElement[bool]:
    cols = list(keys[0])
    if len(cols) == 1:
        c = cols[0]
        vals = [k[c] for k in keys]
        if all(v is not None for v in vals):
            if all(type(v) is type(vals[0]) for v in vals) and not isinstance(tbl.c[c].type, NullType):
                return tbl.c[c].in_(vals)
            return tbl.c[c].in_([typed(v) for v in vals])
    return or_(*[and_(*[tbl.c[c] == typed(v) if v is not None else tbl.c[c].is_(None) for c, v in k.items()])
                 for k in keys])


def statements(plan: Plan, connection: str, schema: SchemaInfo) -> list[Statement]:
    """The statements of one connection's steps, in plan order; rows with the same new values
    share one statement (chunks of 500 keys)."""
    out: list[Statement] = []
    for i, step in enumerate(plan.steps, start=1):
        if step.connection != connection or step.action == KEEP or not step.rows:
            continue
        info = schema.table(step.table)
        if info is None:
            raise ConnectionFailed(f"Table {step.table!r} is no longer in the map of {connection!r}; "
                                   "refresh the map, search again and rebuild the plan.")
        tbl = typed_table(info, step.rows)
        groups: dict[tuple[tuple[str, str], ...], list[RowChange]] = {}
        for r in step.rows:
            groups.setdefault(tuple(sorted((c, repr(v)) for c, v in r.values.items())), []).append(r)
        for rows in groups.values():
            for j in range(0, len(rows), CHUNK):
                chunk = rows[j:j + CHUNK]
                where = key_condition(tbl, [r.key for r in chunk])
                clause: Any = delete(tbl).where(where) if step.action == DELETE else \
                    update(tbl).where(where).values(**{c: typed(v) for c, v in chunk[0].values.items()})
                out.append(Statement(i, info, tbl, clause, where, len(chunk), step.action))
    return out


# -- dry run ----------------------------------------------------------------------------------------

def count_rows(conn: Connection, stmts: Sequence[Statement]) -> list[int]:
    """How many rows each statement would touch now (run inside a read-only transaction)."""
    return [int(conn.execute(select(func.count()).select_from(s.tbl).where(s.where)).scalar_one())
            for s in stmts]


def count_keys(conn: Connection, info: TableInfo, keys: Sequence[Mapping[str, Any]]) -> int:
    tbl = typed_table(info, [RowChange(k) for k in keys])
    total = 0
    for j in range(0, len(keys), CHUNK):
        chunk = keys[j:j + CHUNK]
        total += int(conn.execute(select(func.count()).select_from(tbl).where(key_condition(tbl, chunk)))
                     .scalar_one())
    return total


def fetch_keys(conn: Connection, info: TableInfo, keys: Sequence[Mapping[str, Any]],
               limit: int | None = None) -> list[dict[str, Any]]:
    """The rows whose columns hold the given values (keys, or a link column's values)."""
    tbl = typed_table(info, [RowChange(k) for k in keys])
    out: list[dict[str, Any]] = []
    for j in range(0, len(keys), CHUNK):
        query = select(*tbl.c).where(key_condition(tbl, keys[j:j + CHUNK]))
        res = conn.execute(query if limit is None else query.limit(limit))
        names = list(res.keys())
        out.extend(dict(zip(names, r, strict=True)) for r in res)
    return out


# -- the script for the database owner ------------------------------------------------------------

def script_dialect(name: str) -> Dialect:
    """A dialect object for rendering a script without connecting."""
    url = {"postgresql": "postgresql+psycopg://", "mysql": "mysql+pymysql://",
           "mariadb": "mysql+pymysql://", "sqlite": "sqlite://"}.get(name, f"{name}://")
    d = make_url(url).get_dialect()()
    if name == "mariadb":
        d.is_mariadb = True  # type: ignore[attr-defined]
    return d


def _comment(line: str) -> str:
    return "-- " + " ".join(line.splitlines())


def render_script(plan: Plan, connection: str, dialect_name: str, schema: SchemaInfo,
                  timeout_s: float, generated_at: str) -> str:
    """One script for one connection in its dialect: a single transaction, every statement with a
    row-count check that aborts (and so rolls back) the whole script when a count differs."""
    dialect = script_dialect(dialect_name)
    stmts = statements(plan, connection, schema)
    client = {"sqlite": "sqlite3 DATABASE_FILE < THIS_FILE",
              "postgresql": "psql -v ON_ERROR_STOP=1 -d DATABASE -f THIS_FILE",
              "mysql": "mariadb DATABASE < THIS_FILE (or mysql DATABASE < THIS_FILE)"}
    family = "mysql" if dialect_name in ("mysql", "mariadb") else dialect_name
    lines = [
        _comment(f"PrivDesk change plan for request {plan.reference} ({plan.request_type})"),
        _comment(f"Plan hash: sha256:{plan.hash}"),
        _comment(f"Connection: {connection} ({dialect_name}); generated {generated_at}"),
        _comment(f"Run with: {client.get(family, 'the database client')}"),
        "-- Each statement must touch exactly the planned number of rows; when one differs the",
        "-- script stops and nothing of it is kept. Afterwards tell PrivDesk: privdesk verify-erasure "
        + plan.reference.replace("\n", " "),
        "",
    ]
    by_step = {i: s for i, s in enumerate(plan.steps, start=1)}
    if family == "sqlite":
        lines += [".bail on", "PRAGMA foreign_keys = ON;",
                  f"PRAGMA busy_timeout = {int(timeout_s * 1000)};",
                  "CREATE TEMP TABLE IF NOT EXISTS privdesk_check (step INTEGER, expected INTEGER, "
                  "actual INTEGER, CHECK (expected = actual));",
                  "BEGIN IMMEDIATE;"]
    elif family == "postgresql":
        lines += ["\\set ON_ERROR_STOP on", "BEGIN;",
                  "SET LOCAL standard_conforming_strings = on;  -- the quoting below relies on it",
                  f"SET LOCAL statement_timeout = {int(timeout_s * 1000)};",
                  "CREATE TEMP TABLE privdesk_check (step integer, expected integer, actual integer, "
                  "CHECK (expected = actual)) ON COMMIT DROP;"]
    else:
        # MariaDB runs /*M! ... */ and MySQL skips it (MySQL's max_execution_time covers SELECT only)
        lines += [f"/*M!100108 SET SESSION max_statement_time = {timeout_s:g} */;",
                  "-- the quoting below escapes backslashes, so they must be escapes in this session",
                  "SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '');",
                  "CREATE TEMPORARY TABLE privdesk_check (step INT, expected INT, actual INT, "
                  "CHECK (expected = actual));",
                  "START TRANSACTION;"]
    last_step = 0
    for st in stmts:
        if st.step != last_step:
            step = by_step[st.step]
            lines += ["", _comment(f"Step {st.step}: {step.action} {step.table} ({len(step.rows)} rows)"
                                   + (f"; reason: {step.reason}" if step.reason else ""))]
            last_step = st.step
        sql = st.sql(dialect)
        if family == "sqlite":
            lines += [sql + ";", f"INSERT OR ROLLBACK INTO privdesk_check VALUES ({st.step}, {st.expected}, changes());"]  # noqa: S608 (integers)
        elif family == "postgresql":
            returning = st.clause.returning(text("1"))
            lines.append(f"WITH changed AS ({compile_literal(returning, dialect)}) INSERT INTO privdesk_check "  # noqa: S608
                         f"SELECT {st.step}, {st.expected}, count(*) FROM changed;")  # compiled SQL + integers
        else:
            counted = select(text(str(st.step)), text(str(st.expected)), func.count()) \
                .select_from(st.tbl).where(st.where)
            lines += [f"INSERT INTO privdesk_check {compile_literal(counted, dialect)};", sql + ";"]
            if st.action == DELETE:
                lines.append(f"INSERT INTO privdesk_check VALUES ({st.step}, {st.expected}, ROW_COUNT());")  # noqa: S608
    lines += ["", "COMMIT;", ""]
    return "\n".join(lines)


# -- execution --------------------------------------------------------------------------------------

def build_write_engine(spec: ConnectionSpec, password: str | None) -> Engine:
    """An engine that may write: only for a connection registered with ``--write-for``."""
    if not spec.options.get(WRITE_FOR):
        raise ConnectionFailed(f"Connection {spec.name!r} is read-only for PrivDesk; changes run only through "
                               "a write connection (privdesk connection add NAME URL --write-for "
                               f"{spec.name}).")
    url = make_url(spec.url)
    if url.get_backend_name() != "sqlite":
        return build_engine(spec, password)
    path = Path(url.database or "")
    if not path.is_file():
        raise ConnectionFailed(f"The database file {path} does not exist.")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 5.0})

    @event.listens_for(engine, "connect")
    def _fk_on(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA foreign_keys = ON")

    return engine


@contextmanager
def writing(engine: Engine, timeout_s: float) -> Iterator[Connection]:
    """One transaction with a statement timeout; committed only when the block ends normally."""
    with engine.connect() as conn:
        name = conn.dialect.name
        raw = conn.connection.driver_connection
        if name == "sqlite" and isinstance(raw, sqlite3.Connection):
            deadline = time.monotonic() + timeout_s
            raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 100_000)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            server_statement_timeout(conn, name, timeout_s)
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if name == "sqlite" and isinstance(raw, sqlite3.Connection):
                raw.set_progress_handler(None, 0)


def execute_statements(engine: Engine, stmts: Sequence[Statement], timeout_s: float,
                       connection: str) -> list[int]:
    """Run the statements in one transaction; any count that differs rolls everything back."""
    done: list[int] = []
    with writing(engine, timeout_s) as conn:
        for st in stmts:
            n = conn.execute(st.clause).rowcount
            if n != st.expected:
                raise CountMismatch(
                    f"Step {st.step} ({st.action} in {st.table.name}) of {connection!r} touched {n} "
                    f"row{'s' if n != 1 else ''} where the plan expects {st.expected}; nothing was changed in "
                    f"{connection!r}. A trigger or rule in the database may have refused rows; a dry run shows "
                    "whether the data changed since the search (then search again and rebuild the plan).")
            done.append(n)
    return done


def dry_counts(engine: Engine, stmts: Sequence[Statement], timeout_s: float) -> list[int]:
    with read_only(engine, timeout_s) as conn:
        return count_rows(conn, stmts)
