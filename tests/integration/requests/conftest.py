"""Fixtures for the request tests: officers and a helper that opens requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from privdesk.services import requests as svc
from privdesk.services import settings
from privdesk.services.context import AppContext

TODAY = date(2026, 11, 25)
ACTOR = "dpo@northwind.example"


@pytest.fixture
def officers(ctx: AppContext) -> dict[str, int]:
    a = settings.add_officer(ctx, "Priya Natarajan", "priya@northwind.example")
    b = settings.add_officer(ctx, "Jonas Becker", "jonas@northwind.example")
    assert a.id is not None and b.id is not None
    return {"priya": a.id, "jonas": b.id}


@pytest.fixture
def new(ctx: AppContext) -> Callable[..., svc.OpenResult]:
    def make(**kw: Any) -> svc.OpenResult:
        values: dict[str, Any] = {"type": "access", "law": "gdpr", "received": date(2026, 11, 2),
                                  "name": "Zoë Ødegård", "emails": ("zoe.odegard@example.com",)}
        values.update(kw)
        return svc.open_request(ctx, svc.NewRequest(**values), ACTOR, today=kw.pop("today", TODAY))
    return make
