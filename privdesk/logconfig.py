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
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


class RedactingFilter(logging.Filter):
    """Masks e-mail addresses and URL passwords that slipped into a log message."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        clean = _URL_PASSWORD.sub(r"\1***@", _EMAIL.sub("<email>", msg))
        if clean != msg:
            record.msg, record.args = clean, None
        return True


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
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
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
