"""The plain values the request services take and return (frozen dataclasses, never ORM rows,
so nothing lazy-loads on the GUI thread after the session closed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from privdesk.domain.requests import Status

# Statements are built up in steps; their column types do not matter to the filters.
_Stmt: TypeAlias = Any

ENTITY = "request"
IDENTIFIER_KINDS = ("email", "phone", "customer_id")
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s.is_open)
FINAL_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s.is_final)
_REF_RE = re.compile(r"^DSR-(\d{4})-(\d{4,})$")


@dataclass(frozen=True)
class Identifier:
    kind: str
    value: str
    normalised: str


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    path: str
    sha256: str
    size: int
    added_by: str


@dataclass(frozen=True)
class NewRequest:
    """What an officer types (or an import supplies) to open a request. Dates may be text."""

    type: str
    law: str
    received: date | str
    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    customer_ids: tuple[str, ...] = ()
    channel: str = "email"
    address: str = ""
    requester: str = ""
    notes: str = ""
    assignee_id: int | None = None
    holiday_country: str = ""
    holiday_subdivision: str = ""
    verification: str = ""


@dataclass(frozen=True)
class RequestRow:
    """One line of the queue."""

    id: int
    reference: str
    subject_name: str
    primary_email: str
    type: str
    law: str
    received: date
    deadline: date
    status: str
    verification: str
    assignee_id: int | None
    assignee_name: str
    paused: bool

    def days_left(self, today: date | None = None) -> int:
        return (self.deadline - (today or date.today())).days

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class RequestDetail:
    """Everything about one request, for the detail pane and ``request show``."""

    id: int
    reference: str
    type: str
    law: str
    law_name: str
    channel: str
    received: date
    clock_start: date
    due: date
    extended_due: date | None
    acknowledge_by: date | None
    deadline: date
    extended: bool
    extension_reason: str
    subject_name: str
    subject_address: str
    requester: str
    verification: str
    verified_on: date | None
    assignee_id: int | None
    assignee_name: str
    status: str
    outcome: str
    decision_reason: str
    decided_by: str
    decided_on: date | None
    notes: str
    holiday_country: str
    holiday_subdivision: str
    duplicate_of: str
    merged_into: str
    version: int
    legal_basis: str
    paused: bool
    paused_since: date | None = None
    pauses: tuple[tuple[date, date | None], ...] = ()
    can_pause: bool = False
    identifiers: tuple[Identifier, ...] = ()
    attachments: tuple[AttachmentInfo, ...] = ()
    actions: tuple[str, ...] = ()

    @property
    def emails(self) -> list[str]:
        return [i.value for i in self.identifiers if i.kind == "email"]

    @property
    def phones(self) -> list[str]:
        return [i.value for i in self.identifiers if i.kind == "phone"]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def days_left(self, today: date | None = None) -> int:
        return (self.deadline - (today or date.today())).days

    def to_json(self) -> dict[str, Any]:
        """The ``deadline`` command's keys first, then the request's own."""
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "law": self.law, "type": self.type, "received": iso(self.received), "due": iso(self.due),
            "extended_due": iso(self.extended_due), "acknowledge_by": iso(self.acknowledge_by),
            "reference": self.reference, "status": self.status, "subject": self.subject_name,
            "deadline": iso(self.deadline), "extended": self.extended,
            "clock_start": iso(self.clock_start), "channel": self.channel,
            "emails": self.emails, "phones": self.phones,
            "customer_ids": [i.value for i in self.identifiers if i.kind == "customer_id"],
            "address": self.subject_address, "requester": self.requester,
            "verification": self.verification, "verified_on": iso(self.verified_on),
            "assignee": self.assignee_name or None, "outcome": self.outcome,
            "decision_reason": self.decision_reason, "decided_by": self.decided_by or None,
            "decided_on": iso(self.decided_on), "extension_reason": self.extension_reason,
            "duplicate_of": self.duplicate_of or None, "merged_into": self.merged_into or None,
            "notes": self.notes, "version": self.version, "legal_basis": self.legal_basis,
            "paused_since": iso(self.paused_since),
            "pauses": [[iso(a), iso(b)] for a, b in self.pauses],
            "attachments": [{"filename": a.filename, "sha256": a.sha256, "size": a.size}
                            for a in self.attachments],
            "actions": list(self.actions),
        }


@dataclass(frozen=True)
class OpenResult:
    request: RequestDetail
    duplicates: tuple[RequestRow, ...] = ()

    @property
    def reference(self) -> str:
        return self.request.reference


@dataclass(frozen=True)
class RequestQuery:
    """The queue's filter and sort, all applied in SQL.

    ``due_within`` keeps open requests whose deadline is at most that many days away (overdue
    ones included); ``overdue`` keeps open requests past their deadline.
    """

    text: str = ""
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    laws: tuple[str, ...] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    due_within: int | None = None
    overdue: bool = False
    open_only: bool = False
    sort: str = "deadline"
    descending: bool = False
    drill: Any = None
    """A :class:`privdesk.services.dashboard.Drill`: exactly the requests a dashboard figure counts."""


@dataclass(frozen=True)
class BulkResult:
    changed: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DueSummary:
    overdue: int
    due_soon: int
    days: int

    def message(self) -> str:
        return f"{self.overdue} overdue, {self.due_soon} due within {self.days} days"

