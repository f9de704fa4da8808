"""Logging to a rotating file in the user log directory.

Log lines carry ids (request references, connection names), never e-mail addresses, names or
secrets; the redacting filter below is a safety net for mistakes, not a licence to log PII.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")
# libpq conninfo and URL query spellings of secrets: password=..., passwd=..., sslpassword=...
_KEYWORD_SECRET = re.compile(r"\b((?:ssl)?pass(?:word|wd)|ssl_key_password)(\s*[=:]\s*)('[^']*'|\"[^\"]*\"|[^\s&;,)]+)",
                             re.IGNORECASE)
# SQLAlchemy appends the bound values of a failed statement: a subject's identifiers, a note.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\n|\(Background|$))", re.DOTALL)


def redact(text: str) -> str:
    """Mask e-mail addresses, passwords in URLs and connection strings, and SQL parameters."""
    text = _SQL_PARAMETERS.sub("[parameters hidden]", text)
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _KEYWORD_SECRET.sub(r"\1\2***", text)
    return _EMAIL.sub("<email>", text)


class RedactingFilter(logging.Filter):
    """Masks e-mail addresses and secrets that slipped into a log message."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        clean = redact(msg)
        if clean != msg:
            record.msg, record.args = clean, None
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, traceback and exception text included: a filter only
    sees the message, while ``log.exception`` appends ``str(exc)`` with whatever it carries."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(log_dir: Path, verbose: bool = False) -> Path:
    """Send privdesk.* logs to ``privdesk.log`` (1 MB x 5) and, when verbose, to stderr."""
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    log_file = log_dir / "privdesk.log"
    root = logging.getLogger("privdesk")
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    fmt = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    fh = logging.handlers.RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    fh.setFormatter(fmt)
    fh.addFilter(RedactingFilter())
    root.addHandler(fh)
    if verbose:
        sh = logging.StreamHandler()
        sh.setFormatter(fmt)
        sh.addFilter(RedactingFilter())
        root.addHandler(sh)
    return log_file
