"""The breach register service on a real SQLite case database: record, clocks, notifications,
affected people, the register export and the audit trail."""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from privdesk.domain import breach as dom
from privdesk.errors import ConflictError, NotFoundError, ValidationError
from privdesk.services import audit
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import NOW, breach_input

ACTOR = "dpo@northwind.example"


def test_record_defaults_and_reference(org_ctx: AppContext, breach: svc.BreachDetail) -> None:
    assert breach.reference == "BR-2026-0001"
    assert breach.contact_name == "Amara Okafor" and breach.contact_email == "dpo@northwind.example"
    assert breach.regimes == ("uk-gdpr",)
    assert breach.authorities == ("Information Commissioner's Office",)
    assert breach.aware.isoformat() == "2026-11-20T09:30:00+01:00" and breach.aware_zone == "+01:00"
    assert breach.authority_due is not None
    assert breach.authority_due.isoformat() == "2026-11-23T09:30:00+01:00"
    assert breach.special_categories
    assert [c.label for c in breach.data_categories if not c.special and not c.key] == ["Salary bands"]
    assert breach.subjects_approx == 312 and breach.records_approx == 1250
    second = svc.add_breach(org_ctx, breach_input(title="Second"), ACTOR, now=NOW)
    assert second.reference == "BR-2026-0002"
    again = svc.get_breach(org_ctx, "br-2026-1", now=NOW)
    assert again.title == breach.title and again.description == breach.description


def test_clock_in_the_register(org_ctx: AppContext, breach: svc.BreachDetail) -> None:
    rows = svc.list_breaches(org_ctx, now=NOW)
    assert len(rows) == 1
    row = rows[0]
    # aware 08:30 UTC on the 20th, due 08:30 UTC on the 23rd, now 12:00 UTC on the 21st
    assert row.clock is not None and row.clock.kind is dom.NoticeKind.AUTHORITY
    assert row.clock.minutes_left == 44 * 60 + 30 and row.clock_state == "ok"
    assert row.clock_text == "Supervisory authority: 1 d 20 h 30 min left"
    amber = svc.list_breaches(org_ctx, now=NOW + timedelta(hours=21))[0]
    assert amber.clock_state == "amber"
    red = svc.list_breaches(org_ctx, now=NOW + timedelta(hours=45))[0]
    assert red.clock_state == "red" and red.clock_text.endswith("late by 30 min")
    assert svc.list_breaches(org_ctx, svc.BreachQuery(clock="late"), now=NOW) == []
    assert len(svc.list_breaches(org_ctx, svc.BreachQuery(clock="late"), now=NOW + timedelta(hours=45))) == 1
    j = row.to_json()
    assert j["reference"] == "BR-2026-0001" and j["risk"] == "high" and j["status"] == "open"
    assert j["authority_due"] == "2026-11-23T09:30+01:00"


def test_filters(org_ctx: AppContext, breach: svc.BreachDetail) -> None:
    svc.add_breach(org_ctx, breach_input(title="Lost laptop", risk="none"), ACTOR, now=NOW)
    assert [r.title for r in svc.list_breaches(org_ctx, svc.BreachQuery(risk="none"), now=NOW)] == ["Lost laptop"]
    assert [r.title for r in svc.list_breaches(org_ctx, svc.BreachQuery(text="laptop"), now=NOW)] == ["Lost laptop"]
    svc.set_status(org_ctx, breach.reference, "closed", ACTOR)
    open_only = svc.list_breaches(org_ctx, svc.BreachQuery(include_closed=False), now=NOW)
    assert [r.title for r in open_only] == ["Lost laptop"]


def test_late_authority_notification_without_reasons_is_refused(org_ctx: AppContext, breach: svc.BreachDetail) -> None:
    late = NOW + timedelta(days=3)
    with pytest.raises(ValidationError, match="reasons for the delay"):
        svc.record_notification(org_ctx, breach.reference, "authority", ACTOR, sent_at=late, now=late)
    assert svc.get_breach(org_ctx, breach.reference, now=late).notifications == ()
    rec = svc.record_notification(org_ctx, breach.reference, "authority", ACTOR, sent_at=late, now=late,
                                  delay_reasons="The forensic report arrived on day four.",
                                  document_file="n.pdf", document_sha256="ab" * 32)
    assert rec.late and rec.recipient == "Information Commissioner's Office"
    follow = svc.record_notification(org_ctx, breach.reference, "authority", ACTOR, phase="follow-up",
                                     sent_at=late + timedelta(days=2), now=late + timedelta(days=2),
                                     case_reference="ICO-123")
    assert not follow.late and follow.phase == "follow-up"
    d = svc.get_breach(org_ctx, breach.reference, now=late)
    auth = d.clock(dom.NoticeKind.AUTHORITY)
    assert auth is not None and auth.state == "done" and auth.late
    events = svc.history(org_ctx, breach.reference)
    assert [e.action for e in events] == ["record", "notify", "notify"]
    assert events[1].changes["delay_reasons"][1] == "The forensic report arrived on day four."
    assert audit.verify(org_ctx).ok


