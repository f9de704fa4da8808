"""Links between tables: declared foreign keys, and links inferred where no foreign key says so.

Many real databases declare no foreign keys (Rails and Django apps without constraints, MyISAM
tables, data copied between services): the link lives only in a column's name. This module
proposes such links by name (``customer_id``, ``customerid``, ``id_customer``, ``CustomerId``
to ``customer.id``, ``customers.id`` or ``Customer.CustomerId``; a column named exactly like
another table's single-column primary key; ``*_email`` to the table whose e-mail is an
identifier) and scores each proposal on a *bounded* sample of its values:

    score = type compatibility (1.0 same kind, 0.8 compatible, 0 incompatible)
            x overlap (share of up to ``SAMPLE_SIZE`` distinct non-null values found in the target)

A column with no values to sample scores ``0.5`` x type (name evidence only). Proposals below
``THRESHOLD`` are not shown. The officer accepts, rejects or adds links; accepted ones are
followed by the search exactly like declared foreign keys.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, column, func, select, table

from privdesk.discovery import classify
from privdesk.discovery.introspect import SchemaInfo, TableInfo

log = logging.getLogger("privdesk.discovery")

#: distinct non-null values sampled from a proposed link's column
SAMPLE_SIZE = 200
#: proposals scoring below this are not shown
THRESHOLD = 0.5
#: rows read at most to collect the sample (bounds the cost on a column with few distinct values)
SAMPLE_ROWS = 2000

DECLARED = "declared"
PROPOSED = "proposed"
ACCEPTED = "accepted"
REJECTED = "rejected"
STATUSES = (DECLARED, PROPOSED, ACCEPTED, REJECTED)

_ID_SUFFIX = ("id", "key", "fk", "ref", "no", "uuid", "guid")


@dataclass(frozen=True)
class Link:
    """A link from ``from_table.from_columns`` (the referencing rows) to ``to_table.to_columns``."""

    from_table: str
    from_columns: tuple[str, ...]
    to_table: str
    to_columns: tuple[str, ...]
    status: str = PROPOSED
    score: float | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    source: str = "inferred"  # inferred | manual | dataset | declared

    @property
    def id(self) -> str:
        return link_id(self.from_table, self.from_columns, self.to_table, self.to_columns)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "from": {"table": self.from_table, "columns": list(self.from_columns)},
                "to": {"table": self.to_table, "columns": list(self.to_columns)}, "status": self.status,
                "score": None if self.score is None else round(self.score, 3),
                "evidence": dict(self.evidence)}


def link_id(from_table: str, from_columns: Sequence[str], to_table: str, to_columns: Sequence[str]) -> str:
    """A stable, shell-safe id: ``orders.customer_id=customers.id`` (``+`` joins composite keys)."""
    return f"{from_table}.{'+'.join(from_columns)}={to_table}.{'+'.join(to_columns)}"


def declared_links(schema: SchemaInfo) -> list[Link]:
    out: list[Link] = []
    for t in schema.tables:
        for fk in t.foreign_keys:
            if fk.columns and len(fk.columns) == len(fk.ref_columns):
                out.append(Link(t.name, fk.columns, fk.ref_table, fk.ref_columns, DECLARED, None,
                                {"declared": "foreign key in the database"}, "declared"))
    return out


def broken_reason(link: Link, schema: SchemaInfo) -> str | None:
    """Why a stored link can no longer be followed (its table or column is gone), or None."""
    for tname, cols in ((link.from_table, link.from_columns), (link.to_table, link.to_columns)):
        info = schema.table(tname)
        if info is None:
            return f"table {tname} no longer exists"
        missing = [c for c in cols if info.column(c) is None]
        if missing:
            return f"column {tname}.{missing[0]} no longer exists"
    return None


# -- proposals by name -----------------------------------------------------------------------------

def singular(word: str) -> str:
    """English singular, enough for table names: addresses, categories, boxes, people."""
    w = word.lower()
    if w == "people":
        return "person"
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _norm(words: Sequence[str]) -> str:
    return "".join(singular(w) for w in words)


def _table_keys(schema: SchemaInfo) -> dict[str, list[TableInfo]]:
    """Singular, joined table name -> tables (``order_items`` and ``OrderItem`` -> ``orderitem``)."""
    out: dict[str, list[TableInfo]] = {}
    for t in schema.tables:
        out.setdefault(_norm(classify.tokens(t.bare)), []).append(t)
    return out


def _target_key(t: TableInfo) -> str | None:
    if len(t.primary_key) == 1:
        return t.primary_key[0]
    col = t.column("id")
    return col.name if col is not None else None


def _roots(col: str) -> list[list[str]]:
    """The table-name words a column refers to: ``shipping_address_id`` -> [[shipping, address],
    [address]]; ``customerid`` -> [[customer]]; ``id_customer`` -> [[customer]]."""
    words = classify.tokens(col)
    if len(words) == 1 and words[0] != "id":
        w = words[0]
        for suf in _ID_SUFFIX:
            if w.endswith(suf) and len(w) > len(suf) + 1:
                words = [w[: -len(suf)], suf]
                break
    if len(words) >= 2 and words[-1] in _ID_SUFFIX:
        root = words[:-1]
    elif len(words) >= 2 and words[0] == "id":
        root = words[1:]
    else:
        return []
    return [root[i:] for i in range(len(root))]


def column_names_table(column: str, table: str) -> bool:
    """``customer_id`` / ``CustomerId`` / ``id_customer`` name the table ``customers``."""
    want = _norm(classify.tokens(table.rsplit(".", 1)[-1]))
    return any(_norm(r) == want for r in _roots(column))


def propose_by_name(schema: SchemaInfo, email_tables: Mapping[str, str] | None = None) -> list[Link]:
    """Name-based proposals (not yet scored). ``email_tables``: table -> its identifier e-mail
    column (person tables), targets of ``*_email`` columns."""
    by_name = _table_keys(schema)
    declared = {(lk.from_table, lk.from_columns) for lk in declared_links(schema)}
    pk_names: dict[str, list[TableInfo]] = {}
    for t in schema.tables:
        if len(t.primary_key) == 1 and t.primary_key[0].lower() not in ("id", "uuid", "guid", "key"):
            pk_names.setdefault(t.primary_key[0].lower(), []).append(t)
    out: dict[str, Link] = {}

    def add(src: TableInfo, col: str, dst: TableInfo, dcol: str, rule: str) -> None:
        if dst.name == src.name and dcol == col:
            return
        if (src.name, (col,)) in declared:
            return
        lk = Link(src.name, (col,), dst.name, (dcol,), PROPOSED, None, {"rule": rule})
        out.setdefault(lk.id, lk)

    for t in schema.tables:
        own_pk = t.primary_key[0] if len(t.primary_key) == 1 else None
        for c in t.columns:
            if c.name == own_pk and c.name.lower() in ("id", "uuid", "guid"):
                continue
            if c.affinity == "binary":
                continue
            for root in _roots(c.name):
                for dst in by_name.get(_norm(root), []):
                    key = _target_key(dst)
                    if key is not None and dst.name != t.name:
                        add(t, c.name, dst, key, "name refers to the table")
            for dst in pk_names.get(c.name.lower(), []):
                if dst.name != t.name:
                    add(t, c.name, dst, dst.primary_key[0], "same name as the table's key")
            words = classify.tokens(c.name)
            if email_tables and len(words) >= 2 and words[-1] in ("email", "mail") and c.affinity in ("text", "other"):
                root = words[:-1] if words[-2] != "e" else words[:-2]
                targets = [n for n in email_tables if _norm(classify.tokens(n.split(".")[-1])) == _norm(root)]
                if not targets and len(email_tables) == 1:
                    targets = list(email_tables)
                for n in targets:
                    dst_info = schema.table(n)
                    if dst_info is not None and dst_info.name != t.name:
                        add(t, c.name, dst_info, email_tables[n], "e-mail of a person table")
    return list(out.values())


# -- scoring ---------------------------------------------------------------------------------------

_COMPATIBLE = {("integer", "number"), ("number", "integer"), ("text", "other"), ("other", "text"),
               ("integer", "text"), ("text", "integer"), ("integer", "other"), ("other", "integer")}


def type_factor(a: str, b: str) -> float:
    """1.0 for the same kind of type, 0.8 for types whose values can still be equal, else 0."""
    if a == b:
        return 1.0
    return 0.8 if (a, b) in _COMPATIBLE else 0.0


def _as_key(v: Any) -> Any:
    """Sampled values compared across types (``'42'`` in a text column, 42 as the key)."""
    if isinstance(v, str):
        s = v.strip()
        return int(s) if s.isascii() and s.lstrip("-").isdigit() and len(s) < 19 else s.casefold()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def score_link(conn: Connection, schema: SchemaInfo, link: Link, sample_size: int = SAMPLE_SIZE) -> Link:
    """Score one proposal on a bounded sample: at most ``SAMPLE_ROWS`` rows read from the
    referencing column, its first ``sample_size`` distinct values looked up in the target key."""
    src, dst = schema.table(link.from_table), schema.table(link.to_table)
    if src is None or dst is None or len(link.from_columns) != 1:
        return link
    scol, dcol = src.column(link.from_columns[0]), dst.column(link.to_columns[0])
    if scol is None or dcol is None:
        return link
    tf = type_factor(scol.affinity, dcol.affinity)
    ev: dict[str, Any] = dict(link.evidence)
    ev["types"] = f"{scol.type or scol.affinity} -> {dcol.type or dcol.affinity}"
    if tf == 0.0:
        ev.update(sample_size=0, overlap=0.0)
        return Link(link.from_table, link.from_columns, link.to_table, link.to_columns, link.status, 0.0, ev)
    st = table(src.bare, column(scol.name), schema=src.schema)
    dt = table(dst.bare, column(dcol.name), schema=dst.schema)
    savepoint = conn.begin_nested() if conn.dialect.name == "postgresql" else nullcontext()
    try:
        with savepoint:
            # distinct values among the first SAMPLE_ROWS non-null ones: the database reads at most
            # SAMPLE_ROWS rows and sends at most sample_size values
            first = select(st.c[scol.name].label("v")).where(st.c[scol.name].is_not(None)).limit(SAMPLE_ROWS).subquery()
            raw = conn.execute(select(first.c.v).distinct().limit(sample_size * 2)).scalars()
            sample: dict[Any, Any] = {}
            for v in raw:
                k = _as_key(v)
                if k == "" or k in sample:
                    continue
                sample[k] = v
                if len(sample) >= sample_size:
                    break
            found: set[Any] = set()
            probe: list[Any]
            if sample:
                if dcol.affinity == "integer":
                    probe = sorted({k for k in sample if isinstance(k, int)})
                    cond = dt.c[dcol.name].in_(probe) if probe else None
                elif scol.affinity == "text" and dcol.affinity == "text":
                    probe = sorted({str(k) for k in sample})
                    cond = func.lower(func.trim(dt.c[dcol.name])).in_(probe)
                else:
                    probe = sorted({str(v) for v in sample.values()})
                    cond = dt.c[dcol.name].in_(probe)
                if cond is not None:
                    found = {_as_key(v) for v in conn.execute(select(dt.c[dcol.name]).where(cond)).scalars()}
    except Exception as exc:  # an unreadable table scores nothing, the others go on
        log.info("could not sample a link proposal: %s", type(exc).__name__)
        ev.update(sample_size=0, overlap=0.0, error="could not read the column")
        return Link(link.from_table, link.from_columns, link.to_table, link.to_columns, link.status, 0.0, ev)
    n = len(sample)
    hits = sum(1 for k in sample if k in found)
    overlap = hits / n if n else 0.0
    ev.update(sample_size=n, overlap=round(overlap, 3),
              examples=[str(v)[:40] for v in list(sample.values())[:3]])
    score = tf * overlap if n else 0.5 * tf
    if not n:
        ev["note"] = "no values to sample; the name alone suggests it"
    return Link(link.from_table, link.from_columns, link.to_table, link.to_columns, link.status, score, ev)


def infer_links(conn: Connection, schema: SchemaInfo, email_tables: Mapping[str, str] | None = None,
                threshold: float = THRESHOLD, sample_size: int = SAMPLE_SIZE,
                cancel: threading.Event | None = None) -> list[Link]:
    """Propose and score links; only those scoring at least ``threshold`` are returned,
    the best first."""
    start = time.monotonic()
    scored: list[Link] = []
    for lk in propose_by_name(schema, email_tables):
        if cancel is not None and cancel.is_set():
            break
        s = score_link(conn, schema, lk, sample_size)
        if s.score is not None and s.score >= threshold:
            scored.append(s)
    scored.sort(key=lambda lk: (-(lk.score or 0.0), lk.id))
    log.info("link inference: %d proposals in %.2f s", len(scored), time.monotonic() - start)
    return scored


def merge(declared: Iterable[Link], proposed: Iterable[Link], stored: Iterable[Link]) -> list[Link]:
    """Every link the officer sees: declared first, then stored decisions (accepted/rejected,
    which win over a fresh proposal of the same id), then the remaining proposals."""
    out: dict[str, Link] = {}
    for lk in declared:
        out.setdefault(lk.id, lk)
    for lk in stored:
        if lk.id not in out:
            out[lk.id] = lk
    for lk in proposed:
        if lk.id not in out:
            out[lk.id] = lk
    return list(out.values())


def followed(schema: SchemaInfo, accepted: Iterable[Link]) -> list[Link]:
    """What the search follows: declared foreign keys plus accepted links whose columns still
    exist (a link whose column was dropped is skipped, and flagged in the links list)."""
    out = {lk.id: lk for lk in declared_links(schema)}
    for lk in accepted:
        if lk.status == ACCEPTED and lk.id not in out and broken_reason(lk, schema) is None:
            out[lk.id] = lk
    return list(out.values())
