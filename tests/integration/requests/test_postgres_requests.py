"""The request lifecycle on the shared PostgreSQL case database a team would use."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from privdesk.errors import ConflictError
from privdesk.services import audit
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from tests.integration.requests.conftest import ACTOR, TODAY


@pytest.mark.postgres
def test_lifecycle_on_postgres(postgres_db: str, tmp_path: Path) -> None:
    ctx = AppContext.open(tmp_path / "data", db_url=postgres_db)
    try:
        assert ctx.db.dialect == "postgresql"
        new = svc.NewRequest(type="access", law="uk-gdpr", received=date(2026, 11, 2),
                             name="Aisha Khan", emails=("aisha.khan@example.co.uk",))
        d = svc.open_request(ctx, new, ACTOR, today=TODAY).request
        assert d.reference == "DSR-2026-0001"
        dup = svc.open_request(ctx, new, ACTOR, today=TODAY)
        assert [r.reference for r in dup.duplicates] == ["DSR-2026-0001"]
        d = svc.verify_identity(ctx, d.reference, ACTOR, on=date(2026, 11, 9), today=TODAY)
        assert d.due == date(2026, 12, 9) and d.status == "in_progress"
        with pytest.raises(ConflictError):
            svc.add_note(ctx, d.reference, "stale", ACTOR, expected_version=1)
        d = svc.extend(ctx, d.reference, "Large archive", ACTOR, today=TODAY)
        d = svc.complete(ctx, d.reference, "Sent", ACTOR, today=TODAY)
        assert d.status == "completed"
        assert [r.reference for r in svc.list_requests(ctx, svc.RequestQuery(text="KHAN", sort="subject"))] == [
            "DSR-2026-0001", "DSR-2026-0002"]
        # DSR-2026-0002 still waits for identity: under UK GDPR its clock has not started, so it is
        # paused, not overdue (as the queue, the badge and the dashboard all count it).
        assert svc.count_requests(ctx, svc.RequestQuery(overdue=True), today=date(2027, 6, 1)) == 0
        assert svc.count_requests(ctx, svc.RequestQuery(open_only=True), today=date(2027, 6, 1)) == 1
        result = audit.verify(ctx)
        assert result.ok and result.entries == 5
    finally:
        ctx.close()


@pytest.mark.postgres
def test_two_officers_at_once_on_postgres(postgres_db: str, tmp_path: Path) -> None:
    """Concurrent intake on a shared database: distinct references and one unbroken chain."""
    import threading

    ctx = AppContext.open(tmp_path / "data", db_url=postgres_db)
    errors: list[BaseException] = []

    def officer(n: int) -> None:
        try:
            for i in range(8):
                svc.open_request(ctx, svc.NewRequest(
                    type="access", law="gdpr", received=date(2026, 11, 2), name=f"Person {n}-{i}",
                    emails=(f"p{n}-{i}@example.com",)), f"officer{n}@example.org", today=TODAY)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=officer, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        refs = [r.reference for r in svc.list_requests(ctx, limit=None)]
        assert len(refs) == len(set(refs)) == 24
        result = audit.verify(ctx)
        assert result.ok and result.entries == 24
    finally:
        ctx.close()
