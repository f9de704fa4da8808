"""A letter whose dates contradict the record is warned about before it is produced."""

from __future__ import annotations

from datetime import date

from privdesk.services import letter_checks
from privdesk.services import requests as svc
from privdesk.services.context import AppContext


def test_overdue_acknowledgement_is_warned(ctx: AppContext) -> None:
    new = svc.NewRequest(type="access", law="gdpr", received=date(2026, 9, 1), name="Aisha Khan",
                         emails=("aisha@example.com",))
    d = svc.open_request(ctx, new, "dpo@example.com", today=date(2026, 9, 2)).request
    assert letter_checks.date_warnings("acknowledgement", d, today=date(2026, 9, 3)) == []
    late = letter_checks.date_warnings("acknowledgement", d, today=date(2026, 11, 11))
    assert late and "already past" in late[0] and f"{(date(2026, 11, 11) - d.deadline).days} days ago" in late[0]
    assert letter_checks.date_warnings("export", d, today=date(2026, 11, 11)) == []  # the answer itself is fine
