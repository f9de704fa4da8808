"""The audit trail: who changed what, when, from which value to which.

Every service that changes a request calls :func:`append` inside its own unit of work, so the
change and its audit entry commit together or not at all. :func:`verify` walks the whole chain.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from privdesk.domain.identity import Actor, parse_actor
from privdesk.services.context import AppContext, os_login
from privdesk.store import audit as store_audit
from privdesk.store.audit_redaction import vouched
from privdesk.store.request_models import AuditEntry

log = logging.getLogger("privdesk.audit")


@dataclass(frozen=True)
class AuditEvent:
    """One entry of the trail, as shown in a timeline."""

    seq: int
    at: str
    actor: str
    entity: str
    entity_id: str
    action: str
    changes: dict[str, tuple[Any, Any]]
    #: the login recorded beside the officer ("" for entries written before logins were kept)
    login: str = ""

    @property
    def who(self) -> Actor:
        return Actor(self.actor, self.login)

    def describe(self) -> str:
        """``status: received -> verifying; assignee: - -> Priya`` for a timeline line."""
        parts = []
        for field, (old, new) in sorted(self.changes.items()):
            parts.append(f"{field}: {_short(old)} -> {_short(new)}")
        return "; ".join(parts)


def _short(value: Any) -> str:
    if value is None or value == "":
        return "-"
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain; ``broken_seq`` is the first entry that does not fit."""

    ok: bool
    entries: int
    broken_seq: int | None = None
    problem: str = ""

    def message(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.entries} entries"
        return f"audit trail broken at entry {self.broken_seq}: {self.problem}"


def append(session: Session, actor: str, entity: str, entity_id: str, action: str,
           changes: Mapping[str, tuple[Any, Any]] | None = None) -> int:
    """Record one change in the caller's transaction; returns the entry's sequence number.

    ``actor`` is the officer chosen in the app; beside it goes the login that the case database
    authenticated (PostgreSQL, MariaDB) or, on SQLite, the operating-system account, so that a
    changed choice of officer cannot hide who was signed in.
    """
    login = store_audit.login_of(session) or os_login()
    who = Actor(actor or "unknown", login).encode()
    return store_audit.append(session, who, entity, entity_id, action, changes).seq


def verify(ctx: AppContext) -> VerifyResult:
    """Recompute every hash in order and report the first altered or missing entry."""
    expected_seq, prev_hash, count = 1, store_audit.GENESIS_HASH, 0
    with ctx.db.session() as s:
        redacted = vouched(s)  # entries a retention tombstone later in the chain vouches for
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000))
        for entry in rows.scalars():
            if entry.seq != expected_seq:
                missing = (f"entry {expected_seq} is missing" if entry.seq == expected_seq + 1
                           else f"entries {expected_seq} to {entry.seq - 1} are missing")
                return _broken(count, expected_seq, f"{missing} (deleted); the next entry is {entry.seq}")
            if entry.prev_hash != prev_hash:
                return _broken(count, entry.seq, "its link to the previous entry does not match "
                                                 "(the previous entry was altered or replaced)")
            computed = store_audit.hash_of(entry)
            if computed != entry.hash and redacted.get(entry.seq) != (entry.hash, computed):
                return _broken(count, entry.seq, f"its content was altered after it was written "
                                                 f"({entry.action} on {entry.entity} {entry.entity_id})")
            prev_hash, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    log.info("audit trail verified: %d entries", count)
    return VerifyResult(ok=True, entries=count)


def _broken(count: int, seq: int, problem: str) -> VerifyResult:
    log.warning("audit trail broken at entry %d", seq)
    return VerifyResult(ok=False, entries=count, broken_seq=seq, problem=problem)


def _event(e: AuditEntry) -> AuditEvent:
    try:
        raw = json.loads(e.changes)
    except ValueError:
        raw = {}
    changes = {k: (v[0], v[1]) for k, v in raw.items() if isinstance(v, list) and len(v) == 2}
    who = parse_actor(e.actor)
    return AuditEvent(e.seq, e.at, who.officer, e.entity, e.entity_id, e.action, changes, who.login)


def history(ctx: AppContext, entity: str, entity_id: str) -> list[AuditEvent]:
    """Every entry about one thing, oldest first (the detail pane's timeline)."""
    with ctx.db.session() as s:
        q = (select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
             .order_by(AuditEntry.seq))
        return [_event(e) for e in s.scalars(q)]


def recent(ctx: AppContext, limit: int = 50) -> list[AuditEvent]:
    with ctx.db.session() as s:
        q = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        return [_event(e) for e in s.scalars(q)]
