"""Schema introspection and the identifier map of one connected database.

The schema (tables, columns, types, primary keys, foreign keys, indexes) and the content-sample
classification are cached as plain JSON in the case database; the officer's overrides are applied
on top every time the map is built, so a refresh never loses them.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, column, exc, inspect, select, table, types

from privdesk.discovery import classify, ownership

if TYPE_CHECKING:
    from privdesk.discovery.links import Link

log = logging.getLogger("privdesk.discovery")

SAMPLE_ROWS = 50
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    affinity: str  # text | integer | number | date | binary | other
    nullable: bool = True


@dataclass(frozen=True)
class ForeignKeyInfo:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class IndexInfo:
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    expressions: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableInfo:
    """One table. ``name`` is what the officer sees and overrides refer to: ``customers`` in the
    default schema, ``crm.customers`` in another (then ``schema`` and ``table_name`` are set)."""

    name: str
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    indexes: tuple[IndexInfo, ...] = ()
    schema: str | None = None
    table_name: str = ""

    @property
    def bare(self) -> str:
        """The table's own name, without its schema."""
        return self.table_name or self.name

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)

    def indexed(self, col: str) -> bool:
        """True when an index (plain or an expression over the column) starts with it."""
        for ix in self.indexes:
            if ix.columns and ix.columns[0] == col:
                return True
            if ix.expressions and col.lower() in ix.expressions[0].lower():
                return True
        return bool(self.primary_key) and self.primary_key[0] == col


