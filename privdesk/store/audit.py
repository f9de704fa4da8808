"""The audit log's storage rules: canonical form, hash chain and appending in a session.

Each entry's hash is SHA-256 over the canonical JSON of (previous hash, seq, at, actor, entity,
entity id, action, changes). Altering any stored field breaks that entry's hash; deleting an entry
leaves a gap in ``seq`` and breaks the next entry's ``prev_hash``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from privdesk.store.request_models import AuditEntry

GENESIS_HASH = "0" * 64
# Any constant works; it names the one lock PostgreSQL writers of the audit log queue on.
_PG_AUDIT_LOCK = 0x5052_4456


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def encode_changes(changes: Mapping[str, tuple[Any, Any]] | None) -> str:
    """``{"field": [old, new]}`` as canonical JSON text (sorted keys, no spaces)."""
    data = {k: [_jsonable(old), _jsonable(new)] for k, (old, new) in (changes or {}).items()}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, entity: str, entity_id: str,
               action: str, changes: str) -> str:
    """The hash of one entry; ``changes`` is the stored JSON text, parsed so that only its
    meaning (not its spacing) is hashed."""
    try:
        parsed: Any = json.loads(changes)
    except ValueError:
        parsed = changes
    payload = json.dumps([prev_hash, seq, at, actor, entity, entity_id, action, parsed],
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def hash_of(entry: AuditEntry) -> str:
    return entry_hash(entry.prev_hash, entry.seq, entry.at, entry.actor, entry.entity,
                      entry.entity_id, entry.action, entry.changes)


def lock_chain(session: Session) -> None:
    """Queue this transaction behind any other that is extending the chain (or numbering
    requests); released at commit.

    PostgreSQL: a transaction-scoped advisory lock. MariaDB/MySQL have none, so the one row of
    ``audit_chain_lock`` is locked ``FOR UPDATE`` (the case engine runs READ COMMITTED there, so
    the tail read after the lock sees the other writer's entry). SQLite has one writer anyway.
    """
    name = session.get_bind().dialect.name
    if name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    elif name in ("mysql", "mariadb"):
        session.execute(text("SELECT id FROM audit_chain_lock WHERE id = 1 FOR UPDATE"))


def login_of(session: Session) -> str:
    """The account the database server authenticated for this session (PostgreSQL's
    ``session_user``, MariaDB's ``USER()`` without the host), or "" on SQLite, which has none.

    Cached per connection: the login cannot change while the connection lives.
    """
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "mysql", "mariadb"):
        return ""
    conn = session.connection()
    cached = conn.info.get(_LOGIN_KEY)
    if cached is None:
        sql = "SELECT session_user" if dialect == "postgresql" else "SELECT SUBSTRING_INDEX(USER(), '@', 1)"
        cached = str(conn.execute(text(sql)).scalar() or "")
        conn.info[_LOGIN_KEY] = cached
    return str(cached)


_LOGIN_KEY = "privdesk.login"


def append(session: Session, actor: str, entity: str, entity_id: str, action: str,
           changes: Mapping[str, tuple[Any, Any]] | None = None,
           at: datetime | None = None) -> AuditEntry:
    """Add one entry to the chain inside the caller's transaction (the caller commits)."""
    # Two officers on a shared database must not both extend the chain from the same tail.
    lock_chain(session)
    session.flush()
    tail = _cached_tail(session)
    if tail is None:
        last = session.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
        tail = (0, GENESIS_HASH) if last is None else (last.seq, last.hash)
    seq, prev = tail[0] + 1, tail[1]
    stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    entry = AuditEntry(seq=seq, at=stamp, actor=actor, entity=entity, entity_id=entity_id,
                       action=action, changes=encode_changes(changes), prev_hash=prev)
    entry.hash = hash_of(entry)
    session.add(entry)
    session.flush()
    session.info[_TAIL_KEY] = (id(session.get_transaction()), entry)
    return entry


_TAIL_KEY = "privdesk.audit_tail"


def _cached_tail(session: Session) -> tuple[int, str] | None:
    """The entry this transaction appended last, so a bulk job need not re-read the tail.

    Valid only in the same transaction and while the entry is still pending in the session (a
    rolled-back savepoint expunges it); otherwise the caller reads the tail from the database.
    """
    cached = session.info.get(_TAIL_KEY)
    if cached is None:
        return None
    tx_id, entry = cached
    if tx_id != id(session.get_transaction()) or entry not in session:
        return None
    return int(entry.seq), str(entry.hash)


def head(session: Session) -> tuple[int, str]:
    """The chain's last (seq, hash) as this transaction sees it; (0, genesis) when empty."""
    cached = _cached_tail(session)
    if cached is not None:
        return cached
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (0, GENESIS_HASH) if last is None else (int(last.seq), str(last.hash))


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose values differ, as ``{field: (old, new)}``."""
    return {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
