"""Correcting the data subject's details (name, address, identifiers) with every change audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from privdesk.domain.identifiers import (
    email_problem,
    normalise_email,
    normalise_name,
    normalise_phone,
    phone_problem,
)
from privdesk.errors import ValidationError
from privdesk.services.context import AppContext
from privdesk.services.requests.clock import _org_calendar_codes
from privdesk.services.requests.common import _mutate, _search_text
from privdesk.services.requests.opening import _clean_list
from privdesk.services.requests.values import RequestDetail
from privdesk.store.request_models import Request, SubjectIdentifier


def update_subject(ctx: AppContext, reference: str, actor: str, name: str | None = None,
                   address: str | None = None, requester: str | None = None,
                   add_emails: Sequence[str] = (), add_phones: Sequence[str] = (),
                   add_customer_ids: Sequence[str] = (), remove: Sequence[str] = (),
                   expected_version: int | None = None) -> RequestDetail:
    """Correct or complete the subject's details; every old -> new value goes to the audit trail.

    ``remove`` names identifiers (as typed or normalised) to drop; at least one way to reach the
    subject must remain.
    """
    def change(s: Session, r: Request) -> None:
        extra: dict[str, tuple[Any, Any]] = {}
        if name is not None:
            clean = " ".join(name.split())
            if not clean:
                raise ValidationError("The data subject's name is missing.")
            if clean != r.subject_name:
                extra["subject_name"] = (r.subject_name, clean)
                r.subject_name, r.subject_key = clean, normalise_name(clean)
        for attr, value in (("subject_address", address), ("requester", requester)):
            if value is not None and value.strip() != getattr(r, attr):
                extra[attr] = (getattr(r, attr), value.strip())
                setattr(r, attr, value.strip())
        region = (r.holiday_country or _org_calendar_codes(s)[0]) or None
        have = {(i.kind, i.normalised) for i in r.identifiers}
        added: list[str] = []
        for kind, values in (("email", add_emails), ("phone", add_phones), ("customer_id", add_customer_ids)):
            for v in _clean_list(values):
                problem = email_problem(v) if kind == "email" else phone_problem(v) if kind == "phone" else None
                if problem:
                    raise ValidationError(problem)
                norm = (normalise_email(v) if kind == "email" else normalise_phone(v, region)
                        if kind == "phone" else v.casefold())
                if (kind, norm) not in have:
                    r.identifiers.append(SubjectIdentifier(kind=kind, value=v, normalised=norm))
                    have.add((kind, norm))
                    added.append(v)
        gone = {x.strip().casefold() for x in remove if x.strip()}
        dropped = [i for i in r.identifiers if i.value.casefold() in gone or i.normalised.casefold() in gone]
        for i in dropped:
            r.identifiers.remove(i)
        if gone and not dropped:
            raise ValidationError(f"{reference} has no identifier {', '.join(sorted(gone))}.")
        if not (r.identifiers or r.subject_address):
            raise ValidationError("At least one way to reach the data subject must remain.")
        if added:
            extra["identifiers_added"] = (None, ", ".join(added))
        if dropped:
            extra["identifiers_removed"] = (", ".join(i.value for i in dropped), None)
        emails = [i.normalised for i in r.identifiers if i.kind == "email"]
        r.primary_email = emails[0] if emails else ""
        r.search_text = _search_text(r.reference, r.subject_name,
                                     [(i.kind, i.value, i.normalised) for i in r.identifiers])
        if not extra:
            raise ValidationError("Nothing to change.")
        r._audit_extra = extra  # type: ignore[attr-defined]

    return _mutate(ctx, reference, actor, "edit", change, expected_version)


