"""Rights requests in the abstract: the status machine and the rules between a request, its law
and its deadline.

The status machine lives here, not in a widget or a service, so the queue window, the command line
and the bulk actions all refuse the same illegal moves with the same sentence. The request types,
statuses and channels themselves are in :mod:`privdesk.domain.request_types` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

from privdesk.domain.request_types import Channel, RequestType, Status, Verification
from privdesk.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover - annotations only (deadlines loads the holiday tables)
    from privdesk.domain.deadlines import Deadline
    from privdesk.domain.laws import LawRule

__all__ = [
    "TRANSITIONS", "Channel", "RequestType", "Status", "Verification", "allowed_actions",
    "check_extension", "check_received", "check_transition", "legal_basis",
]


TRANSITIONS: Mapping[Status, frozenset[Status]] = MappingProxyType({
    Status.RECEIVED: frozenset({Status.VERIFYING, Status.IN_PROGRESS, Status.DENIED, Status.WITHDRAWN}),
    Status.VERIFYING: frozenset({Status.IN_PROGRESS, Status.DENIED, Status.WITHDRAWN}),
    Status.IN_PROGRESS: frozenset({Status.EXTENDED, Status.COMPLETED, Status.DENIED, Status.WITHDRAWN}),
    Status.EXTENDED: frozenset({Status.COMPLETED, Status.DENIED, Status.WITHDRAWN}),
    Status.COMPLETED: frozenset(),
    Status.DENIED: frozenset(),
    Status.WITHDRAWN: frozenset(),
})

# Why a move is refused, for the pairs people actually try; other pairs get the generic sentence.
_REASONS: Mapping[tuple[Status, Status], str] = MappingProxyType({
    (Status.RECEIVED, Status.EXTENDED): "work must have started (in progress) before the deadline can be extended",
    (Status.VERIFYING, Status.EXTENDED): "identity must be settled and work started before the deadline can be extended",
    (Status.RECEIVED, Status.COMPLETED): "a request is completed from 'in progress' or 'extended', after the work is done",
    (Status.VERIFYING, Status.COMPLETED): "identity verification has not finished, so the request cannot be answered yet",
    (Status.IN_PROGRESS, Status.VERIFYING): "identity is verified before work starts; it cannot go back to verification",
    (Status.EXTENDED, Status.VERIFYING): "identity is verified before work starts; it cannot go back to verification",
    (Status.EXTENDED, Status.IN_PROGRESS): "an extension cannot be undone; the request stays extended until it is closed",
    (Status.IN_PROGRESS, Status.RECEIVED): "a request never goes back to 'received'",
    (Status.VERIFYING, Status.RECEIVED): "a request never goes back to 'received'",
    (Status.EXTENDED, Status.RECEIVED): "a request never goes back to 'received'",
    (Status.EXTENDED, Status.EXTENDED): "the deadline was already extended; a law allowing repeated extensions records them without a status change",
})


def allowed_actions(current: Status) -> list[Status]:
    """The statuses a request may move to next, in workflow order (for buttons and menus)."""
    return [s for s in Status if s in TRANSITIONS[current]]


def check_transition(current: Status, new: Status) -> None:
    """Refuse an illegal status change with a reason a person understands."""
    if new in TRANSITIONS[current]:
        return
    if current.is_final:
        reason = f"the request is already {current.label} and closed requests do not change status"
    elif current == new:
        reason = f"the request is already {current.label}"
    else:
        reason = _REASONS.get((current, new), "that is not a step of the request workflow")
    allowed = ", ".join(s.label for s in allowed_actions(current)) or "none"
    raise ValidationError(
        f"Cannot move a request from '{current.label}' to '{new.label}': {reason}. Allowed next: {allowed}."
    )


def check_extension(law: LawRule, deadline: Deadline, today: date, reason: str, already_extended: bool) -> None:
    """Refuse an extension the law does not allow (the service then moves the status to extended).

    Order matters for the message: a missing reason is the officer's to fix, the rest is the law.
    """
    if not reason.strip():
        raise ValidationError("An extension needs a reason: the requester must be told why the reply is late.")
    if law.extension is None:
        raise ValidationError(
            f"The {law.short_name} does not allow extending the deadline; the reply is due by {deadline.due.isoformat()}."
        )
    if deadline.extended_due is None:
        raise ValidationError(
            f"A {deadline.type.label.lower()} request under the {law.short_name} cannot be extended; "
            f"it is due by {deadline.due.isoformat()}."
        )
    if already_extended and not law.extension.repeatable:
        raise ValidationError(
            f"This request was already extended; the {law.short_name} allows one extension only "
            f"({law.extension.citation})."
        )
    if law.extension.notice_within_first_period and today > deadline.due:
        raise ValidationError(
            f"Too late to extend: the deadline {deadline.due.isoformat()} has passed, and the "
            f"{law.short_name} requires the requester to be told of an extension before it "
            f"({law.extension.citation})."
        )


def legal_basis(law: LawRule, rtype: RequestType) -> str:
    """The article a letter cites for this right under this law, e.g. ``GDPR Art. 15``."""
    return law.types[rtype].citation


def check_received(received: date, today: date) -> None:
    """A request cannot arrive in the future (catches day/month swaps at intake)."""
    if received > today:
        raise ValidationError(
            f"The received date {received.isoformat()} is in the future (today is {today.isoformat()})."
        )
