"""The people affected by a breach: adding them by hand or from a CSV file (deduplicated by
e-mail, phone, customer id), listing and counting them, marking who was notified.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from privdesk.domain.identifiers import (
    email_problem,
    normalise_email,
    normalise_name,
    normalise_phone,
    phone_problem,
)
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services import audit
from privdesk.services.breaches.common import _load, _unit
from privdesk.services.breaches.values import CALIFORNIA, ENTITY
from privdesk.services.context import AppContext
from privdesk.store.breach_models import AffectedPerson

log = logging.getLogger("privdesk.breaches")


@dataclass(frozen=True)
class Person:
    """Someone to tell: only what is needed to reach them."""

    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    language: str = ""
    region: str = ""


@dataclass(frozen=True)
class AffectedView:
    id: int
    name: str
    email: str
    phone: str
    address: str
    language: str
    region: str
    source: str
    notified_at: datetime | None
    notice_file: str
    notice_sha256: str

    @property
    def california(self) -> bool:
        return self.region == CALIFORNIA

    def person(self) -> Person:
        return Person(self.name, self.email, self.phone, self.address, self.language, self.region)


@dataclass(frozen=True)
class AddResult:
    """What an import did: new people, duplicates merged into existing ones, rows refused, and
    the search's candidates left out (where found and why: see ``affected_search``), and the
    connections the search could not read (``crm: <why>``), so a list that may be incomplete
    is never reported as complete."""

    added: int
    merged: int
    problems: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    not_searched: tuple[str, ...] = ()

    def message(self) -> str:
        text = f"{self.added} added, {self.merged} duplicates merged"
        if self.problems:
            text += f", {len(self.problems)} rows skipped"
        if self.left_out:
            n = len(self.left_out)
            text += f", {n} candidate{'s' if n != 1 else ''} not added (not confirmed by the search)"
        if self.not_searched:
            n = len(self.not_searched)
            text += (f"; {n} connection{'s' if n != 1 else ''} could not be searched, so the list may be "
                     "incomplete")
        return text


_US_STATES = {"CA": CALIFORNIA, "CALIFORNIA": CALIFORNIA}


def _region(value: str) -> str:
    v = value.strip().upper()
    if not v:
        return ""
    if v in _US_STATES:
        return _US_STATES[v]
    if re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", v):
        return v
    return v[:10]


def _clean_person(raw: Mapping[str, Any], region_default: str | None) -> tuple[Person, set[str]]:
    name = " ".join(str(raw.get("name") or "").split())
    email = str(raw.get("email") or "").strip()
    phone = str(raw.get("phone") or "").strip()
    ident = str(raw.get("identifier") or "").strip()
    if ident and not email and not phone:
        if "@" in ident:
            email = ident
        else:
            phone = ident
    if email:
        problem = email_problem(email)
        if problem:
            raise ValidationError(problem)
        email = normalise_email(email)
    if phone:
        problem = phone_problem(phone)
        if problem:
            raise ValidationError(problem)
        phone = normalise_phone(phone, region_default)
    address = "\n".join(line.strip() for line in str(raw.get("address") or "").replace("\\n", "\n").splitlines()
                        if line.strip())
    language = str(raw.get("language") or "").strip().lower()[:10]
    region = _region(str(raw.get("region") or ""))
    if not (name or email or phone):
        raise ValidationError("the row has no name, e-mail or phone")
    if not (email or phone or address):
        raise ValidationError("the row has no way to reach the person (e-mail, phone or postal address)")
    keys = set()
    if email:
        keys.add("e:" + email)
    if phone:
        keys.add("p:" + phone)
    if not keys:
        keys.add("n:" + normalise_name(name) + "|" + normalise_name(address))
    return Person(name, email, phone, address, language, region), keys


def _keys_of(p: AffectedPerson) -> set[str]:
    keys = set()
    if p.email:
        keys.add("e:" + p.email)
    if p.phone:
        keys.add("p:" + p.phone)
    if not keys:
        keys.add("n:" + normalise_name(p.name) + "|" + normalise_name(p.address))
    return keys


def _same_person(p: AffectedPerson, person: Person) -> bool:
    """A shared key is a duplicate unless the e-mails differ: two people of one household share
    a phone, and each is told on their own."""
    return not (p.email and person.email and p.email != person.email)


def add_affected(ctx: AppContext, reference: str, people: Iterable[Mapping[str, Any] | Person],
                 actor: str, source: str = "csv", included: int = 0, left_out: Sequence[str] = (),
                 not_searched: Sequence[str] = ()) -> AddResult:
    """Add people, merging duplicates on normalised e-mail and phone (existing or in this batch).

    A merged duplicate fills only the fields the stored person lacks. Rows that cannot be used
    are reported with their number, and do not stop the others. From a search, ``included``
    counts the candidates the officer included, ``left_out`` names those left out and
    ``not_searched`` the connections the search could not read; all go into the audit entry.
    """
    from privdesk.services.settings import get_profile

    region_default = get_profile(ctx).holidays_country or None
    added = merged = 0
    problems: list[str] = []
    with _unit(ctx) as s:
        b = _load(s, reference)
        index: dict[str, AffectedPerson] = {}
        for p in s.scalars(select(AffectedPerson).where(AffectedPerson.breach_id == b.id)):
            for k in _keys_of(p):
                index.setdefault(k, p)
        for i, raw in enumerate(people, start=1):
            data = asdict(raw) if isinstance(raw, Person) else raw
            try:
                person, keys = _clean_person(data, region_default)
            except ValidationError as exc:
                problems.append(f"row {i}: {exc.message}")
                continue
            existing = next((index[k] for k in sorted(keys) if k in index and _same_person(index[k], person)),
                            None)
            if existing is not None:
                for f in ("name", "email", "phone", "address", "language", "region"):
                    if not getattr(existing, f) and getattr(person, f):
                        setattr(existing, f, getattr(person, f))
                if existing.name.isupper() and person.name and not person.name.isupper():
                    existing.name = person.name  # "ZOË ØDEGÅRD" from one system, "Zoë Ødegård" from another
                merged += 1
                target = existing
            else:
                target = AffectedPerson(breach_id=b.id, source=source, **asdict(person))
                s.add(target)
                added += 1
            for k in keys | _keys_of(target):
                index.setdefault(k, target)
        s.flush()
        audit.append(s, actor, ENTITY, b.reference, "affected-add",
                     {"source": (None, source), "added": (None, added), "merged": (None, merged),
                      **({"skipped": (None, len(problems))} if problems else {}),
                      **({"candidates_included": (None, included)} if included else {}),
                      **({"candidates_left_out": (None, "; ".join(left_out))} if left_out else {}),
                      **({"connections_not_searched": (None, " | ".join(not_searched))} if not_searched else {})})
    log.info("breach %s: %d affected added, %d merged, %d skipped", reference, added, merged, len(problems))
    if not_searched:
        log.warning("breach %s: affected added while %d connection(s) could not be searched", reference,
                    len(not_searched))
    return AddResult(added, merged, tuple(problems), tuple(left_out), tuple(not_searched))


def _view(p: AffectedPerson) -> AffectedView:
    return AffectedView(p.id, p.name, p.email, p.phone, p.address, p.language, p.region, p.source,
                        p.notified_at, p.notice_file, p.notice_sha256)


def list_affected(ctx: AppContext, reference: str, offset: int = 0, limit: int | None = None) -> list[AffectedView]:
    with ctx.db.session() as s:
        b = _load(s, reference)
        q = select(AffectedPerson).where(AffectedPerson.breach_id == b.id).order_by(AffectedPerson.id).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return [_view(p) for p in s.scalars(q)]


def iter_affected(ctx: AppContext, reference: str, chunk: int = 1000,
                  only_pending: bool = False) -> Iterator[list[AffectedView]]:
    """The affected people in chunks (keyset paging), so a batch never holds them all."""
    with ctx.db.session() as s:
        bid = _load(s, reference).id
    last = 0
    while True:
        with ctx.db.session() as s:
            q = (select(AffectedPerson).where(AffectedPerson.breach_id == bid, AffectedPerson.id > last)
                 .order_by(AffectedPerson.id).limit(chunk))
            if only_pending:
                q = q.where(AffectedPerson.notified_at.is_(None))
            batch = [_view(p) for p in s.scalars(q)]
        if not batch:
            return
        yield batch
        last = batch[-1].id


def count_affected(ctx: AppContext, reference: str, only_pending: bool = False) -> int:
    with ctx.db.session() as s:
        b = _load(s, reference)
        q = select(func.count()).select_from(AffectedPerson).where(AffectedPerson.breach_id == b.id)
        if only_pending:
            q = q.where(AffectedPerson.notified_at.is_(None))
        return int(s.scalar(q) or 0)


def mark_notified(ctx: AppContext, reference: str, results: Iterable[tuple[int, str, str]],
                  at: datetime) -> int:
    """Store on each person the notice file and SHA-256 written for them, in one bulk UPDATE
    (no audit entry here: the batch's notification record carries the manifest's hash)."""
    rows = list(results)
    if not rows:
        return 0
    with _unit(ctx) as s:
        b = _load(s, reference)
        ids = {pid for pid, _f, _h in rows}
        own = set(s.scalars(select(AffectedPerson.id).where(AffectedPerson.breach_id == b.id,
                                                            AffectedPerson.id.in_(ids))))
        params = [{"id": pid, "notified_at": at, "notice_file": file, "notice_sha256": sha}
                  for pid, file, sha in rows if pid in own]
        if params:
            s.execute(update(AffectedPerson), params)
    return len(params)


def remove_affected(ctx: AppContext, reference: str, person_id: int, actor: str) -> None:
    with _unit(ctx) as s:
        b = _load(s, reference)
        p = s.get(AffectedPerson, person_id)
        if p is None or p.breach_id != b.id:
            raise NotFoundError(f"{b.reference} has no affected person number {person_id}.")
        s.delete(p)
        audit.append(s, actor, ENTITY, b.reference, "affected-remove", {"person": (person_id, None)})


