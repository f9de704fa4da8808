"""The steps of the status machine: identity verification, extension, completion, denial,
withdrawal, any status change by name, and notes. Each public function is one unit of work
(:func:`~privdesk.services.requests.common._mutate`); the ``apply_*`` functions are the same steps
on an already loaded row, for bulk actions and intake.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from privdesk.domain.laws import get_law
from privdesk.domain.requests import Status, Verification, check_extension
from privdesk.errors import ValidationError
from privdesk.services.context import AppContext
from privdesk.services.requests.clock import _recompute, current_deadline
from privdesk.services.requests.common import _move, _mutate, _require_reason, parse_date
from privdesk.services.requests.values import RequestDetail
from privdesk.store.request_models import Request


def apply_start_verification(s: Session, r: Request) -> None:
    _move(r, Status.VERIFYING)
    if r.verification != Verification.VERIFIED.value:
        r.verification = Verification.PENDING.value


def apply_verify(s: Session, r: Request, on: date, failed: bool, today: date) -> None:
    if Status(r.status).is_final:
        raise ValidationError(f"{r.reference} is {r.status}; its identity can no longer be verified.")
    if on > today:
        raise ValidationError(f"The verification date {on.isoformat()} is in the future.")
    if on < r.received:
        raise ValidationError(f"The verification date {on.isoformat()} is before the request was "
                              f"received ({r.received.isoformat()}).")
    if failed:
        r.verification = Verification.FAILED.value
        return
    r.verification = Verification.VERIFIED.value
    r.verified_on = on
    if r.status in (Status.RECEIVED.value, Status.VERIFYING.value):
        _move(r, Status.IN_PROGRESS)
    if get_law(r.law).clock_starts_on_verification:
        # The law starts the clock only once identity is confirmed: restart it from that day.
        _recompute(s, r, on)


def apply_extend(s: Session, r: Request, reason: str, today: date) -> None:
    reason = _require_reason(reason, "An extension")
    law = get_law(r.law)
    check_extension(law, current_deadline(s, r), today, reason, bool(r.extension_reason))
    _move(r, Status.EXTENDED)
    if r.extended_due is None:
        raise ValidationError(f"{law.short_name} has no extension.")
    r.extension_reason = reason
    r.deadline = r.extended_due


def apply_decision(r: Request, status: Status, reason: str, actor: str, outcome: str, today: date) -> None:
    what = "Completing a request" if status is Status.COMPLETED else "Denying a request"
    reason = _require_reason(reason, what)
    _move(r, status)
    r.decision_reason, r.decided_by, r.decided_on = reason, actor, today
    if outcome.strip():
        r.outcome = outcome.strip()


def apply_withdraw(r: Request, reason: str, actor: str, today: date) -> None:
    _move(r, Status.WITHDRAWN)
    r.decision_reason = reason.strip() or "Withdrawn by the data subject."
    r.decided_by, r.decided_on = actor, today


def start_verification(ctx: AppContext, reference: str, actor: str,
                       expected_version: int | None = None) -> RequestDetail:
    """Received -> verifying identity (the verification is now pending)."""
    return _mutate(ctx, reference, actor, "verifying", lambda s, r: apply_start_verification(s, r),
                   expected_version)


def verify_identity(ctx: AppContext, reference: str, actor: str, on: date | str | None = None,
                    failed: bool = False, expected_version: int | None = None,
                    today: date | None = None) -> RequestDetail:
    """Record the identity check; where the law says so the clock restarts from that day."""
    today = today or date.today()
    day = parse_date(on, "verification date") if on is not None else today
    return _mutate(ctx, reference, actor, "verify-failed" if failed else "verify",
                   lambda s, r: apply_verify(s, r, day, failed, today), expected_version)


def extend(ctx: AppContext, reference: str, reason: str, actor: str,
           expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    """Extend the deadline once, with a reason, while the law still allows it."""
    today = today or date.today()
    return _mutate(ctx, reference, actor, "extend", lambda s, r: apply_extend(s, r, reason, today),
                   expected_version)


def complete(ctx: AppContext, reference: str, reason: str, actor: str, outcome: str = "",
             expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    today = today or date.today()
    return _mutate(ctx, reference, actor, "complete",
                   lambda s, r: apply_decision(r, Status.COMPLETED, reason, actor, outcome, today),
                   expected_version)


def deny(ctx: AppContext, reference: str, reason: str, actor: str, outcome: str = "",
         expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    today = today or date.today()
    return _mutate(ctx, reference, actor, "deny",
                   lambda s, r: apply_decision(r, Status.DENIED, reason, actor, outcome, today),
                   expected_version)


def withdraw(ctx: AppContext, reference: str, actor: str, reason: str = "",
             expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    today = today or date.today()
    return _mutate(ctx, reference, actor, "withdraw", lambda s, r: apply_withdraw(r, reason, actor, today),
                   expected_version)


def change_status(ctx: AppContext, reference: str, status: str, actor: str, reason: str = "",
                  expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    """Any move of the status machine by name (the detail pane's buttons, bulk actions)."""
    new = Status.parse(status)
    if new is Status.VERIFYING:
        return start_verification(ctx, reference, actor, expected_version)
    if new is Status.EXTENDED:
        return extend(ctx, reference, reason, actor, expected_version, today)
    if new is Status.COMPLETED:
        return complete(ctx, reference, reason, actor, expected_version=expected_version, today=today)
    if new is Status.DENIED:
        return deny(ctx, reference, reason, actor, expected_version=expected_version, today=today)
    if new is Status.WITHDRAWN:
        return withdraw(ctx, reference, actor, reason, expected_version, today)
    return _mutate(ctx, reference, actor, new.value, lambda s, r: _move(r, new), expected_version)


def add_note(ctx: AppContext, reference: str, text: str, actor: str,
             expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    text = text.strip()
    if not text:
        raise ValidationError("The note is empty.")
    stamp = (today or date.today()).isoformat()

    def change(_s: Session, r: Request) -> None:
        r.notes = (r.notes + "\n" if r.notes else "") + f"{stamp} {actor}: {text}"
        r._audit_extra = {"note": (None, text)}  # type: ignore[attr-defined]

    return _mutate(ctx, reference, actor, "note", change, expected_version)

