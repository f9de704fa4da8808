"""The words of a rights request: its types, statuses, identity verification and channels.

They sit below everything else in the domain (laws, deadlines and the status machine all use
them and this module imports none of those), so the domain's imports run one way:
``request_types`` <- ``laws`` <- ``deadlines`` <- ``requests``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from privdesk.errors import ValidationError


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
