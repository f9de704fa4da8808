"""The demo seeds a living queue: ~200 requests, featured subjects, some overdue; idempotent."""

from __future__ import annotations

from privdesk.services import audit
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.services.demo import seed_demo
from privdesk.services.requests_demo import seed_demo_requests


def test_demo_requests(demo_ctx: AppContext) -> None:
    ctx = demo_ctx
    total = svc.count_requests(ctx)
    assert 180 <= total <= 220
    laws = {r.law for r in svc.list_requests(ctx, limit=None)}
    assert laws == {"gdpr", "uk-gdpr", "ccpa", "lgpd", "vcdpa", "cpa"}
    rows = svc.list_requests(ctx, limit=None)
    assert {r.status for r in rows} >= {"received", "verifying", "in_progress", "extended", "completed",
                                        "denied", "withdrawn"}
    assert len({r.assignee_id for r in rows if r.assignee_id}) >= 3
    summary = svc.due_summary(ctx)
    assert 3 <= summary.overdue <= 40
    for name, email, law in [("Zoë Ødegård", "zoe.odegard@example.com", None),
                             ("Łukasz Wróbel", "lukasz.wrobel@example.pl", None),
                             ("Maria Santos", "maria.santos@example.com.br", "lgpd"),
                             ("James Carter", "james.carter@example.com", "ccpa"),
                             ("Aisha Khan", "aisha.khan@example.co.uk", "uk-gdpr")]:
        [row] = svc.list_requests(ctx, svc.RequestQuery(text=email))
        assert row.subject_name == name and row.primary_email == email
        if law:
            assert row.law == law
    assert audit.verify(ctx).ok
    assert seed_demo_requests(ctx) == "requests: demo requests already present"
    seed_demo(ctx)
    assert svc.count_requests(ctx) == total
