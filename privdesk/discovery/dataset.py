"""fideslang dataset files: PrivDesk's identifier map and links in the format of the fides privacy
tooling (https://ethyca.github.io/fideslang/), so a map made in one tool is not typed again in
the other.

Mapping (both ways):

* collection = table, field = column; a field's ``data_categories`` carry the identifier kind
  (:data:`KIND_CATEGORIES`), ``fides_meta.identity`` marks e-mail and phone columns of person
  tables (the fields a subject is looked up by);
* a link ``orders.customer_id -> customers.id`` is a ``references`` entry on ``orders.customer_id``
  with ``field: customers.id``; ``direction`` says which way a subject search walks it: ``from``
  when the key is a person's (rows found from the person), ``to`` otherwise (a value of the row).
  On import the referencing field is the link's start whatever the direction;
* table roles set by the officer and excluded tables go in the dataset's free-form ``meta``.

Files are read with PyYAML (line numbers kept for errors) and checked with fideslang's own
pydantic models, imported on first use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from privdesk.discovery import classify, ownership
from privdesk.discovery.introspect import ColumnMap
from privdesk.discovery.links import Link
from privdesk.errors import ValidationError

KIND_CATEGORIES: dict[str, str] = {
    classify.EMAIL: "user.contact.email",
    classify.PHONE: "user.contact.phone_number",
    classify.FULL_NAME: "user.name",
    classify.FIRST_NAME: "user.name.first",
    classify.LAST_NAME: "user.name.last",
    classify.BIRTH_DATE: "user.demographic.date_of_birth",
    classify.ADDRESS: "user.contact.address.street",
    classify.POSTCODE: "user.contact.address.postal_code",
    classify.IP: "user.device.ip_address",
    classify.NATIONAL_ID: "user.government_id.national_identification_number",
    classify.CUSTOMER_ID: "user.unique_id",
}
_IDENTITIES = {classify.EMAIL: "email", classify.PHONE: "phone_number"}
META_KEY = "privdesk"


def kind_of_categories(categories: Sequence[str]) -> str | None:
    """The identifier kind of a field's data categories: the most specific one PrivDesk knows
    (``user.contact.email.work`` -> e-mail), or None."""
    best: tuple[int, str] | None = None
    for cat in categories:
        for kind, root in KIND_CATEGORIES.items():
            if cat == root or cat.startswith(root + "."):
                if best is None or len(root) > best[0]:
                    best = (len(root), kind)
    return best[1] if best else None


def to_dataset(cmap: ColumnMap, links: Sequence[Link], fides_key: str) -> dict[str, Any]:
    """The map and the accepted (and manual) links as one fides dataset (plain data for YAML)."""
    by_from: dict[tuple[str, str], list[Link]] = {}
    for lk in links:
        if len(lk.from_columns) == 1:
            by_from.setdefault((lk.from_table, lk.from_columns[0]), []).append(lk)
    roles = {t.table: t.role for t in cmap.tables}
    collections: list[dict[str, Any]] = []
    for t in cmap.tables:
        fields: list[dict[str, Any]] = []
        for c in t.columns:
            f: dict[str, Any] = {"name": c.column}
            meta: dict[str, Any] = {}
            if c.kind and c.kind in KIND_CATEGORIES:
                f["data_categories"] = [KIND_CATEGORIES[c.kind]]
                if t.role.role == ownership.PERSON and c.kind in _IDENTITIES:
                    meta["identity"] = _IDENTITIES[c.kind]
            if c.primary_key:
                meta["primary_key"] = True
            refs = []
            for lk in by_from.get((t.table, c.column), []):
                target = roles.get(lk.to_table)
                direction = "from" if target is not None and target.role == ownership.PERSON else "to"
                refs.append({"dataset": fides_key, "field": f"{lk.to_table}.{lk.to_columns[0]}",
                             "direction": direction})
            if refs:
                meta["references"] = refs
            if meta:
                f["fides_meta"] = meta
            fields.append(f)
        collections.append({"name": t.table, "fields": fields})
    extra: dict[str, Any] = {}
    overrides = {t.table: t.role.role for t in cmap.tables if t.role.source == "override"}
    if overrides:
        extra["roles"] = overrides
    excluded = sorted(t.table for t in cmap.tables if t.excluded)
    if excluded:
        extra["excluded"] = excluded
    out: dict[str, Any] = {"fides_key": fides_key, "name": cmap.connection,
                           "description": f"PrivDesk identifier map of the connection {cmap.connection}",
                           "collections": collections}
    if extra:
        out["meta"] = {META_KEY: extra}
    return {"dataset": [out]}


# -- reading ---------------------------------------------------------------------------------------

@dataclass
class DatasetImport:
    """What a dataset file asks for, checked against the connection's schema; applied at once."""

    kinds: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, column) -> kind or "none"
    links: list[Link] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    excluded: set[str] = field(default_factory=set)


