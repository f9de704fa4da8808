"""Demo requests: about 200 across laws, types, officers and states, dated relative to today, so
the queue looks like a working week (some overdue, some due soon, some paused for identity). Who
asks what, and what the demo databases hold about them, is :mod:`privdesk.services.demo_cast`.

Seeded through the same validation and workflow steps as real requests, in one transaction, so
the demo data has a genuine audit trail. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from privdesk.domain.requests import Status
from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services import requests as req
from privdesk.services.context import AppContext
from privdesk.services.demo_cast import DEMO_SIZE, demo_cases
from privdesk.store import models
from privdesk.store.request_models import Request, SubjectIdentifier

log = logging.getLogger("privdesk.services.demo")

MARKER_EMAIL = "zoe.odegard@example.com"

_CHANNELS = ("email", "email", "web_form", "web_form", "web_form", "letter", "phone")
_REASONS_EXTEND = ("Records held in three systems and an off-site archive.",
                   "Several related requests from the same person.",
                   "Data held by a processor; awaiting their export.")
_REASONS_DENY = ("Identity could not be verified after two reminders.",
                 "Manifestly unfounded: repeat of a request answered last month.")


def seed_demo_requests(ctx: AppContext, today: date | None = None, size: int = DEMO_SIZE) -> str:
    """Add the demo requests unless they are there already; returns one line of summary."""
    today = today or date.today()
    rng = random.Random(2028)  # the workflow's dates and reasons; who asks what is demo_cast's
    with req._unit(ctx) as s:
        if s.scalar(select(func.count(SubjectIdentifier.id)).where(
                SubjectIdentifier.normalised == MARKER_EMAIL)):
            return "requests: demo requests already present"
        staff = list(s.execute(select(models.Officer.id, models.Officer.email)
                               .where(models.Officer.active.is_(True)).order_by(models.Officer.id)))
        actor = staff[0][1] if staff else "demo"
        alloc = req.ReferenceAllocator(s, today.year)
        cases = demo_cases(size)
        counts: dict[str, int] = {}
        for i, c in enumerate(cases):
            received = today - timedelta(days=c.ago)
            assignee = staff[i % len(staff)][0] if staff and (c.state != "received" or i % 3) else None
            new = req.NewRequest(type=c.type, law=c.law, received=received, name=c.name, emails=(c.email,),
                                 phones=c.phones, customer_ids=c.customer_ids, notes=c.notes,
                                 channel="web_form" if c.customer_ids else _CHANNELS[i % len(_CHANNELS)],
                                 assignee_id=assignee,
                                 verification="not_required" if c.type == "opt-out" else "")
            r = req.insert_prepared(s, req.prepare(s, new, today), alloc.next(), actor, audit_action="open")
            reached = _advance(s, r, c.state, today, rng, actor)
            counts[reached] = counts.get(reached, 0) + 1
        total = len(cases)
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    log.info("demo requests seeded: %d", total)
    return f"requests: {total} demo requests added ({summary})"


def _advance(s: Session, r: Request, state: str, today: date, rng: random.Random, actor: str) -> str:
    """Walk one request through the workflow up to ``state``; returns the state reached."""
    def step(action: str, fn: Callable[[], object]) -> bool:
        before = req._snapshot(r)
        try:
            with s.begin_nested():
                fn()
                s.flush()
        except ValidationError:
            s.refresh(r)
            return False
        audit.append(s, actor, req.ENTITY, r.reference, action, req._changes(before, r))
        return True

    age = (today - r.received).days
    if state == "received":
        return r.status
    if state == "withdrawn":
        step("withdraw", lambda: req.apply_withdraw(r, "", actor, r.received + timedelta(days=min(age, 3))))
        return r.status
    step("verifying", lambda: req.apply_start_verification(s, r))
    if state == "verifying":
        return r.status
    if state == "denied":
        step("deny", lambda: req.apply_decision(r, Status.DENIED, rng.choice(_REASONS_DENY), actor, "",
                                                 r.received + timedelta(days=min(age, 10))))
        return r.status
    verified_on = r.received + timedelta(days=min(age, rng.randint(0, 6)))
    step("verify", lambda: req.apply_verify(s, r, verified_on, False, today))
    if state in ("extended", "completed") and rng.random() < (1.0 if state == "extended" else 0.2):
        when = min(today, r.due, r.received + timedelta(days=20))
        step("extend", lambda: req.apply_extend(s, r, rng.choice(_REASONS_EXTEND), when))
    if state == "completed":
        done = min(today, r.deadline - timedelta(days=rng.randint(0, 5)))
        done = max(done, verified_on)
        step("complete", lambda: req.apply_decision(r, Status.COMPLETED, "Reply sent by secure link.",
                                                     actor, "Data supplied in full.", done))
    return r.status
