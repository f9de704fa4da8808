"""The one current officer: matched to the operating-system account at start, changed only by
an explicit choice, recorded in every audit entry (beside the login, see ``domain.identity``)."""

from __future__ import annotations

import logging

from privdesk.domain.identity import OfficerChoice, match_login
from privdesk.domain.profile import Officer
from privdesk.errors import ValidationError
from privdesk.services.context import AppContext, os_login
from privdesk.services.settings import list_officers

log = logging.getLogger("privdesk.services.identity")


def matched_officer(ctx: AppContext, login: str | None = None) -> Officer | None:
    """The active officer whose e-mail or name belongs to ``login`` (default: the OS account),
    or None when none or several do."""
    officers = list_officers(ctx)
    hit = match_login([OfficerChoice(o.name, o.email) for o in officers], login or os_login())
    return next((o for o in officers if hit is not None and o.email == hit.email), None)


def current_officer(ctx: AppContext) -> Officer | None:
    """The officer record of ``ctx.officer`` (None when no officer is chosen)."""
    return next((o for o in list_officers(ctx) if o.email == ctx.officer), None) if ctx.officer else None


def choose(ctx: AppContext, email: str) -> Officer:
    """Make ``email`` the current officer; it must be an active officer."""
    wanted = email.strip().lower()
    for o in list_officers(ctx):
        if o.email.lower() == wanted:
            ctx.officer = o.email
            log.info("current officer changed (id %s)", o.id)
            return o
    raise ValidationError(f"{email} is not an active officer; add them under Settings first.")


def start(ctx: AppContext, email: str = "") -> Officer | None:
    """At start-up: the officer asked for, else the one matching the OS account; None means
    the window must ask (several officers and no match) or there are no officers yet."""
    if email:
        return choose(ctx, email)
    officer = matched_officer(ctx)
    if officer is not None:
        ctx.officer = officer.email
    return officer


def login(ctx: AppContext) -> str:
    """The account recorded beside the officer: the database login on PostgreSQL or MariaDB,
    else the operating-system account (what every audit entry of this process records)."""
    from privdesk.store.audit import login_of

    with ctx.db.session() as s:
        return login_of(s) or os_login()


def display_name(ctx: AppContext) -> str:
    """The current officer's name for the title bar, or the OS account when none is chosen."""
    officer = current_officer(ctx)
    return officer.name if officer is not None else os_login()
