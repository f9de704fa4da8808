"""Bulk actions on many requests of the queue in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from privdesk.domain.requests import Status
from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.services.requests.assignment import apply_assign
from privdesk.services.requests.common import _changes, _load, _move, _snapshot, _unit
from privdesk.services.requests.values import ENTITY, BulkResult
from privdesk.services.requests.workflow import (
    apply_decision,
    apply_extend,
    apply_start_verification,
    apply_withdraw,
)


def bulk_assign(ctx: AppContext, references: Sequence[str], assignee_id: int | None,
                actor: str) -> BulkResult:
    """Assign many requests in one transaction (all or nothing)."""
    changed = []
    with _unit(ctx) as s:
        for ref in references:
            r = _load(s, ref)
            if r.assignee_id == assignee_id:
                continue
            before = _snapshot(r)
            apply_assign(s, r, assignee_id)
            s.flush()
            audit.append(s, actor, ENTITY, r.reference, "assign", _changes(before, r))
            changed.append(r.reference)
    return BulkResult(tuple(changed))


def bulk_status(ctx: AppContext, references: Sequence[str], status: str, actor: str,
                reason: str = "", today: date | None = None) -> BulkResult:
    """Move many requests where the status machine allows it; the others are listed with why."""
    today = today or date.today()
    new = Status.parse(status)
    changed: list[str] = []
    skipped: list[tuple[str, str]] = []
    with _unit(ctx) as s:
        for ref in references:
            r = _load(s, ref)
            before = _snapshot(r)
            try:
                with s.begin_nested():
                    if new is Status.VERIFYING:
                        apply_start_verification(s, r)
                    elif new is Status.EXTENDED:
                        apply_extend(s, r, reason, today)
                    elif new in (Status.COMPLETED, Status.DENIED):
                        apply_decision(r, new, reason, actor, "", today)
                    elif new is Status.WITHDRAWN:
                        apply_withdraw(r, reason, actor, today)
                    else:
                        _move(r, new)
                    s.flush()
            except ValidationError as exc:
                s.refresh(r)
                skipped.append((r.reference, exc.message))
                continue
            audit.append(s, actor, ENTITY, r.reference, new.value, _changes(before, r))
            changed.append(r.reference)
    return BulkResult(tuple(changed), tuple(skipped))


