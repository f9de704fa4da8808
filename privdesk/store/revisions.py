"""The packaged migrations' revision ids, read from the files' text without importing Alembic.

Start-up only needs to know whether the stored schema is the packaged head (and that it is not
from a newer PrivDesk); Alembic and its script loader cost about 0.2 s, so they are imported only
when a migration actually runs. ``tests/integration/test_store.py`` checks these ids against
Alembic's own view of the scripts.
"""

from __future__ import annotations

import ast
import functools
import re

from privdesk.paths import package_path

VERSIONS_DIR = package_path("store", "migrations", "versions")

_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@functools.cache
def packaged_revisions() -> dict[str, tuple[str, ...]]:
    """Every packaged revision id mapped to the revisions it follows (its ``down_revision``)."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in sorted(VERSIONS_DIR.glob("*.py")):
        found: dict[str, str] = {m[1]: m[2] for m in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8"))}
        if "revision" not in found:
            continue
        rev = ast.literal_eval(found["revision"])
        down = ast.literal_eval(found.get("down_revision", "None"))
        if down is None:
            parents: tuple[str, ...] = ()
        elif isinstance(down, str):
            parents = (down,)
        else:
            parents = tuple(down)
        revisions[str(rev)] = parents
    return revisions


@functools.cache
def packaged_heads() -> tuple[str, ...]:
    """The revisions no other revision follows: what an up-to-date database has stored."""
    revisions = packaged_revisions()
    followed = {parent for parents in revisions.values() for parent in parents}
    return tuple(sorted(rev for rev in revisions if rev not in followed))
