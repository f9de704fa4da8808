"""Withholding part of a subject's copy (GDPR Art. 15(4) and each law's exemptions).

The grounds are data (``resources/register/grounds.toml``): a key the officer picks, the sentence
the letter prints, and the citation. A withholding names rows (by their key) or a column of one
table in the snapshot; :func:`withheld` decides for one row and column whether it is left out, so
the letter's appendix and the portability file apply the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from privdesk.domain.rulefiles import RuleReader, load_rule_file
from privdesk.errors import ValidationError


@dataclass(frozen=True)
class Ground:
    key: str
    label: str
    citation: str

    def describe(self) -> str:
        return f"{self.label} ({self.citation})"


@dataclass(frozen=True)
class Withholding:
    """What the officer left out: all rows of a table, some rows (``key``), or a ``column``."""

    connection: str
    table: str
    key: Mapping[str, Any] | None
    column: str
    ground: str
    reason: str
    by: str = ""
    id: int | None = None

    def covers_row(self, connection: str, table: str, key: Mapping[str, Any]) -> bool:
        """True when the whole row is left out (a row or table withholding without a column)."""
        return (not self.column and connection == self.connection and table == self.table
                and (self.key is None or _same_key(self.key, key)))

    def covers_column(self, connection: str, table: str, key: Mapping[str, Any], column: str) -> bool:
        return (bool(self.column) and column == self.column and connection == self.connection
                and table == self.table and (self.key is None or _same_key(self.key, key)))

    def describe(self) -> str:
        """What was left out, in words for the letter (no values: those are what is withheld)."""
        where = f"{self.connection} · {self.table}"
        if self.column:
            rows = "one record" if self.key is not None else "the records"
            return f"the field {self.column} of {rows} from {where}"
        return f"one record from {where}" if self.key is not None else f"all records from {where}"


def _same_key(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Keys compare as text so a key typed as JSON (``{"id": 7}`` or ``{"id": "7"}``) matches."""
    return set(a) == set(b) and all(str(a[k]) == str(b[k]) for k in a)


def filter_row(row: Mapping[str, Any], connection: str, table: str, key: Mapping[str, Any],
               rules: tuple[Withholding, ...]) -> dict[str, Any] | None:
    """The row as it may be disclosed: None when withheld whole, else without withheld columns."""
    if any(w.covers_row(connection, table, key) for w in rules):
        return None
    return {c: v for c, v in row.items() if not any(w.covers_column(connection, table, key, c) for w in rules)}


def grounds_for(law: str) -> dict[str, Ground]:
    """The grounds the law allows (the default list for a law without its own)."""
    data = _grounds()
    return data.get(law) or data["default"]


def ground(law: str, key: str) -> Ground:
    choices = grounds_for(law)
    found = choices.get(key.strip().lower())
    if found is None:
        raise ValidationError(f"{key!r} is not a ground for withholding under this law; grounds: "
                              f"{', '.join(choices)}.")
    return found


_WHAT = "Withholding grounds file"


@lru_cache(maxsize=1)
def _grounds() -> dict[str, dict[str, Ground]]:
    from privdesk.paths import resource_path

    return load_grounds(resource_path("register", "grounds.toml"))


def load_grounds(path: Path) -> dict[str, dict[str, Ground]]:
    """The grounds of each law in a grounds file (one table per law id, one per ground with its
    label and citation); refused with the file, line and key when one is wrong."""
    return load_rule_file(path, _WHAT, _parse_grounds)


def _parse_grounds(path: Path, data: Mapping[str, Any]) -> dict[str, dict[str, Ground]]:
    top = RuleReader(path, data, _WHAT)
    out: dict[str, dict[str, Ground]] = {}
    for law in data:
        table = top.table(law)
        grounds: dict[str, Ground] = {}
        for key in table.data:
            spec = table.table(key)
            grounds[key] = Ground(key, spec.text("label"), spec.text("citation"))
            spec.done()
        out[law] = grounds
    if "default" not in out:
        raise top.fail("default", "is missing: it holds the grounds of every law without a table of its own.")
    return out
