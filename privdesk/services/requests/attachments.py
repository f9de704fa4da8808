"""Files attached to a request: copied into the data directory (owner-only) with their SHA-256."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.orm import Session

from privdesk.errors import ValidationError
from privdesk.files import store_content_addressed
from privdesk.services.context import AppContext
from privdesk.services.requests.common import _load, _mutate, parse_reference
from privdesk.services.requests.values import AttachmentInfo, RequestDetail
from privdesk.store.request_models import Attachment, Request


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", Path(name).name).strip(" .") or "file"
    return cleaned[:120]


def store_file(ctx: AppContext, reference: str, src: Path, name: str | None = None) -> tuple[Path, str, int, bool]:
    """Copy a file into ``attachments/<reference>/`` (owner-only); returns (path, sha256, size,
    created) so a caller whose transaction fails can remove what it copied."""
    if not src.is_file():
        raise ValidationError(f"Cannot attach {src}: there is no such file.")
    safe = _safe_name(name or src.name)
    folder = ctx.paths.attachments_dir / reference
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ctx.paths.attachments_dir.chmod(0o700)
    try:  # temp name, fsync, rename; an existing copy is reused only if its hash matches
        return store_content_addressed(src, folder, safe)
    except OSError as exc:
        raise ValidationError(f"Cannot attach {src}: {exc.strerror}.") from exc


def add_attachment_row(ctx: AppContext, r: Request, dest: Path, sha: str, size: int, actor: str) -> Attachment:
    name = dest.name.split("-", 1)[1] if "-" in dest.name else dest.name
    a = Attachment(filename=name, stored_path=str(dest.relative_to(ctx.paths.data_dir)),
                   sha256=sha, size=size, added_by=actor)
    r.attachments.append(a)
    return a


def attach_file(ctx: AppContext, reference: str, path: str | Path, actor: str,
                filename: str | None = None, expected_version: int | None = None) -> RequestDetail:
    """Copy a file into the data directory (owner-only) and record its SHA-256."""
    ref = parse_reference(reference)
    with ctx.db.session() as s:
        _load(s, ref)  # a typo in the reference must not leave a copied file behind
    dest, sha, size, created = store_file(ctx, ref, Path(path), filename)

    def change(_s: Session, r: Request) -> None:
        a = add_attachment_row(ctx, r, dest, sha, size, actor)
        r._audit_extra = {"attachment": (None, f"{a.filename} sha256:{sha}")}  # type: ignore[attr-defined]

    try:
        return _mutate(ctx, ref, actor, "attach", change, expected_version)
    except Exception:
        if created:
            dest.unlink(missing_ok=True)
        raise


def attachment_path(ctx: AppContext, info: AttachmentInfo) -> Path:
    return ctx.paths.data_dir / info.path


