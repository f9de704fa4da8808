"""Who works on a request: assigning an officer, and the officers one can pick."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from privdesk.domain.identifiers import normalise_email
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services.context import AppContext
from privdesk.services.requests.common import _mutate
from privdesk.services.requests.values import RequestDetail
from privdesk.store import models
from privdesk.store.request_models import Request


def apply_assign(s: Session, r: Request, assignee_id: int | None) -> None:
    if assignee_id is not None:
        o = s.get(models.Officer, assignee_id)
        if o is None or not o.active:
            raise ValidationError(f"There is no active officer number {assignee_id}.")
    r.assignee_id = assignee_id


def assign(ctx: AppContext, reference: str, assignee_id: int | None, actor: str,
           expected_version: int | None = None) -> RequestDetail:
    return _mutate(ctx, reference, actor, "assign", lambda s, r: apply_assign(s, r, assignee_id),
                   expected_version)


def officer_id_by_email(ctx: AppContext, email: str) -> int:
    with ctx.db.session() as s:
        oid = s.scalar(select(models.Officer.id).where(
            models.Officer.email == normalise_email(email), models.Officer.active.is_(True)))
    if oid is None:
        raise NotFoundError(f"There is no active officer with the e-mail {normalise_email(email)}.")
    return int(oid)


def officers(ctx: AppContext) -> list[tuple[int, str]]:
    """Active officers as (id, name), for assignee pickers."""
    with ctx.db.session() as s:
        q = select(models.Officer.id, models.Officer.name).where(
            models.Officer.active.is_(True)).order_by(models.Officer.name)
        return [(int(i), str(n)) for i, n in s.execute(q)]

