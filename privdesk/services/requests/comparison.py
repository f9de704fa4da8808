"""Possible duplicates before a request is saved, and two requests side by side.

The New request dialog asks while the officer types (same normalised e-mail or phone as an
open request), and the comparison is plain rows so that the window, the CLI and tests show
the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from privdesk.domain.identifiers import (
    email_problem,
    normalise_email,
    normalise_phone,
    phone_problem,
)
from privdesk.services.context import AppContext
from privdesk.services.requests.opening import find_duplicates
from privdesk.services.requests.queue import get_request
from privdesk.services.requests.values import NewRequest, RequestDetail, RequestRow


def possible_duplicates(ctx: AppContext, emails: Iterable[str], phones: Iterable[str],
                        region: str = "") -> list[RequestRow]:
    """Open requests sharing one of these e-mails or phones (invalid ones are ignored)."""
    idents = [("email", e, normalise_email(e)) for e in emails if e.strip() and not email_problem(e)]
    idents += [("phone", p, normalise_phone(p, region or None)) for p in phones
               if p.strip() and not phone_problem(p)]
    if not idents:
        return []
    with ctx.db.session() as s:
        return find_duplicates(s, idents)


@dataclass(frozen=True)
class Side:
    """One request's values in a comparison; ``title`` heads its column."""

    title: str
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    customer_ids: tuple[str, ...]
    address: str
    type: str
    law: str
    received: str
    status: str
    assignee: str


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    left: str
    right: str

    @property
    def same(self) -> bool:
        return self.left.casefold() == self.right.casefold()


def side_of_new(new: NewRequest, title: str = "New request") -> Side:
    return Side(title, " ".join(new.name.split()), tuple(new.emails), tuple(new.phones),
                tuple(new.customer_ids), new.address.strip(), new.type, new.law, str(new.received),
                "not saved yet", "")


def side_of(d: RequestDetail) -> Side:
    return Side(d.reference, d.subject_name, tuple(d.emails), tuple(d.phones),
                tuple(i.value for i in d.identifiers if i.kind == "customer_id"), d.subject_address,
                d.type, d.law, d.received.isoformat(), d.status, d.assignee_name)


def compare(left: Side, right: Side) -> list[ComparisonRow]:
    """The rows an officer compares to decide whether two requests are one person's."""
    def j(values: tuple[str, ...]) -> str:
        return ", ".join(values)

    return [
        ComparisonRow("Name", left.name, right.name),
        ComparisonRow("E-mail", j(left.emails), j(right.emails)),
        ComparisonRow("Phone", j(left.phones), j(right.phones)),
        ComparisonRow("Customer ids", j(left.customer_ids), j(right.customer_ids)),
        ComparisonRow("Postal address", left.address, right.address),
        ComparisonRow("Type", left.type, right.type),
        ComparisonRow("Law", left.law, right.law),
        ComparisonRow("Received", left.received, right.received),
        ComparisonRow("Status", left.status, right.status),
        ComparisonRow("Assignee", left.assignee, right.assignee),
    ]


def side_by_ref(ctx: AppContext, reference: str) -> Side:
    return side_of(get_request(ctx, reference))
