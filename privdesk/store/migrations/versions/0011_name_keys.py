"""Name keys: recompute the stored name comparison keys with today's ``normalise_name``.

``normalise_name`` now folds more spellings together (Turkish ı/İ, NFKC full-width forms,
dashes, typographic apostrophes). Two request columns store its result: ``subject_key`` (the
queue's sort by subject) and ``search_text`` (the queue's free-text filter, which holds the
name's key). Rows written before the change keep the old keys, so ``Yılmaz`` sorted after
``Zimmer`` and the filter ``YILMAZ`` missed it. No schema change; data only.

The migration imports the pure domain rules (``normalise_name`` and ``request_search_text``),
not the ORM models: the rule being applied is exactly the one new rows are written with, and
the project's migrations keep no frozen copies of domain rules. The tables are touched through
SQLAlchemy Core, in batches by id, so a case database of 100,000 requests upgrades in a few
seconds with flat memory. The upgrade path backs the SQLite file up before any migration runs
(``Database.upgrade``); a server database is upgraded only after the officer confirmed a dump.

Nothing else stored derives from the name rule: breach affected people's duplicate keys, the
subject search's keys and the duplicate-request warning (e-mail and phone only) are computed
when used.

Revision ID: 0011_name_keys
Revises: 0007_hardening
Create Date: 2026-12-02
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from privdesk.domain.identifiers import normalise_name, request_search_text

revision: str = "0011_name_keys"
down_revision: str | Sequence[str] | None = "0007_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Requests read, recomputed and written per round trip.
BATCH = 2000

_requests = sa.table(
    "requests",
    sa.column("id", sa.Integer()),
    sa.column("reference", sa.String()),
    sa.column("subject_name", sa.String()),
    sa.column("subject_key", sa.String()),
    sa.column("search_text", sa.Text()),
)
_identifiers = sa.table(
    "subject_identifiers",
    sa.column("id", sa.Integer()),
    sa.column("request_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("value", sa.String()),
    sa.column("normalised", sa.String()),
)


def upgrade() -> None:
    conn = op.get_bind()
    r, i = _requests, _identifiers
    # Only changed rows are written; ``version`` and ``updated_at`` stay: no officer changed the
    # request, and an open window's expected version must still match.
    write = (sa.update(r).where(r.c.id == sa.bindparam("b_id"))
             .values(subject_key=sa.bindparam("b_key"), search_text=sa.bindparam("b_text")))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(r.c.id, r.c.reference, r.c.subject_name, r.c.subject_key, r.c.search_text)
            .where(r.c.id > last).order_by(r.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        idents: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        for rid, kind, value, norm in conn.execute(
            sa.select(i.c.request_id, i.c.kind, i.c.value, i.c.normalised)
            .where(i.c.request_id > last, i.c.request_id <= rows[-1].id)
            .order_by(i.c.request_id, i.c.id)  # the order the request's identifiers are listed in
        ):
            idents[rid].append((kind, value, norm))
        changed = []
        for row in rows:
            if row.subject_key == "":
                continue  # anonymised when its retention ended: reference-only text, nothing to compare
            key = normalise_name(row.subject_name)
            text = request_search_text(row.reference, row.subject_name, idents[row.id])
            if (key, text) != (row.subject_key, row.search_text):
                changed.append({"b_id": row.id, "b_key": key, "b_text": text})
        if changed:
            conn.execute(write, changed)
        last = rows[-1].id


def downgrade() -> None:
    # Deliberately nothing: the old keys cannot be recovered from the new ones (many spellings
    # share one key) and are not needed; the older code only sorts and filters by them.
    pass
