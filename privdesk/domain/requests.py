"""Rights requests in the abstract: their types, channels, statuses and the rules between them.

The status machine lives here, not in a widget or a service, so the queue window, the command line
and the bulk actions all refuse the same illegal moves with the same sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

from privdesk.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover - annotations only; laws/deadlines import this module
    from privdesk.domain.deadlines import Deadline
    from privdesk.domain.laws import LawRule


def _key(text: str) -> str:
    """Spelling-insensitive lookup key: ``Opt_Out``, ``opt out`` and ``opt-out`` are one."""
    return "-".join(text.strip().casefold().replace("_", " ").replace("-", " ").split())


_E = TypeVar("_E", bound=StrEnum)


def _lookup(cls: type[_E], text: str, what: str, names: Callable[[_E], tuple[str, ...]] = lambda m: (m.value,),
            aliases: Mapping[str, _E] | None = None) -> _E:
    """The member ``text`` names (by value, extra names or alias), or a sentence listing the valid
    values; ``what`` reads like "request type. Valid types"."""
    key = _key(text)
    for member in cls:
        if key in {_key(n) for n in names(member)}:
            return member
    alias = (aliases or {}).get(key)
    if alias is not None:
        return alias
    valid = ", ".join(m.value for m in cls)
    raise ValidationError(f"{text.strip()!r} is not a {what}: {valid}.")


class RequestType(StrEnum):
    """What the requester asks for; the law file maps each to its article."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    OPT_OUT = "opt-out"
    PORTABILITY = "portability"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> RequestType:
        """Read a type as people write it (``deletion``, ``right to know``, ``opt_out``)."""
        return _lookup(cls, text, "request type. Valid types", aliases=_TYPE_ALIASES)


_TYPE_LABELS: Mapping[RequestType, str] = MappingProxyType({
    RequestType.ACCESS: "Access",
    RequestType.RECTIFICATION: "Rectification",
    RequestType.ERASURE: "Erasure",
    RequestType.RESTRICTION: "Restriction",
    RequestType.OBJECTION: "Objection",
    RequestType.OPT_OUT: "Opt-out",
    RequestType.PORTABILITY: "Portability",
})

_TYPE_ALIASES: Mapping[str, RequestType] = MappingProxyType({
    "know": RequestType.ACCESS,
    "right-to-know": RequestType.ACCESS,
    "sar": RequestType.ACCESS,
    "dsar": RequestType.ACCESS,
    "subject-access": RequestType.ACCESS,
    "correction": RequestType.RECTIFICATION,
    "correct": RequestType.RECTIFICATION,
    "rectify": RequestType.RECTIFICATION,
    "deletion": RequestType.ERASURE,
    "delete": RequestType.ERASURE,
    "erase": RequestType.ERASURE,
    "right-to-be-forgotten": RequestType.ERASURE,
    "restrict": RequestType.RESTRICTION,
    "limit": RequestType.RESTRICTION,
    "object": RequestType.OBJECTION,
    "optout": RequestType.OPT_OUT,
    "marketing": RequestType.OPT_OUT,
    "direct-marketing": RequestType.OPT_OUT,
    "do-not-sell": RequestType.OPT_OUT,
    "do-not-sell-or-share": RequestType.OPT_OUT,
    "data-portability": RequestType.PORTABILITY,
    "port": RequestType.PORTABILITY,
})


class Status(StrEnum):
    """Where a request stands; the allowed moves are in :data:`TRANSITIONS`."""

    RECEIVED = "received"
    VERIFYING = "verifying"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"
    COMPLETED = "completed"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def is_open(self) -> bool:
        return self not in _FINAL

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Status:
        """Read a status as typed (``in progress``, ``in-progress``, ``verifying identity``)."""
        return _lookup(cls, text, "request status. Valid statuses", names=lambda m: (m.value, m.label))


_FINAL = frozenset({Status.COMPLETED, Status.DENIED, Status.WITHDRAWN})

_STATUS_LABELS: Mapping[Status, str] = MappingProxyType({
    Status.RECEIVED: "received",
    Status.VERIFYING: "verifying identity",
    Status.IN_PROGRESS: "in progress",
    Status.EXTENDED: "extended",
    Status.COMPLETED: "completed",
    Status.DENIED: "denied",
    Status.WITHDRAWN: "withdrawn",
})


class Verification(StrEnum):
    """State of the identity check (independent of the status, shown beside it)."""

    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"

    @classmethod
    def parse(cls, text: str) -> Verification:
        return _lookup(cls, text, "verification state. Valid states")


class Channel(StrEnum):
    """How the request reached the organisation (record-keeping, and where to send the reply)."""

    EMAIL = "email"
    WEB_FORM = "web_form"
    LETTER = "letter"
    PHONE = "phone"

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Channel:
        """Read a channel as typed (``e-mail``, ``web``, ``post``)."""
        return _lookup(cls, text, "channel. Valid channels", aliases=_CHANNEL_ALIASES)


_CHANNEL_LABELS: Mapping[Channel, str] = MappingProxyType({
    Channel.EMAIL: "E-mail",
    Channel.WEB_FORM: "Web form",
    Channel.LETTER: "Letter",
    Channel.PHONE: "Phone",
})

_CHANNEL_ALIASES: Mapping[str, Channel] = MappingProxyType({
    "e-mail": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "web": Channel.WEB_FORM,
    "form": Channel.WEB_FORM,
    "webform": Channel.WEB_FORM,
    "online": Channel.WEB_FORM,
    "post": Channel.LETTER,
    "postal": Channel.LETTER,
    "paper": Channel.LETTER,
    "telephone": Channel.PHONE,
    "call": Channel.PHONE,
})

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
