"""Migration 0011_name_keys: requests saved under the old name rule get today's keys, so the
queue sorts and filters old and new rows alike.

The database is built at 0007_hardening and filled with the literal keys the old rule
(``" ".join(NFC(name).casefold().split())``) wrote; the upgrade goes through the real start-up
path (backup first).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from privdesk.domain.identifiers import normalise_name, request_search_text
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.store.database import Database
from tests.integration.requests.conftest import ACTOR, TODAY

#: reference -> (name, e-mail, key under the old rule, search text under the old rule)
OLD_ROWS = {
    "DSR-2026-0001": ("Ayşe Yılmaz", "ayse.yilmaz@example.com", "ayşe yılmaz",
                      "dsr-2026-0001 ayşe yılmaz ayse.yilmaz@example.com"),
    "DSR-2026-0002": ("Anna Smith-Jones", "Anna.SJ@example.com", "anna smith-jones",
                      "dsr-2026-0002 anna smith-jones anna.sj@example.com"),
    "DSR-2026-0003": ("ＫＯＢＡＹＡＳＨＩ Ｋｅｎ", "ken@example.jp", "ｋｏｂａｙａｓｈｉ ｋｅｎ",
                      "dsr-2026-0003 ｋｏｂａｙａｓｈｉ ｋｅｎ ken@example.jp"),
    "DSR-2026-0004": ("Seán O’Brien", "sean@example.ie", "seán o’brien",
                      "dsr-2026-0004 seán o’brien sean@example.ie"),
    "DSR-2026-0005": ("Zoë Ødegård", "zoe@example.no", "zoë ødegård", "dsr-2026-0005 zoë ødegård zoe@example.no"),
    # anonymised when its retention ended: no identifiers, no key, the reference only
    "DSR-2026-0006": ("(anonymised)", "", "", "dsr-2026-0006"),
}
#: what the keys and texts must be after the upgrade (literal, not recomputed here)
NEW_KEYS = {
    "DSR-2026-0001": ("ayşe yilmaz", "dsr-2026-0001 ayşe yilmaz ayse.yilmaz@example.com"),
    "DSR-2026-0002": ("anna smith jones", "dsr-2026-0002 anna smith jones anna.sj@example.com"),
    "DSR-2026-0003": ("kobayashi ken", "dsr-2026-0003 kobayashi ken ken@example.jp"),
    "DSR-2026-0004": ("seán o'brien", "dsr-2026-0004 seán o'brien sean@example.ie"),
    "DSR-2026-0005": ("zoë ødegård", "dsr-2026-0005 zoë ødegård zoe@example.no"),
    "DSR-2026-0006": ("", "dsr-2026-0006"),
}
_INSERT = text(
    "INSERT INTO requests (id, reference, type, law, channel, received, clock_start, due, deadline,"
    " extension_reason, subject_name, subject_key, subject_address, primary_email, requester,"
    " verification, status, outcome, decision_reason, decided_by, notes, holiday_country,"
    " holiday_subdivision, pauses, duplicate_of, merged_into, search_text, version)"
    " VALUES (:id, :ref, 'access', 'gdpr', 'email', '2026-11-02', '2026-11-02', '2026-12-02', '2026-12-02',"
    " '', :name, :key, '', :email, '', 'pending', :status, '', '', '', '', '', '', '[]', '', '', :text, 3)")


def _old_database(data_dir: Path, url: str = "") -> None:
    """A case database (by default the data directory's SQLite file) at 0007_hardening holding
    OLD_ROWS as the old code saved them."""
    old = Database(url or f"sqlite:///{data_dir / 'privdesk.sqlite3'}", backups_dir=data_dir / "backups")
    old.upgrade_to("0007_hardening")
    with old.engine.begin() as c:
        for n, (ref, (name, email, key, search)) in enumerate(OLD_ROWS.items(), start=1):
            c.execute(_INSERT, {"id": n, "ref": ref, "name": name, "key": key, "text": search,
                                "email": email.casefold(), "status": "completed" if not key else "received"})
            if email:
                c.execute(text("INSERT INTO subject_identifiers (request_id, kind, value, normalised)"
                               " VALUES (:id, 'email', :v, :n)"), {"id": n, "v": email, "n": email.casefold()})
    old.dispose()


def _stored(db: Database) -> dict[str, tuple[str, str, int]]:
    with db.engine.connect() as c:
        return {ref: (key, txt, version) for ref, key, txt, version in c.execute(
            text("SELECT reference, subject_key, search_text, version FROM requests ORDER BY id"))}


def test_upgrade_recomputes_name_keys_after_a_backup(data_dir: Path) -> None:
    _old_database(data_dir)
    ctx = AppContext.open(data_dir)
    assert ctx.db.migration_state().up_to_date
    stored = _stored(ctx.db)
    assert {ref: (key, txt) for ref, (key, txt, _v) in stored.items()} == NEW_KEYS
    # the stored values are what the service writes today (same rules, same identifier order)
    for ref, (name, email, key, _t) in OLD_ROWS.items():
        if key:
            idents = [("email", email, email.casefold())]
            assert stored[ref][:2] == (normalise_name(name), request_search_text(ref, name, idents)), ref
    assert {v for _k, _t, v in stored.values()} == {3}, "derived keys are no officer's edit: version kept"
    backup = ctx.last_backup
    assert backup is not None and backup.exists()
    with sqlite3.connect(backup) as b:
        assert b.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0007_hardening"
        assert b.execute("SELECT subject_key FROM requests WHERE id = 1").fetchone()[0] == "ayşe yılmaz"
    ctx.close()


@pytest.fixture
def upgraded(data_dir: Path) -> Iterator[AppContext]:
    _old_database(data_dir)
    ctx = AppContext.open(data_dir)
    yield ctx
    ctx.close()


def test_queue_sorts_and_filters_old_rows_like_new_ones(upgraded: AppContext) -> None:
    ctx = upgraded
    new = svc.open_request(ctx, svc.NewRequest(type="access", law="gdpr", received=date(2026, 11, 20),
                                               name="MEHMET YILMAZ", emails=("mehmet@example.tr",)),
                           ACTOR, today=TODAY).reference

    def refs(q: svc.RequestQuery) -> list[str]:
        return [r.reference for r in svc.list_requests(ctx, q, today=TODAY)]

    by_subject = refs(svc.RequestQuery(sort="subject"))
    # the anonymised row (empty key) first, then by the folded name: Kobayashi among the K's (not
    # after Z as a full-width key sorted), Yılmaz with an i, O’Brien with a plain apostrophe
    assert by_subject == ["DSR-2026-0006", "DSR-2026-0002", "DSR-2026-0001", "DSR-2026-0003", new,
                          "DSR-2026-0004", "DSR-2026-0005"]
    assert refs(svc.RequestQuery(text="YILMAZ", sort="id")) == ["DSR-2026-0001", new]
    assert refs(svc.RequestQuery(text="kobayashi")) == ["DSR-2026-0003"]
    assert refs(svc.RequestQuery(text="o'brien")) == ["DSR-2026-0004"]


def test_a_request_opened_after_the_upgrade_gets_the_migrated_rows_key(upgraded: AppContext) -> None:
    """The migration and opening a request apply one rule: the same person typed in capitals
    today has the key the migration gave the old row, so the two sort side by side."""
    again = svc.open_request(upgraded, svc.NewRequest(type="access", law="gdpr", received=date(2026, 11, 20),
                                                      name="AYŞE YILMAZ", emails=("ayse@example.org",)),
                             ACTOR, today=TODAY).reference
    stored = _stored(upgraded.db)
    assert stored[again][0] == stored["DSR-2026-0001"][0] == "ayşe yilmaz"


@pytest.mark.postgres
def test_upgrade_recomputes_name_keys_on_postgres(postgres_db: str, data_dir: Path) -> None:
    _old_database(data_dir, postgres_db)
    db = Database(postgres_db)
    db.upgrade(confirmed=True)
    assert {ref: (key, txt) for ref, (key, txt, _v) in _stored(db).items()} == NEW_KEYS
    db.dispose()
