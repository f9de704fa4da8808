"""The change plan of an erasure, rectification or opt-out: which rows of which table are deleted,
masked, updated or kept (and why), in an order that violates no foreign key.

Pure data and rules: the services feed it the rows an attached search found, the shape of each
table (primary key, identifier columns, links to other tables) and the officer's per-table
defaults, and get back the steps. SQL is written elsewhere (:mod:`privdesk.discovery.writer`).

Masking strategies (after ethyca/fides): ``null``, a ``fixed`` text, a keyed ``hash`` (HMAC-SHA256,
so the same value masks to the same token in every system without revealing it) and a ``random``
string of the same shape (letters stay letters, digits stay digits, ``@`` and ``.`` stay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from privdesk.errors import ValidationError

DELETE = "delete"
MASK = "mask"
UPDATE = "update"
KEEP = "keep"
ACTIONS = (DELETE, MASK, UPDATE, KEEP)
#: Past tense for letters and reports.
DONE_WORDS = {DELETE: "erased", MASK: "masked", UPDATE: "corrected", KEEP: "kept"}

NULL = "null"
FIXED = "fixed"
HASH = "hash"
RANDOM = "random"
STRATEGIES = (NULL, FIXED, HASH, RANDOM)

ERASURE = "erasure"
RECTIFICATION = "rectification"
OPT_OUT = "opt-out"
OBJECTION = "objection"
PLANNED_TYPES = (ERASURE, RECTIFICATION, OPT_OUT, OBJECTION)

PLAN_FORMAT = "privdesk-erasure-plan/1"


class PlanError(ValidationError):
    """A plan cannot be built or run as asked; the message says what to change."""


# -- masking --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mask:
    """How one column is masked: ``null``, ``fixed`` (with ``text``), ``hash`` or ``random``."""

    strategy: str
    text: str = ""

    @classmethod
    def parse(cls, spec: str) -> Mask:
        """``null``, ``hash``, ``random`` or ``fixed:TEXT`` (as typed on the command line)."""
        raw = spec.strip()
        head, sep, tail = raw.partition(":")
        head = head.strip().lower()
        if head == FIXED and sep:
            return cls(FIXED, tail)
        if head in (NULL, HASH, RANDOM) and not sep:
            return cls(head)
        raise PlanError(f"{spec!r} is not a masking strategy: use null, hash, random or fixed:TEXT.")

    @property
    def spec(self) -> str:
        return f"{FIXED}:{self.text}" if self.strategy == FIXED else self.strategy


def keyed_hash(value: Any, key: bytes, integer: bool = False) -> str | int:
    """HMAC-SHA256 of the value, shortened to the value's length (8 to 64 characters), so it
    still fits the column; an integer column gets an integer of the same number of digits."""
    text = "" if value is None else str(value)
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    if integer:
        digits = max(1, min(18, len(text.lstrip("-")) or 1))
        return int(digest, 16) % int(10 ** digits)
    return digest[:max(8, min(64, len(text)))]


def same_shape(value: Any, rng: random.Random, integer: bool = False) -> str | int | None:
    """A random value shaped like ``value``: each letter a random letter of the same case, each
    digit a random digit; every other character (``@``, ``.``, ``-``, spaces) kept."""
    if value is None:
        return None
    text = str(value)
    out = []
    for ch in text:
        if ch.isdigit():
            out.append(rng.choice(string.digits))
        elif ch.isalpha():
            out.append(rng.choice(string.ascii_uppercase if ch.isupper() else string.ascii_lowercase))
        else:
            out.append(ch)
    shaped = "".join(out)
    if integer:
        try:
            return int(shaped)
        except ValueError:
            return rng.randrange(10 ** max(1, min(18, len(text))))
    return shaped


def mask_value(mask: Mask, value: Any, key: bytes, rng: random.Random, integer: bool = False) -> Any:
    """The new value of one masked cell."""
    if mask.strategy == NULL:
        return None
    if mask.strategy == FIXED:
        return mask.text
    if mask.strategy == HASH:
        return keyed_hash(value, key, integer)
    return same_shape(value, rng, integer)


# -- the officer's per-table defaults -------------------------------------------------------------

@dataclass(frozen=True)
class TableDefault:
    """What to do with a table's rows, set once per connection and reused by every plan.

    ``action``: erasure default (``delete``, ``mask`` or ``keep``; empty: automatic). ``masks``:
    column -> strategy for ``mask``. ``reason``: why rows are kept or masked instead of deleted.
    ``optout``: ``delete`` (delete the marketing row) or ``update`` (set ``optout_set``).
    """

    action: str = ""
    masks: Mapping[str, Mask] = field(default_factory=dict)
    reason: str = ""
    optout: str = ""
    optout_set: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.action and self.action not in (DELETE, MASK, KEEP):
            raise PlanError(f"{self.action!r} is not an erasure action for a table: use delete, mask or keep.")
        if self.optout and self.optout not in (DELETE, UPDATE):
            raise PlanError(f"{self.optout!r} is not an opt-out action: use delete or update.")
        if self.optout == UPDATE and not self.optout_set:
            raise PlanError("An opt-out by update needs the column to set, e.g. --optout-set newsletter=0.")

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "masks": {c: m.spec for c, m in self.masks.items()},
                "reason": self.reason, "optout": self.optout, "optout_set": dict(self.optout_set)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TableDefault:
        return cls(str(d.get("action", "")), {str(c): Mask.parse(str(s)) for c, s in dict(d.get("masks", {})).items()},
                   str(d.get("reason", "")), str(d.get("optout", "")), dict(d.get("optout_set", {})))


# -- what a plan is made of -----------------------------------------------------------------------

@dataclass(frozen=True)
class Link:
    """``table.columns`` refers to ``ref_table.ref_columns`` (a declared foreign key or a link
    the officer accepted)."""

    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableShape:
    """What planning needs to know about a table of a connected database."""

    name: str
    primary_key: tuple[str, ...]
    identifier_columns: tuple[str, ...] = ()
    nullable: Mapping[str, bool] = field(default_factory=dict)
    integer_columns: frozenset[str] = frozenset()
    links: tuple[Link, ...] = ()  # this table's references to others


@dataclass(frozen=True)
class FoundRow:
    """One row the attached search found: its key and its values."""

    key: Mapping[str, Any]
    row: Mapping[str, Any]
    #: reached only through a link from another of the subject's rows (the address a customer row
    #: points at), not by the subject's own identifiers
    linked_only: bool = False


@dataclass(frozen=True)
class RowChange:
    """One row of a step; ``values`` are the new column values (mask, update)."""

    key: Mapping[str, Any]
    values: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"key": dict(self.key), "values": dict(self.values)}


@dataclass(frozen=True)
class Step:
    """One table's change in one connected database."""

    connection: str
    table: str
    action: str
    rows: tuple[RowChange, ...]
    columns: tuple[str, ...] = ()
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """The external contract (``privdesk plan REF --json``)."""
        return {"connection": self.connection, "table": self.table, "action": self.action,
                "rows": len(self.rows), "columns": list(self.columns), "reason": self.reason}

    def to_dict(self) -> dict[str, Any]:
        return {**self.to_json(), "rows": [r.to_dict() for r in self.rows]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Step:
        return cls(str(d["connection"]), str(d["table"]), str(d["action"]),
                   tuple(RowChange(dict(r["key"]), dict(r.get("values", {}))) for r in d["rows"]),
                   tuple(d.get("columns", ())), str(d.get("reason", "")))


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


@dataclass(frozen=True)
class Plan:
    """The reviewed change plan of one request; ``hash`` covers every row and value."""

    reference: str
    request_type: str
    snapshot_sha: str
    steps: tuple[Step, ...]
    built_at: str = ""
    built_by: str = ""

    @cached_property
    def _step_dicts(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.steps]

    @cached_property
    def hash(self) -> str:
        body = {"format": PLAN_FORMAT, "reference": self.reference, "request_type": self.request_type,
                "snapshot_sha": self.snapshot_sha, "steps": self._step_dicts}
        return hashlib.sha256(canonical(body)).hexdigest()

    @property
    def connections(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.connection for s in self.steps))

    def to_json(self) -> dict[str, Any]:
        """The external contract: ``{"steps": [...], "hash"}``."""
        return {"steps": [s.to_json() for s in self.steps], "hash": self.hash}

    def to_dict(self) -> dict[str, Any]:
        return {"format": PLAN_FORMAT, "reference": self.reference, "request_type": self.request_type,
                "snapshot_sha": self.snapshot_sha, "built_at": self.built_at, "built_by": self.built_by,
                "steps": self._step_dicts, "hash": self.hash}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Plan:
        return cls(str(d["reference"]), str(d["request_type"]), str(d["snapshot_sha"]),
                   tuple(Step.from_dict(s) for s in d["steps"]), str(d.get("built_at", "")),
                   str(d.get("built_by", "")))


