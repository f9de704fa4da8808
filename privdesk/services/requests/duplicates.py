"""Possible duplicates flagged at opening: keep the request, or merge it into another one."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from privdesk.domain.requests import Status
from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.services.requests.common import (
    _changes,
    _detail,
    _load,
    _mutate,
    _search_text,
    _snapshot,
    _unit,
    parse_reference,
)
from privdesk.services.requests.values import ENTITY, RequestDetail
from privdesk.services.requests.workflow import apply_withdraw
from privdesk.store.request_models import Request, SubjectIdentifier


def keep_duplicate(ctx: AppContext, reference: str, actor: str,
                   expected_version: int | None = None) -> RequestDetail:
    """The officer looked: not a duplicate. Clears the flag."""
    def change(_s: Session, r: Request) -> None:
        r.duplicate_of = ""
    return _mutate(ctx, reference, actor, "keep", change, expected_version)


def merge_duplicate(ctx: AppContext, reference: str, into: str, actor: str,
                    expected_version: int | None = None, today: date | None = None) -> RequestDetail:
    """Fold a duplicate into another request: identifiers, files and notes move, the duplicate
    is withdrawn with a pointer to the one that continues. Returns the surviving request."""
    today = today or date.today()
    src_ref, dst_ref = parse_reference(reference), parse_reference(into)
    if src_ref == dst_ref:
        raise ValidationError("A request cannot be merged into itself.")
    with _unit(ctx) as s:
        src = _load(s, src_ref, expected_version)
        dst = _load(s, dst_ref)
        if not Status(dst.status).is_open:
            raise ValidationError(f"{dst_ref} is {dst.status}; merge into an open request.")
        before_src = _snapshot(src)
        have = {(i.kind, i.normalised) for i in dst.identifiers}
        moved = []
        for i in src.identifiers:
            if (i.kind, i.normalised) not in have:
                dst.identifiers.append(SubjectIdentifier(kind=i.kind, value=i.value, normalised=i.normalised))
                have.add((i.kind, i.normalised))
                moved.append(i.value)
        for a in list(src.attachments):
            src.attachments.remove(a)
            dst.attachments.append(a)
        if src.notes:
            dst.notes = (dst.notes + "\n" if dst.notes else "") + f"[from {src_ref}] {src.notes}"
        dst.search_text = _search_text(dst.reference, dst.subject_name,
                                       [(i.kind, i.value, i.normalised) for i in dst.identifiers])
        apply_withdraw(src, f"Merged into {dst_ref} as a duplicate.", actor, today)
        src.merged_into, src.duplicate_of = dst_ref, ""
        if dst.duplicate_of == src_ref:
            dst.duplicate_of = ""
        s.flush()
        audit.append(s, actor, ENTITY, src_ref, "merge", _changes(before_src, src))
        audit.append(s, actor, ENTITY, dst_ref, "merge-in",
                     {"merged_from": (None, src_ref), "identifiers": (None, ", ".join(moved))})
        detail = _detail(s, dst)
    return detail


