"""Writing files that hold personal data: owner-only, atomic, and never half-written.

Every writer goes through a temporary file in the target's folder (mode 0600), is flushed and
fsync'd, then renamed over the target, so a crash or kill leaves either the old file or the new
one, never a truncated file under the final name. The folder is fsync'd after the rename so the
rename itself survives a power cut.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

_CHUNK = 1 << 20


def _owner_only(fd: int) -> None:
    if hasattr(os, "fchmod"):  # POSIX; mkstemp already creates 0600, this is explicit
        os.fchmod(fd, 0o600)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is still atomic
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> str:
    """Write through ``write(fileobj)`` to a 0600 temporary file beside ``path``, then rename.

    Returns the SHA-256 of the bytes written. Raises OSError (the caller words it for the user).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        _owner_only(fd)
        with os.fdopen(fd, "w+b") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
            fh.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def store_content_addressed(src: Path, folder: Path, name: str) -> tuple[Path, str, int, bool]:
    """Copy ``src`` into ``folder`` as ``<sha256[:12]>-<name>``, atomically and owner-only.

    The hash is taken of the bytes copied (not of a separate read), and an existing file of that
    name is reused only when its own hash matches: a copy left truncated by a crash is replaced,
    never recorded as complete. Returns (path, sha256, size, created).
    """
    fd, tmp = tempfile.mkstemp(prefix=".attach.", suffix=".part", dir=folder)
    digest = hashlib.sha256()
    size = 0
    try:
        _owner_only(fd)
        with os.fdopen(fd, "wb") as out, Path(src).open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        dest = folder / f"{sha[:12]}-{name}"
        if dest.is_file() and dest.stat().st_size == size and sha256_file(dest) == sha:
            Path(tmp).unlink(missing_ok=True)
            os.chmod(dest, 0o600)
            return dest, sha, size, False
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return dest, sha, size, True


def copy_private(src: Path, dest: Path) -> None:
    """Copy a file owner-only and atomically (see :func:`atomic_write`)."""
    with Path(src).open("rb") as fh:
        atomic_write(dest, lambda out: shutil.copyfileobj(fh, out, _CHUNK))