# -- ordering -------------------------------------------------------------------------------------

def dependency_order(tables: Iterable[str], links: Iterable[Link]) -> list[str]:
    """Tables ordered so that each comes before the tables it refers to (children first): the
    order deletions must run in. Cycles (a self-reference, two tables pointing at each other)
    are broken at a stable point; the database's own check then decides."""
    names = list(dict.fromkeys(tables))
    present = set(names)
    refs: dict[str, set[str]] = {n: set() for n in names}  # child -> parents
    for lk in links:
        if lk.table in present and lk.ref_table in present and lk.table != lk.ref_table:
            refs[lk.table].add(lk.ref_table)
    children: dict[str, set[str]] = {n: set() for n in names}
    for child, parents in refs.items():
        for p in parents:
            children[p].add(child)
    out: list[str] = []
    placed: set[str] = set()
    remaining = list(names)
    while remaining:
        # a table is ready when every table referring to it is already placed
        ready = [n for n in remaining if children[n] <= placed]
        pick = ready[0] if ready else remaining[0]
        out.append(pick)
        placed.add(pick)
        remaining.remove(pick)
    return out


def order_steps(steps: Sequence[Step], links: Iterable[Link]) -> list[Step]:
    """Updates and masks first (they break no link), then deletions children-first, then keeps."""
    links = list(links)
    by_conn: dict[str, list[Step]] = {}
    for s in steps:
        by_conn.setdefault(s.connection, []).append(s)
    out: list[Step] = []
    for conn, conn_steps in by_conn.items():
        changes = sorted((s for s in conn_steps if s.action in (UPDATE, MASK)), key=lambda s: s.table)
        deletes = {s.table: s for s in conn_steps if s.action == DELETE}
        keeps = sorted((s for s in conn_steps if s.action == KEEP), key=lambda s: s.table)
        order = dependency_order(sorted(deletes), links)
        out.extend(changes)
        out.extend(deletes[t] for t in order)
        out.extend(keeps)
        del conn
    return out


