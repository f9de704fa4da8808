from __future__ import annotations

import logging

from privdesk.logconfig import RedactingFilter


def test_redacts_emails_and_url_passwords() -> None:
    rec = logging.LogRecord("privdesk.x", logging.INFO, __file__, 1,
                            "connect %s for %s", ("postgresql://app:s3cret@db/crm", "jo@example.com"), None)
    RedactingFilter().filter(rec)
    msg = rec.getMessage()
    assert "s3cret" not in msg and "jo@example.com" not in msg
    assert "postgresql://app:***@db/crm" in msg