@dataclass(frozen=True)
class SchemaInfo:
    dialect: str
    tables: tuple[TableInfo, ...]
    content_kinds: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def table(self, name: str) -> TableInfo | None:
        return next((t for t in self.tables if t.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["content_kinds"] = {t: dict(c) for t, c in self.content_kinds.items()}
        d["version"] = SCHEMA_VERSION
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SchemaInfo:
        tables = tuple(
            TableInfo(
                name=t["name"],
                columns=tuple(ColumnInfo(**c) for c in t["columns"]),
                primary_key=tuple(t["primary_key"]),
                foreign_keys=tuple(ForeignKeyInfo(tuple(f["columns"]), f["ref_table"], tuple(f["ref_columns"]))
                                   for f in t["foreign_keys"]),
                indexes=tuple(IndexInfo(i["name"], tuple(i["columns"]), bool(i["unique"]),
                                        tuple(i.get("expressions", ()))) for i in t["indexes"]),
                schema=t.get("schema"),
                table_name=t.get("table_name", ""),
            )
            for t in d["tables"]
        )
        return cls(dialect=d["dialect"], tables=tables,
                   content_kinds={k: dict(v) for k, v in d.get("content_kinds", {}).items()})


def affinity_of(sa_type: types.TypeEngine[Any]) -> str:
    if isinstance(sa_type, (types.Boolean,)):
        return "other"
    if isinstance(sa_type, types.Integer):
        return "integer"
    if isinstance(sa_type, types.Numeric):
        return "number"
    if isinstance(sa_type, (types.Date, types.DateTime, types.Time)):
        return "date"
    if isinstance(sa_type, (types.String, types.Text, types.Enum)):
        return "text"
    if isinstance(sa_type, (types.LargeBinary, types._Binary)):
        return "binary"
    if isinstance(sa_type, types.NullType):
        return "text"  # SQLite columns without a declared type hold text as often as anything
    return "other"


def _qualified(schema: str | None, table_name: str) -> str:
    return f"{schema}.{table_name}" if schema else table_name


# warnings.catch_warnings swaps one process-wide filter list and is not thread-safe (Python docs);
# the search introspects its connections in parallel threads, and one thread leaving the block
# while another reflected restored the filters under it, so the warning escaped. One lock makes
# the swap and the reflection inside it a unit.
_QUIET_REFLECTION = threading.Lock()


def introspect(conn: Connection, sample: bool = True, cancel: threading.Event | None = None,
               schemas: Sequence[str | None] = (None,)) -> SchemaInfo:
    """Read the tables of the given schemas (None: the connection's default schema) and sample
    their text columns."""
    insp = inspect(conn)
    out: list[TableInfo] = []
    pairs = [(sch, n) for sch in dict.fromkeys(schemas) for n in sorted(insp.get_table_names(schema=sch))]
    for schema, bare in pairs:
        if cancel is not None and cancel.is_set():
            break
        name = _qualified(schema, bare)
        cols = tuple(ColumnInfo(c["name"], str(c["type"]) if not isinstance(c["type"], types.NullType) else "",
                                affinity_of(c["type"]), bool(c.get("nullable", True)))
                     for c in insp.get_columns(bare, schema=schema))
        pk = tuple(insp.get_pk_constraint(bare, schema=schema).get("constrained_columns") or ())
        fks = tuple(ForeignKeyInfo(tuple(f["constrained_columns"]),
                                   _qualified(f.get("referred_schema") or schema, f["referred_table"]),
                                   tuple(f["referred_columns"]))
                    for f in insp.get_foreign_keys(bare, schema=schema) if f.get("referred_table"))
        ixs: list[IndexInfo] = []
        with _QUIET_REFLECTION, warnings.catch_warnings():
            # SQLite reflection skips expression indexes with a warning; they are read below.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                    exc.SAWarning)
            reflected = insp.get_indexes(bare, schema=schema)
            try:
                uniques = insp.get_unique_constraints(bare, schema=schema)
            except NotImplementedError:
                uniques = []
        for ix in reflected:
            colnames = tuple(c for c in (ix.get("column_names") or []) if c)
            exprs = tuple(str(e) for e in (ix.get("expressions") or []) if e is not None)
            if colnames and exprs and len(exprs) == len(colnames):
                exprs = ()
            ixs.append(IndexInfo(str(ix.get("name") or ""), colnames, bool(ix.get("unique")), exprs))
        have = {i.columns for i in ixs}
        for uc in uniques:
            ucols = tuple(c for c in uc.get("column_names") or [] if c)
            if ucols and ucols not in have:
                ixs.append(IndexInfo(str(uc.get("name") or ""), ucols, True))
        if conn.dialect.name == "sqlite" and schema is None:
            ixs.extend(_sqlite_expression_indexes(conn, name, {i.name for i in ixs}))
        out.append(TableInfo(name, cols, pk, fks, tuple(ixs), schema, bare if schema else ""))
    content: dict[str, dict[str, str]] = {}
    if sample:
        for t in out:
            if cancel is not None and cancel.is_set():
                break
            found = sample_table(conn, t)
            if found:
                content[t.name] = found
    return SchemaInfo(dialect=conn.dialect.name, tables=tuple(out), content_kinds=content)


def _sqlite_expression_indexes(conn: Connection, tname: str, known: set[str]) -> list[IndexInfo]:
    rows: list[Any] = list(conn.execute(select(column("name"), column("sql")).select_from(table("sqlite_master"))
                        .where(column("type") == "index", column("tbl_name") == tname)))
    found: list[IndexInfo] = []
    for ixname, sql in rows:
        if not sql or ixname in known:
            continue
        upper = sql.upper()
        try:
            body = sql[sql.index("(", upper.index(" ON ")) + 1:sql.rindex(")")]
        except ValueError:
            continue
        found.append(IndexInfo(str(ixname), (), "UNIQUE" in upper.split(" ON ")[0], (body.strip(),)))
    return found


def sample_table(conn: Connection, t: TableInfo, rows: int = SAMPLE_ROWS) -> dict[str, str]:
    """Classify text columns by a bounded sample (``LIMIT rows``) of their values."""
    text_cols = [c.name for c in t.columns if c.affinity in ("text", "other")]
    if not text_cols:
        return {}
    tbl = table(t.bare, *[column(c) for c in text_cols], schema=t.schema)
    try:
        with conn.begin_nested() if conn.dialect.name == "postgresql" else nullcontext():
            result = conn.execute(select(*tbl.c).limit(rows)).all()
    except Exception as exc:
        log.info("could not sample table %s: %s", t.name, type(exc).__name__)
        return {}
    found: dict[str, str] = {}
    for i, name in enumerate(text_cols):
        kind = classify.classify_values(r[i] for r in result)
        if kind is not None:
            found[name] = kind
    return found


# -- the identifier map ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnKind:
    column: str
    type: str
    kind: str | None
    source: str | None  # "name" | "content" | "override" | None
    indexed: bool
    primary_key: bool


@dataclass(frozen=True)
class TableMap:
    table: str
    excluded: bool
    columns: tuple[ColumnKind, ...]
    role: ownership.TableRole = ownership.TableRole(ownership.PERSONAL)

    def kinds(self) -> dict[str, str]:
        return {c.column: c.kind for c in self.columns if c.kind}

    @property
    def identifier_columns(self) -> list[ColumnKind]:
        return [c for c in self.columns if c.kind in classify.SEARCHABLE]


@dataclass(frozen=True)
class ColumnMap:
    """The identifier map of one connection: schema + automatic kinds + the officer's overrides."""

    connection: str
    schema: SchemaInfo
    tables: tuple[TableMap, ...]
    fetched_at: str | None = None
    #: what the search follows: declared foreign keys plus the officer's accepted links
    links: tuple[Link, ...] = ()
    #: accepted links that can no longer be followed (a column was dropped): id -> reason
    broken_links: Mapping[str, str] = field(default_factory=dict)

    def table(self, name: str) -> TableMap | None:
        return next((t for t in self.tables if t.table == name), None)

    def to_json(self) -> dict[str, Any]:
        out: list[dict[str, Any]] = []
        for tm in self.tables:
            info = self.schema.table(tm.table)
            out.append({
                "name": tm.table,
                "excluded": tm.excluded,
                "role": tm.role.role,
                "role_source": tm.role.source,
                "primary_key": list(info.primary_key) if info else [],
                "columns": [{"name": c.column, "type": c.type, "kind": c.kind, "source": c.source,
                             "indexed": c.indexed, "primary_key": c.primary_key} for c in tm.columns],
                "foreign_keys": [{"columns": list(f.columns), "ref_table": f.ref_table,
                                  "ref_columns": list(f.ref_columns)} for f in (info.foreign_keys if info else ())],
                "indexes": [{"name": i.name, "columns": list(i.columns), "unique": i.unique,
                             "expressions": list(i.expressions)} for i in (info.indexes if info else ())],
            })
        return {"connection": self.connection, "dialect": self.schema.dialect,
                "introspected_at": self.fetched_at, "tables": out}


def build_map(connection: str, schema: SchemaInfo, column_overrides: Mapping[tuple[str, str], str],
              excluded_tables: set[str], fetched_at: str | None = None,
              table_roles: Mapping[str, str] | None = None, accepted_links: Sequence[Link] = ()) -> ColumnMap:
    """Combine name rules, content sample and the officer's overrides (overrides win); the
    links the search follows and each table's role (see :mod:`privdesk.discovery.ownership`)."""
    from privdesk.discovery.links import broken_reason, column_names_table, followed

    links = tuple(followed(schema, accepted_links))
    broken = {lk.id: r for lk in accepted_links if (r := broken_reason(lk, schema)) is not None}
    link_cols: dict[str, set[str]] = {}
    owned: set[str] = set()  # tables whose rows belong to a person row they name (customer_id)
    for lk in links:
        link_cols.setdefault(lk.from_table, set()).update(lk.from_columns)
        if lk.to_table != lk.from_table and ownership.is_person_noun(lk.to_table) \
                and len(lk.from_columns) == 1 and column_names_table(lk.from_columns[0], lk.to_table):
            owned.add(lk.from_table)
    roles = table_roles or {}
    tables: list[TableMap] = []
    for t in schema.tables:
        cols: list[ColumnKind] = []
        sampled = schema.content_kinds.get(t.name, {})
        for c in t.columns:
            is_pk = c.name in t.primary_key and len(t.primary_key) == 1
            kind: str | None = classify.classify_name(c.name, t.name, c.affinity, is_pk)
            source: str | None = "name" if kind else None
            if kind is None and c.name in sampled:
                kind, source = sampled[c.name], "content"
            override = column_overrides.get((t.name, c.name))
            if override is not None:
                kind, source = (None if override == classify.NONE else override), "override"
            cols.append(ColumnKind(c.name, c.type, kind, source, t.indexed(c.name), c.name in t.primary_key))
        kinds = {ck.column: ck.kind for ck in cols if ck.kind}
        role = ownership.table_role(t.name, kinds, link_cols.get(t.name, ()), bool(link_cols.get(t.name)),
                                    roles.get(t.name), t.name in owned)
        tables.append(TableMap(t.name, t.name in excluded_tables, tuple(cols), role))
    return ColumnMap(connection, schema, tuple(tables), fetched_at, links, broken)
