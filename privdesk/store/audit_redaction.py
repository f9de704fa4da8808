"""Redacting personal values out of audit entries without losing the chain's proof.

An entry's hash covers its changes, so removing a subject's name from an old entry would make
``audit verify`` report it as altered. A redaction therefore happens only together with a
*tombstone*: a new entry, appended to the chain and hashed like any other, that lists for each
redacted entry its original hash and the hash of its redacted form. The redacted entry keeps its
original ``hash`` (so the next entry's link still fits); the verifier accepts an entry whose
recomputed hash differs from the stored one only when a tombstone vouches for exactly that pair.
Changing a redacted entry afterwards, or the tombstone, is still detected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from privdesk.store.audit import encode_changes, entry_hash
from privdesk.store.request_models import AuditEntry

#: The action of a tombstone entry; its changes hold ``redacted_entries``.
TOMBSTONE_ACTION = "anonymise"
TOMBSTONE_FIELD = "redacted_entries"
REMOVED = "[removed]"


def redact_entries(session: Session, entity: str, entity_id: str,
                   keep: Callable[[str], bool]) -> list[tuple[int, str, str]]:
    """Blank every value of a field ``keep`` rejects in the entries about one thing.

    Returns ``(seq, original hash, redacted hash)`` for the tombstone; the caller appends the
    tombstone in the same transaction (without it the chain no longer verifies).
    """
    rows = session.execute(
        select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.entity, AuditEntry.entity_id,
               AuditEntry.action, AuditEntry.changes, AuditEntry.prev_hash, AuditEntry.hash)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id).order_by(AuditEntry.seq)
    ).all()
    out: list[tuple[int, str, str]] = []
    table = AuditEntry.__table__
    for r in rows:
        try:
            changes: dict[str, Any] = json.loads(r.changes)
        except ValueError:
            changes = {}
        redacted = {k: ([v if v in (None, "") else REMOVED for v in pair] if not keep(k) else pair)
                    for k, pair in changes.items() if isinstance(pair, list)}
        text = encode_changes({k: (v[0], v[1]) for k, v in redacted.items()})
        if text == r.changes:
            continue
        new_hash = entry_hash(r.prev_hash, r.seq, r.at, r.actor, r.entity, r.entity_id, r.action, text)
        # Core UPDATE on purpose: the ORM refuses to change audit entries, and this is the one
        # change the chain allows (vouched for by the tombstone appended next).
        session.execute(update(table).where(table.c.seq == r.seq).values(changes=text))  # type: ignore[arg-type]
        out.append((r.seq, r.hash, new_hash))
    return out


def tombstone_value(redacted: Iterable[tuple[int, str, str]]) -> str:
    return json.dumps([list(x) for x in redacted], separators=(",", ":"))


def vouched(session: Session) -> dict[int, tuple[str, str]]:
    """``seq -> (original hash, redacted hash)`` claimed by every tombstone in the trail.

    The claims are only as good as the tombstones; the verifier checks those like any entry.
    """
    out: dict[int, tuple[str, str]] = {}
    for changes in session.scalars(select(AuditEntry.changes).where(AuditEntry.action == TOMBSTONE_ACTION)):
        try:
            pair = json.loads(changes).get(TOMBSTONE_FIELD)
            items = json.loads(pair[1]) if pair and pair[1] else []
        except (ValueError, TypeError, AttributeError):
            continue
        for item in items:
            if isinstance(item, list) and len(item) == 3:
                out[int(item[0])] = (str(item[1]), str(item[2]))
    return out