# -- building -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanInputs:
    """Everything :func:`build_steps` needs for one connection."""

    connection: str
    found: Mapping[str, Sequence[FoundRow]]  # table -> rows the search attached
    shapes: Mapping[str, TableShape]
    defaults: Mapping[str, TableDefault] = field(default_factory=dict)
    retention: Mapping[str, str] = field(default_factory=dict)  # table -> legal reason to keep
    edits: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)  # table -> key id -> values
    extra_links: tuple[Link, ...] = ()
    #: rows the search reached that belong to other people: never changed, but they may refer to
    #: the subject's rows (an employee whose manager is the subject), which then cannot be deleted
    others: Mapping[str, Sequence[FoundRow]] = field(default_factory=dict)


def is_legal_obligation(lawful_basis: str) -> bool:
    """Whether a register entry's lawful basis (free text) names a legal obligation, Art. 6(1)(c)."""
    text = " ".join(lawful_basis.casefold().split())
    return "legal obligation" in text or "6(1)(c)" in text.replace(" ", "")


def key_id(key: Mapping[str, Any]) -> str:
    """A row key as one stable string (for edits and comparisons): ``id=7`` or ``a=1,b='x'``."""
    return ",".join(f"{k}={key[k]!r}" for k in sorted(key))


def _auto_masks(shape: TableShape) -> dict[str, Mask]:
    """Identifier columns that are no key and no link: null when the column allows it, else hash."""
    linked = {c for lk in shape.links for c in lk.columns}
    out: dict[str, Mask] = {}
    for c in shape.identifier_columns:
        if c in shape.primary_key or c in linked:
            continue
        out[c] = Mask(NULL) if shape.nullable.get(c, True) else Mask(HASH)
    return out


def _mask_rows(rows: Sequence[FoundRow], masks: Mapping[str, Mask], shape: TableShape, key: bytes,
               rng: random.Random) -> tuple[RowChange, ...]:
    return tuple(RowChange(dict(r.key), {c: mask_value(m, r.row.get(c), key, rng, c in shape.integer_columns)
                                         for c, m in masks.items()}) for r in rows)


def _all_links(inputs: PlanInputs) -> list[Link]:
    return [lk for s in inputs.shapes.values() for lk in s.links] + list(inputs.extra_links)


def build_steps(request_type: str, inputs: PlanInputs, key: bytes, rng: random.Random | None = None) -> list[Step]:
    """The ordered steps for one connection."""
    rng = rng or random.SystemRandom()
    if request_type == ERASURE:
        steps = _erasure_steps(inputs, key, rng)
    elif request_type == RECTIFICATION:
        steps = _rectification_steps(inputs)
    elif request_type in (OPT_OUT, OBJECTION):
        steps = _optout_steps(inputs)
    else:
        raise PlanError(f"A change plan is made for erasure, rectification, opt-out and objection requests, "
                        f"not for {request_type} requests.")
    return order_steps(steps, _all_links(inputs))


