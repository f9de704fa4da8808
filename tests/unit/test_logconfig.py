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


def test_tracebacks_and_sql_parameters_are_redacted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 point 4: ``log.exception`` wrote e-mails, URL passwords and bound values."""
    from sqlalchemy.exc import IntegrityError

    from privdesk.logconfig import setup_logging

    log_file = setup_logging(tmp_path)
    log = logging.getLogger("privdesk.test")
    try:
        raise ValueError("cannot reach postgresql://app:Hunter-22@db/crm for jo@example.com; "
                         "conninfo host=db password=Pw-In-Conninfo")
    except ValueError:
        log.exception("connect failed")
    err = IntegrityError("INSERT INTO notes (text) VALUES (?)", ("Patient record of jo, HIV+",), Exception("boom"))
    log.error("write failed", exc_info=err)
    for h in logging.getLogger("privdesk").handlers:
        h.flush()
    text = log_file.read_text()
    assert "connect failed" in text and "Traceback" in text
    for secret in ("Hunter-22", "jo@example.com", "Pw-In-Conninfo", "HIV+"):
        assert secret not in text, secret
    assert "[parameters hidden]" in text
