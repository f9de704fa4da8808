"""The breach register on the PostgreSQL server: the migration, UTC moments and the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from privdesk.services import audit, settings
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import NOW, PROFILE, breach_input


@pytest.fixture
def pg_ctx(tmp_path: Path, postgres_db: str) -> Iterator[AppContext]:
    c = AppContext.open(tmp_path / "data", postgres_db)
    settings.update_settings(c, PROFILE)
    yield c
    c.close()


@pytest.mark.postgres
def test_breach_round_trip_on_postgresql(pg_ctx: AppContext) -> None:
    d = svc.add_breach(pg_ctx, breach_input(), "dpo@northwind.example", now=NOW)
    again = svc.get_breach(pg_ctx, d.reference, now=NOW)
    assert again.aware == d.aware and again.aware.isoformat() == "2026-11-20T09:30:00+01:00"
    assert again.authority_due is not None and again.authority_due.isoformat() == "2026-11-23T09:30:00+01:00"
    late = NOW + timedelta(days=3)
    svc.record_notification(pg_ctx, d.reference, "authority", "dpo@northwind.example", sent_at=late, now=late,
                            delay_reasons="Investigation took longer than expected.")
    svc.add_affected(pg_ctx, d.reference, [{"name": "A", "email": "a@example.com"},
                                           {"name": "A", "email": "A@example.com"}], "dpo@northwind.example")
    row = svc.list_breaches(pg_ctx, now=late)[0]
    assert row.affected == 1 and row.notified_authority
    assert audit.verify(pg_ctx).ok
