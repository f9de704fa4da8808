"""Breach notices as PDFs: the notification to the supervisory authority and the communication
to each affected person (standard or California layout), plus the file-writing helper.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def write_private(path: Path, data: bytes, sync: bool = True) -> str:
    """Write ``data`` atomically (temporary file + ``os.replace``) with owner-only permissions;
    returns its SHA-256. A reader never sees a half-written notice. ``sync=False`` skips the
    fsync for the thousands of files of a batch, whose manifest is synced at the end."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return hashlib.sha256(data).hexdigest()
