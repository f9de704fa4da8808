"""Demo requests: about 200 across laws, types, officers and states, dated relative to today, so
the queue looks like a working week (some overdue, some due soon, some paused for identity).

Seeded through the same validation and workflow steps as real requests, in one transaction, so
the demo data has a genuine audit trail. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import logging
import random
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from privdesk.domain.requests import Status
from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services import requests as req
from privdesk.services.context import AppContext
from privdesk.store import models
from privdesk.store.request_models import Request, SubjectIdentifier

log = logging.getLogger("privdesk.services.demo")

DEMO_SIZE = 200
MARKER_EMAIL = "zoe.odegard@example.com"

# (name, e-mail, law, type, days ago received, target state)
FEATURED: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("Zoë Ødegård", "zoe.odegard@example.com", "gdpr", "access", 26, "in_progress"),
    ("Łukasz Wróbel", "lukasz.wrobel@example.pl", "gdpr", "erasure", 40, "in_progress"),
    ("Maria Santos", "maria.santos@example.com.br", "lgpd", "access", 12, "verifying"),
    ("James Carter", "james.carter@example.com", "ccpa", "opt-out", 9, "in_progress"),
    ("Aisha Khan", "aisha.khan@example.co.uk", "uk-gdpr", "access", 5, "received"),
)

_FIRST = ("Amelia", "Oliver", "Sofía", "Mateo", "Hana", "Kenji", "Chloé", "Lukas", "Ingrid",
          "Mohammed", "Fatima", "Nikolai", "Aroha", "Siobhán", "Dmitri", "Leila", "Tomasz", "Grace",
          "Pedro", "Ana", "Yusuf", "Elif", "Noah", "Emma", "Björn", "Astrid", "Rahul", "Ananya",
          "Chinedu", "Amaka", "Liam", "Olivia", "Camille", "Hugo", "Zainab", "Daniel", "Mei", "Jae-won")
_LAST = ("Johansson", "García", "Nakamura", "Dubois", "Müller", "Kowalski", "O'Brien", "Haddad",
         "Silva", "Okonkwo", "Rossi", "Novak", "Andersen", "Petrov", "Yılmaz", "Patel", "Kim",
         "Fernández", "Nguyen", "Schmidt", "Lefèvre", "Costa", "Murphy", "Ivanova", "Brown", "Chen")
_DOMAINS = {"gdpr": "example.eu", "uk-gdpr": "example.co.uk", "ccpa": "example.com",
            "lgpd": "example.com.br", "vcdpa": "example.us", "cpa": "example.us"}
_LAW_WEIGHTS = (("gdpr", 30), ("uk-gdpr", 30), ("ccpa", 18), ("lgpd", 8), ("vcdpa", 7), ("cpa", 7))
_TYPE_WEIGHTS = (("access", 40), ("erasure", 22), ("opt-out", 12), ("rectification", 10),
                 ("objection", 6), ("restriction", 4), ("portability", 6))
_STATE_WEIGHTS = (("received", 14), ("verifying", 14), ("in_progress", 32), ("extended", 8),
                  ("completed", 22), ("denied", 5), ("withdrawn", 5))
_CHANNELS = ("email", "email", "web_form", "web_form", "web_form", "letter", "phone")
_REASONS_EXTEND = ("Records held in three systems and an off-site archive.",
                   "Several related requests from the same person.",
                   "Data held by a processor; awaiting their export.")
_REASONS_DENY = ("Identity could not be verified after two reminders.",
                 "Manifestly unfounded: repeat of a request answered last month.")


def _ascii(text: str) -> str:
    table: dict[str, str | int | None] = {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i", "ß": "ss"}
    text = text.translate(str.maketrans(table))
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def seed_demo_requests(ctx: AppContext, today: date | None = None, size: int = DEMO_SIZE) -> str:
    """Add the demo requests unless they are there already; returns one line of summary."""
    today = today or date.today()
    rng = random.Random(2026)
    with req._unit(ctx) as s:
        if s.scalar(select(func.count(SubjectIdentifier.id)).where(
                SubjectIdentifier.normalised == MARKER_EMAIL)):
            return "requests: demo requests already present"
        staff = list(s.execute(select(models.Officer.id, models.Officer.email)
                               .where(models.Officer.active.is_(True)).order_by(models.Officer.id)))
        actor = staff[0][1] if staff else "demo"
        alloc = req.ReferenceAllocator(s, today.year)
        specs: list[tuple[str, str, str, str, int, str]] = list(FEATURED)
        used = {f[0] for f in FEATURED}
        while len(specs) < size:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            if name in used:
                continue
            used.add(name)
            law = _pick(rng, _LAW_WEIGHTS)
            local = _ascii(name).casefold().replace(" ", ".").replace("'", "")
            email = f"{local}@{_DOMAINS[law]}"
            state = _pick(rng, _STATE_WEIGHTS)
            if state in ("completed", "denied", "withdrawn"):
                ago = rng.randint(5, 110)
            else:  # most open work is recent; a few have slipped past their deadline
                ago = rng.randint(32, 75) if rng.random() < 0.08 else rng.randint(0, 30)
            specs.append((name, email, law, _pick(rng, _TYPE_WEIGHTS), ago, state))
        counts: dict[str, int] = {}
        for i, (name, email, law, rtype, ago, state) in enumerate(specs):
            received = today - timedelta(days=ago)
            assignee = staff[i % len(staff)][0] if staff and (state != "received" or i % 3) else None
            phones = (f"+44 7700 9{rng.randint(10000, 99999)}",) if law == "uk-gdpr" and i % 2 else ()
            new = req.NewRequest(type=rtype, law=law, received=received, name=name, emails=(email,),
                                 phones=phones, channel=_CHANNELS[i % len(_CHANNELS)],
                                 assignee_id=assignee,
                                 verification="not_required" if rtype == "opt-out" else "")
            try:
                prep = req.prepare(s, new, today)
            except ValidationError:
                # A type some law does not give (a rule file may say so): take access instead.
                prep = req.prepare(s, replace(new, type="access"), today)
            r = req.insert_prepared(s, prep, alloc.next(), actor, audit_action="open")
            reached = _advance(s, r, state, today, rng, actor)
            counts[reached] = counts.get(reached, 0) + 1
        total = len(specs)
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