def _erasure_steps(inputs: PlanInputs, key: bytes, rng: random.Random) -> list[Step]:
    decided: dict[str, tuple[str, dict[str, Mask], str]] = {}
    for table in inputs.found:
        shape = inputs.shapes.get(table) or TableShape(table, ())
        d = inputs.defaults.get(table, TableDefault())
        retention = inputs.retention.get(table, "")
        if d.action == KEEP:
            reason = d.reason or retention
            if not reason:
                raise PlanError(f"Table {table!r} of {inputs.connection!r} is set to keep its rows but gives no "
                                "reason; type the legal reason (e.g. the retention duty) in its default.")
            decided[table] = (KEEP, {}, reason)
        elif d.action == MASK:
            masks = dict(d.masks) or _auto_masks(shape)
            decided[table] = (MASK, masks, d.reason or retention)
        elif d.action == DELETE or not retention:
            decided[table] = (DELETE, {}, d.reason)
        else:
            decided[table] = (KEEP, {}, retention)
    _follow_legal_duty(inputs, decided)
    links = _all_links(inputs)
    shared = _shared_rows(inputs, links, {t for t, d in decided.items() if d[0] == DELETE})
    found = {t: [r for r in rows if key_id(r.key) not in shared.get(t, {})] for t, rows in inputs.found.items()}
    # A row that stays may still point at a row planned for deletion: that row is masked instead,
    # or the database would refuse the deletion (or, with ON DELETE CASCADE, take the kept row along).
    changed = True
    while changed:
        changed = False
        for lk in links:
            child = decided.get(lk.table)
            parent = decided.get(lk.ref_table)
            if parent is None or parent[0] != DELETE:
                continue
            staying: list[FoundRow] = list(inputs.others.get(lk.table, ()))
            if child is not None and child[0] != DELETE and lk.table != lk.ref_table:
                staying += found[lk.table]
            wanted = {tuple(r.row.get(c) for c in lk.columns) for r in staying}
            if any(tuple(r.row.get(c) for c in lk.ref_columns) in wanted for r in found[lk.ref_table]):
                shape = inputs.shapes.get(lk.ref_table) or TableShape(lk.ref_table, ())
                why = (f"linked to records we must keep ({lk.table})" if child is not None and child[0] != DELETE
                       else f"other people's rows in {lk.table} refer to it")
                decided[lk.ref_table] = (MASK, _auto_masks(shape), why)
                changed = True
    steps: list[Step] = []
    for table, (action, masks, reason) in decided.items():
        rows = found[table]
        shape = inputs.shapes.get(table) or TableShape(table, ())
        for why in dict.fromkeys(shared.get(table, {}).values()):
            steps.append(Step(inputs.connection, table, KEEP, tuple(
                RowChange(dict(r.key)) for r in inputs.found[table] if shared[table].get(key_id(r.key)) == why), (), why))
        if not rows:
            continue
        if action == MASK:
            if not masks:
                raise PlanError(f"Table {table!r} of {inputs.connection!r} is to be masked but no column to mask "
                                "is known; choose the columns in its default (e.g. --mask name=null).")
            steps.append(Step(inputs.connection, table, MASK, _mask_rows(rows, masks, shape, key, rng),
                              tuple(masks), reason))
        else:
            steps.append(Step(inputs.connection, table, action, tuple(RowChange(dict(r.key)) for r in rows),
                              (), reason))
    return steps


def _shared_rows(inputs: PlanInputs, links: Sequence[Link], deleting: set[str]) -> dict[str, dict[str, str]]:
    """Rows the subject shares with other people, which stay exactly as they are: table -> key id -> reason.

    Such a row was reached only because one of the subject's rows points at it, it points at none
    of the subject's rows, and other people's rows point at it the same way (Sakila: two customers
    with one ``address``). It is theirs too: deleting it would break their rows and masking it
    would overwrite their address. Once the subject's own row is deleted it no longer refers to
    the subject. A row matched on the subject's identifiers, or one that points at the subject's
    rows (their order, their review), is the subject's own and is masked instead (the loop in
    :func:`_erasure_steps`).
    """
    def values(row: FoundRow, cols: Sequence[str]) -> tuple[Any, ...]:
        return tuple(row.row.get(c) for c in cols)

    def points_at_subject(table: str, row: FoundRow) -> bool:
        return any(values(row, lk.columns) in {values(r, lk.ref_columns) for r in inputs.found.get(lk.ref_table, ())}
                   for lk in links if lk.table == table and lk.ref_table != table)

    out: dict[str, dict[str, str]] = {}
    for lk in links:
        if lk.table == lk.ref_table or lk.ref_table not in deleting or not inputs.others.get(lk.table):
            continue
        ours = {values(r, lk.columns) for r in inputs.found.get(lk.table, ())}
        theirs = {values(r, lk.columns) for r in inputs.others[lk.table]}
        for r in inputs.found[lk.ref_table]:
            v = values(r, lk.ref_columns)
            if r.linked_only and v in ours and v in theirs and not points_at_subject(lk.ref_table, r):
                out.setdefault(lk.ref_table, {}).setdefault(
                    key_id(r.key), f"other people's rows in {lk.table} use it too: it stays unchanged for them and "
                                   "is no longer linked to the erased rows")
    return out