def test_follow_up_needs_an_initial_notice(org_ctx: AppContext, breach: svc.BreachDetail) -> None:
    with pytest.raises(ValidationError, match="initial"):
        svc.record_notification(org_ctx, breach.reference, "authority", ACTOR, phase="follow-up", now=NOW)


def test_update_revalidates_and_audits(org_ctx: AppContext, breach: svc.BreachDetail) -> None:
    d = svc.update_breach(org_ctx, breach.reference, {"risk": "risk", "measures_proposed": "Training."}, ACTOR,
                          expected_version=breach.version, now=NOW)
    assert d.risk == "risk" and d.version == breach.version + 1
    assert not d.required(dom.NoticeKind.INDIVIDUALS)
    with pytest.raises(ConflictError):
        svc.update_breach(org_ctx, breach.reference, {"title": "x"}, ACTOR, expected_version=breach.version)
    with pytest.raises(ValidationError, match="must be documented"):
        svc.update_breach(org_ctx, breach.reference, {"risk": "high", "exemptions": "unintelligible"}, ACTOR, now=NOW)
    d = svc.update_breach(org_ctx, breach.reference, {"risk": "high", "exemptions": "unintelligible",
                                                      "exemption_reasoning": "The file was AES-256 encrypted."},
                          ACTOR, now=NOW)
    ind = d.clock(dom.NoticeKind.INDIVIDUALS)
    assert ind is not None and not ind.required and "exception recorded" in ind.reason
    last = svc.history(org_ctx, breach.reference)[-1]
    assert last.action == "update" and last.changes["exemptions"] == ("", "unintelligible")
    with pytest.raises(NotFoundError):
        svc.get_breach(org_ctx, "BR-2026-0099")


