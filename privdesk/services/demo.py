"""The demo organisation, so that ``make run`` shows a living workbench.

Seeding is idempotent: every step checks what is already there. Later capabilities append their
own steps to :data:`DEMO_STEPS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from privdesk.services import breaches as breaches_service
from privdesk.services import discovery as discovery_service
from privdesk.services import requests_demo
from privdesk.services import settings as settings_service
from privdesk.services.context import AppContext

log = logging.getLogger("privdesk.services.demo")

DEMO_PROFILE = {
    "org.name": "Northwind Analytics Ltd",
    "org.address": "12 Harbour Street\nLondon EC2A 4BX\nUnited Kingdom",
    "org.email": "privacy@northwind.example",
    "org.phone": "+44 20 7946 0000",
    "dpo.name": "Amara Okafor",
    "dpo.email": "dpo@northwind.example",
    "dpo.phone": "+44 20 7946 0101",
    "authority.name": "Information Commissioner's Office",
    "authority.address": "Wycliffe House, Water Lane\nWilmslow, Cheshire SK9 5AF\nUnited Kingdom",
    "authority.email": "casework@ico.org.uk",
    "default_law": "uk-gdpr",
    "holidays.country": "GB",
    "holidays.subdivision": "ENG",
    "ccpa.sells": "no",
    "ccpa.shares": "no",
}

DEMO_OFFICERS = [
    ("Amara Okafor", "dpo@northwind.example", "manager"),
    ("Tomás Herrera", "tomas.herrera@northwind.example", "officer"),
    ("Priya Natarajan", "priya.natarajan@northwind.example", "officer"),
    ("Jonas Becker", "jonas.becker@northwind.example", "officer"),
]


def seed_profile(ctx: AppContext) -> str:
    current = settings_service.get_settings(ctx)
    missing = {k: v for k, v in DEMO_PROFILE.items() if not current.get(k)}
    if missing.get("default_law"):
        from privdesk.domain.profile import known_laws

        laws = known_laws()
        if laws and missing["default_law"] not in laws:
            missing.pop("default_law")
    if missing:
        settings_service.update_settings(ctx, missing)
    have = {o.email for o in settings_service.list_officers(ctx, include_inactive=True)}
    added = 0
    for name, email, role in DEMO_OFFICERS:
        if email not in have:
            settings_service.add_officer(ctx, name, email, role)
            added += 1
    return f"organisation profile: {len(missing)} settings filled, {added} officers added"


DEMO_STEPS: list[Callable[[AppContext], str]] = [seed_profile]
DEMO_STEPS.append(requests_demo.seed_demo_requests)
DEMO_STEPS.insert(1, discovery_service.seed_demo_connections)  # before requests, which may search
DEMO_STEPS.append(breaches_service.seed_demo_breaches)


def _seed_register(ctx: AppContext) -> str:
    from privdesk.services import ropa

    return ropa.seed_demo_register(ctx)


DEMO_STEPS.insert(2, _seed_register)  # after the demo databases it maps, before the requests


def seed_demo(ctx: AppContext) -> list[str]:
    """Run every demo step; returns one line of summary per step."""
    lines = [step(ctx) for step in DEMO_STEPS]
    log.info("demo seeded")
    return lines
