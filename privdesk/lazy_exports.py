"""A package that re-exports its modules' public names without importing them all at once.

``privdesk.services.requests.extend`` keeps working, but importing the package no longer loads
every room of it: each name's module is imported the first time the name is looked up (PEP 562).
A command that lists requests then loads the queue, not bulk actions, CSV export and merging.
The package still lists its names in an ``if TYPE_CHECKING:`` block of imports, so type checkers
and readers see them, and ``tests/unit/test_lazy_exports.py`` keeps that block and the table
given here the same.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(package: str, table: Mapping[str, Iterable[str]]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, given ``{module: names}`` of its rooms."""
    where = {name: f"{package}.{module}" for module, names in table.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # found once; later lookups are plain attributes
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