def test_affected_people_merge_on_normalised_identifiers(org_ctx: AppContext, breach: svc.BreachDetail,
                                                        tmp_path: Path) -> None:
    people = [
        {"name": "Zoë Ødegård", "email": "Zoe.Odegard@Example.com"},
        {"name": "", "email": " zoe.odegard@example.COM ", "address": "3 Fjord Road\nBergen"},
        {"name": "Łukasz Wróbel", "phone": "+44 20 7946 0958"},
        {"name": "L. Wróbel", "phone": "020 7946 0958", "language": "pl"},
        {"name": "Nobody"},
        {"name": "Bad", "email": "not-an-email"},
    ]
    result = svc.add_affected(org_ctx, breach.reference, people, ACTOR, source="search")
    assert (result.added, result.merged) == (2, 2)
    assert len(result.problems) == 2 and result.problems[0].startswith("row 5")
    stored = svc.list_affected(org_ctx, breach.reference)
    zoe = next(p for p in stored if p.email == "zoe.odegard@example.com")
    assert zoe.name == "Zoë Ødegård" and zoe.address == "3 Fjord Road\nBergen"
    lukasz = next(p for p in stored if p.phone == "+442079460958")
    assert lukasz.name == "Łukasz Wróbel" and lukasz.language == "pl"

    f = tmp_path / "people.csv"
    f.write_text("Name;E-mail;Postal address;Language;State\n"
                 "Dmitri Ivanov;dmitri@example.ru;Lenina 1\\nMoscow;ru;\n"
                 "Ana Souza;ANA@example.br;;pt;\n"
                 "Carla Diaz;carla@example.com;1 Main St, Fresno;es;CA\n"
                 "Zoe again;zoe.odegard@example.com;;;\n", encoding="utf-8")
    f.write_text("id;Name;E-mail;Postal address;Language;State\n"
                 "C-1;Dmitri Ivanov;dmitri@example.ru;Lenina 1\\nMoscow;ru;\n"
                 "C-2;Ana Souza;ANA@example.br;;pt;\n"
                 "C-3;Carla Diaz;carla@example.com;1 Main St, Fresno;es;CA\n"
                 "C-4;Zoe again;zoe.odegard@example.com;;;\n", encoding="utf-8")
    r2 = svc.import_affected_csv(org_ctx, breach.reference, f, ACTOR)
    assert (r2.added, r2.merged, r2.problems) == (3, 1, ())
    assert svc.count_affected(org_ctx, breach.reference) == 5
    d = svc.get_breach(org_ctx, breach.reference, now=NOW)
    assert d.affected == 5 and d.residents.get("US-CA") == 1
    chunks = list(svc.iter_affected(org_ctx, breach.reference, chunk=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert svc.history(org_ctx, breach.reference)[-1].action == "affected-add"


def test_identifier_list_runs_through_the_search(org_ctx: AppContext, breach: svc.BreachDetail) -> None:
    from privdesk.discovery.search import Match

    found = {"zoe@example.com": [Match("crm", "customers", {"id": 1}, {"id": 1, "name": "Zoë Ødegård",
                                                                       "email": "zoe@example.com",
                                                                       "address": "Bergen"}, ("email",))]}

    def fake_search(_ctx: AppContext, ident: Mapping[str, str]) -> list[Match]:
        return found.get(ident.get("identifier", ""), [])

    r = svc.add_affected_from_identifiers(org_ctx, breach.reference,
                                          [{"identifier": "zoe@example.com"}, {"identifier": "+44 20 7946 0958"}],
                                          ACTOR, search=fake_search)
    assert (r.added, r.merged) == (2, 0)
    names = sorted(p.name for p in svc.list_affected(org_ctx, breach.reference))
    assert names == ["", "Zoë Ødegård"]


def test_people_from_search_matches_keep_only_contact_details() -> None:
    from privdesk.discovery.search import Match, Via

    matches = [
        Match("crm", "customers", {"id": 1}, {"id": 1, "first_name": "Zoë", "last_name": "Ødegård",
                                             "email": "zoe@example.com", "mobile": "+47 912 34 567",
                                             "street_address": "Fjord Road 3", "birth_date": "1990-01-01",
                                             "loyalty_points": 120}, ("email",)),
        Match("crm", "orders", {"id": 9}, {"id": 9, "email": "zoe@example.com"}, (), Via("customers", {"id": 1}), 1),
    ]
    people = svc.people_from_matches(matches)
    assert people == [{"name": "Zoë Ødegård", "email": "zoe@example.com", "phone": "+47 912 34 567",
                       "address": "Fjord Road 3"}]


def test_export_register_csv(org_ctx: AppContext, breach: svc.BreachDetail, tmp_path: Path) -> None:
    svc.add_breach(org_ctx, breach_input(title="=HYPERLINK(\"x\")", risk="none"), ACTOR, now=NOW)
    svc.record_notification(org_ctx, breach.reference, "authority", ACTOR, sent_at=NOW, now=NOW,
                            document_file="authority.pdf", document_sha256="cd" * 32)
    out = tmp_path / "register.csv"
    assert svc.export_register(org_ctx, out, now=NOW) == 2
    assert os.stat(out).st_mode & 0o777 == 0o600
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    first = rows[0]
    assert first["reference"] == "BR-2026-0001" and first["risk"] == "high"
    assert first["aware"] == "2026-11-20T09:30+01:00"
    assert "Health data [special]" in first["data_categories"]
    assert first["authority_notified_at"].startswith("2026-11-21T13:00")
    assert "authority.pdf" in first["notifications"] and first["contact_name"] == "Amara Okafor"
    assert rows[1]["title"].startswith("'=")  # never a live formula in a spreadsheet
    assert list(rows[0].keys()) == list(svc.REGISTER_COLUMNS)


def test_aware_without_offset_uses_the_local_zone(org_ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    d = svc.add_breach(org_ctx, breach_input(aware="2026-11-20T09:30"), ACTOR, now=NOW)
    assert d.aware_zone == "America/Los_Angeles"
    assert d.aware.astimezone(UTC) == datetime(2026, 11, 20, 17, 30, tzinfo=UTC)


def test_migration_upgrades_an_old_database_and_downgrades(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from privdesk.store.database import Database, alembic_config

    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}", backups_dir=tmp_path / "backups")
    db.upgrade_to("0002_officers_assets")
    assert "breaches" not in inspect(db.engine).get_table_names()
    db.upgrade_to("0003_breaches")
    tables = set(inspect(db.engine).get_table_names())
    assert {"breaches", "breach_notifications", "breach_affected"} <= tables
    cols = {c["name"] for c in inspect(db.engine).get_columns("breaches")}
    assert {"aware_at", "aware_zone", "authority_due", "risk", "exemptions"} <= cols
    cfg = alembic_config(db.engine)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003_breaches@-1")
    assert "breaches" not in inspect(db.engine).get_table_names()
    db.dispose()