def _follow_legal_duty(inputs: PlanInputs, decided: dict[str, tuple[str, dict[str, Mask], str]]) -> None:
    """Rows that depend on rows kept or masked for a legal duty stay too, with the same reason.

    An order kept for the tax retention duty keeps its amounts only if its order lines stay: they
    are part of the record the law asks for. A table the officer gave its own action is left as set.
    A dependent table with personal columns is masked (its identifiers go), else kept as it is.
    """
    links = _all_links(inputs)
    changed = True
    while changed:
        changed = False
        for lk in links:
            parent, child = decided.get(lk.ref_table), decided.get(lk.table)
            if (parent is None or child is None or lk.table == lk.ref_table or child[0] != DELETE
                    or parent[0] == DELETE or not parent[2] or inputs.defaults.get(lk.table, TableDefault()).action):
                continue
            kept = {tuple(r.row.get(c) for c in lk.ref_columns) for r in inputs.found[lk.ref_table]}
            if not any(tuple(r.row.get(c) for c in lk.columns) in kept for r in inputs.found[lk.table]):
                continue
            masks = _auto_masks(inputs.shapes.get(lk.table) or TableShape(lk.table, ()))
            decided[lk.table] = (MASK, masks, parent[2]) if masks else (KEEP, {}, parent[2])
            changed = True


def _rectification_steps(inputs: PlanInputs) -> list[Step]:
    steps: list[Step] = []
    for table, edits in inputs.edits.items():
        found = {key_id(r.key): r for r in inputs.found.get(table, ())}
        rows: list[RowChange] = []
        cols: list[str] = []
        for kid, values in edits.items():
            r = found.get(kid)
            if r is None:
                raise PlanError(f"A correction in {inputs.connection!r} · {table!r} refers to a row the attached "
                                "search did not find; search again or remove the correction.")
            changed = {c: v for c, v in values.items() if r.row.get(c) != v}
            if changed:
                rows.append(RowChange(dict(r.key), changed))
                cols.extend(c for c in changed if c not in cols)
        if rows:
            steps.append(Step(inputs.connection, table, UPDATE, tuple(rows), tuple(cols), "rectification"))
    return steps


def _optout_steps(inputs: PlanInputs) -> list[Step]:
    steps: list[Step] = []
    for table, rows in inputs.found.items():
        d = inputs.defaults.get(table)
        if d is None or not d.optout:
            continue
        if d.optout == DELETE:
            steps.append(Step(inputs.connection, table, DELETE, tuple(RowChange(dict(r.key)) for r in rows), (),
                              d.reason or "opt-out of direct marketing"))
        else:
            steps.append(Step(inputs.connection, table, UPDATE,
                              tuple(RowChange(dict(r.key), dict(d.optout_set)) for r in rows),
                              tuple(d.optout_set), d.reason or "opt-out of direct marketing"))
    return steps


def summary_lines(plan: Plan) -> list[str]:
    """Per system, what was erased, masked, corrected or kept and why (for the completion letter):
    ``In shop:`` followed by one ``- table: ...`` bullet per step; a blank line between systems, or
    the letter's layout would read the next ``In ...:`` as the last bullet's continuation."""
    lines: list[str] = []
    for conn in plan.connections:
        lines += ["", f"In {conn}:"] if lines else [f"In {conn}:"]
        for s in plan.steps:
            if s.connection != conn:
                continue
            what = f"- {s.table}: {len(s.rows)} row{'s' if len(s.rows) != 1 else ''} {DONE_WORDS[s.action]}"
            if s.columns and s.action in (MASK, UPDATE):
                what += f" ({', '.join(s.columns)})"
            if s.reason and s.action in (MASK, KEEP):
                what += f", because: {s.reason}"
            lines.append(what)
    return lines


def with_rows(step: Step, rows: Sequence[RowChange]) -> Step:
    return replace(step, rows=tuple(rows))