def _lines(node: Any, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    import yaml

    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out[(*path, k.value)] = k.start_mark.line + 1
            _lines(v, (*path, k.value), out)
            out[(*path, k.value)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _lines(v, (*path, i), out)


def _line_of(lines: Mapping[tuple[Any, ...], int], path: tuple[Any, ...]) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _refuse(name: str, line: int, reason: str) -> ValidationError:
    return ValidationError(f"{name}, line {line}: {reason}. Nothing was imported.")


def read_dataset(text: str, name: str, cmap: ColumnMap) -> DatasetImport:
    """Parse and check a fides dataset file against the connection's map; refuse a malformed file
    with its line and the reason (nothing applied: the caller applies the result in one go)."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise _refuse(name, line, f"not valid YAML ({getattr(exc, 'problem', None) or exc})") from exc
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _lines(node, (), lines)
    if not isinstance(data, dict) or not isinstance(data.get("dataset"), list) or not data["dataset"]:
        raise _refuse(name, 1, "a fides dataset file starts with 'dataset:' and a list of datasets")
    if len(data["dataset"]) != 1:
        raise _refuse(name, _line_of(lines, ("dataset", 1)), "the file holds several datasets; give one per connection")
    raw = data["dataset"][0]
    _validate_with_fideslang(raw, name, lines)
    out = DatasetImport()
    for ci, coll in enumerate(raw.get("collections") or []):
        tname = str(coll.get("name"))
        tmap = cmap.table(tname)
        if tmap is None:
            raise _refuse(name, _line_of(lines, ("dataset", 0, "collections", ci, "name")),
                          f"the connection {cmap.connection!r} has no table {tname!r}")
        cols = {c.column for c in tmap.columns}
        for fi, fld in enumerate(coll.get("fields") or []):
            fname = str(fld.get("name"))
            at = ("dataset", 0, "collections", ci, "fields", fi)
            if fname not in cols:
                raise _refuse(name, _line_of(lines, (*at, "name")), f"the table {tname!r} has no column {fname!r}")
            cats = [str(x) for x in fld.get("data_categories") or []]
            meta = fld.get("fides_meta") or {}
            kind = kind_of_categories(cats)
            identity = meta.get("identity")
            if kind is None and identity:
                kind = {"email": classify.EMAIL, "phone_number": classify.PHONE}.get(str(identity), classify.CUSTOMER_ID)
            out.kinds[(tname, fname)] = kind or classify.NONE
            for ri, ref in enumerate(meta.get("references") or []):
                target = str(ref.get("field", ""))
                where = _line_of(lines, (*at, "fides_meta", "references", ri, "field"))
                if "." not in target:
                    raise _refuse(name, where, f"a reference names 'table.column', not {target!r}")
                ttable, tcol = target.rsplit(".", 1)
                tinfo = cmap.schema.table(ttable)
                if tinfo is None or tinfo.column(tcol) is None:
                    raise _refuse(name, where, f"the reference {target!r} names no column of the connection")
                out.links.append(Link(tname, (fname,), ttable, (tcol,), "accepted", None,
                                      {"imported_from": name, "direction": str(ref.get("direction") or "")},
                                      "dataset"))
    extra = (raw.get("meta") or {}).get(META_KEY) or {}
    for table, role in (extra.get("roles") or {}).items():
        if cmap.table(str(table)) is None or role not in ownership.TABLE_ROLES:
            raise _refuse(name, _line_of(lines, ("dataset", 0, "meta", META_KEY, "roles", table)),
                          f"{table!r}: {role!r} is not a table of the connection with a role "
                          f"({', '.join(ownership.TABLE_ROLES)})")
        out.roles[str(table)] = str(role)
    for table in extra.get("excluded") or []:
        if cmap.table(str(table)) is None:
            raise _refuse(name, _line_of(lines, ("dataset", 0, "meta", META_KEY, "excluded")),
                          f"the connection has no table {table!r}")
        out.excluded.add(str(table))
    return out


def _validate_with_fideslang(raw: Any, name: str, lines: Mapping[tuple[Any, ...], int]) -> None:
    """fideslang's own model says whether the file is a valid dataset (fields, references,
    directions); its first complaint is reported with the line it points at."""
    from fideslang.models import Dataset
    from pydantic import ValidationError as PydanticError

    try:
        Dataset.model_validate(raw)
    except PydanticError as exc:
        err = exc.errors()[0]
        loc = tuple(err.get("loc", ()))
        where = ".".join(str(x) for x in loc) or "dataset"
        raise _refuse(name, _line_of(lines, ("dataset", 0, *loc)), f"{where}: {err.get('msg', 'invalid')}") from exc


def dump_dataset(data: Mapping[str, Any]) -> str:
    """YAML text of a dataset, validated by fideslang first (what we write, fides reads)."""
    import yaml
    from fideslang.models import Dataset

    for ds in data["dataset"]:
        Dataset.model_validate(ds)
    return str(yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True))
