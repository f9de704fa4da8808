"""A case database with known requests and breaches around October 2026, on SQLite and on the
suite's PostgreSQL, for the dashboard, the command and the report."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from privdesk.domain.periods import Period
from privdesk.services import breaches as breach_svc
from privdesk.services import requests as rq
from privdesk.services import settings
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import PROFILE, breach_input

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
ACTOR = "test@example.com"


@dataclass(frozen=True)
class Case:
    ctx: AppContext
    refs: dict[str, str]
    officer_id: int


def _open(ctx: AppContext, key: str, received: date, law: str = "gdpr", rtype: str = "access",
          assignee: int | None = None) -> str:
    new = rq.NewRequest(type=rtype, law=law, received=received, name=f"Person {key}",
                        emails=(f"{key.lower()}@example.com",), assignee_id=assignee)
    return rq.open_request(ctx, new, actor=ACTOR, today=received).reference


def seed_case(ctx: AppContext) -> Case:
    """Requests A..K (see each line) and three breaches, two of them in October."""
    settings.update_settings(ctx, PROFILE)
    olga = settings.add_officer(ctx, "Olga Reviewer", "olga@example.com").id
    assert olga is not None
    r: dict[str, str] = {}

    def work(key: str, on: date) -> None:
        rq.change_status(ctx, r[key], "in_progress", actor=ACTOR, today=on)

    r["A"] = _open(ctx, "A", date(2026, 9, 10))                      # answered on time in October (25 days)
    work("A", date(2026, 9, 11))
    rq.complete(ctx, r["A"], "Data sent", ACTOR, today=date(2026, 10, 5))
    r["B"] = _open(ctx, "B", date(2026, 9, 1))                       # answered late in October (49 days)
    work("B", date(2026, 9, 2))
    rq.complete(ctx, r["B"], "Data sent after reminders", ACTOR, today=date(2026, 10, 20))
    r["C"] = _open(ctx, "C", date(2026, 10, 2))                      # received in October, extended, open
    work("C", date(2026, 10, 3))
    rq.extend(ctx, r["C"], "Twelve systems to search", ACTOR, today=date(2026, 10, 20))
    r["D"] = _open(ctx, "D", date(2026, 10, 6), law="uk-gdpr", rtype="erasure")  # denied on time (22 days)
    work("D", date(2026, 10, 7))
    rq.deny(ctx, r["D"], "Manifestly unfounded", ACTOR, today=date(2026, 10, 28))
    r["E"] = _open(ctx, "E", date(2026, 10, 10))                     # withdrawn in October
    rq.withdraw(ctx, r["E"], ACTOR, "No longer wanted", today=date(2026, 10, 12))
    r["F"] = _open(ctx, "F", date(2026, 10, 15), law="uk-gdpr")      # clock stopped, open
    work("F", date(2026, 10, 16))
    rq.pause_clock(ctx, r["F"], "Asked which account", ACTOR, on=date(2026, 10, 20), today=date(2026, 10, 20))
    r["G"] = _open(ctx, "G", date(2026, 8, 1))                       # answered in August: outside
    work("G", date(2026, 8, 2))
    rq.complete(ctx, r["G"], "Data sent", ACTOR, today=date(2026, 8, 20))
    r["H"] = _open(ctx, "H", date(2026, 10, 1), assignee=olga)       # overdue now (due 2 Nov)
    r["I"] = _open(ctx, "I", date(2026, 10, 29), assignee=olga)      # due within 7 days (30 Nov)
    r["J"] = _open(ctx, "J", date(2026, 11, 20))                     # due in December
    r["K"] = _open(ctx, "K", date(2026, 9, 5))                       # answered late in November: outside
    work("K", date(2026, 9, 6))
    rq.complete(ctx, r["K"], "Data sent", ACTOR, today=date(2026, 11, 3))

    early = breach_svc.add_breach(ctx, breach_input(title="Lost laptop", aware="2026-10-05T09:00+00:00"),
                                  ACTOR, now=datetime(2026, 10, 5, 10, tzinfo=UTC))
    breach_svc.record_notification(ctx, early.reference, "authority", ACTOR, sent_at="2026-10-06T09:00+00:00",
                                   now=datetime(2026, 10, 6, 10, tzinfo=UTC))
    breach_svc.record_notification(ctx, early.reference, "individuals", ACTOR, sent_at="2026-10-07T09:00+00:00",
                                   count=312, now=datetime(2026, 10, 7, 10, tzinfo=UTC))
    late = breach_svc.add_breach(ctx, breach_input(title="Phished mailbox", aware="2026-10-20T09:00+00:00"),
                                 ACTOR, now=datetime(2026, 10, 20, 10, tzinfo=UTC))
    breach_svc.record_notification(ctx, late.reference, "authority", ACTOR, sent_at="2026-10-25T09:00+00:00",
                                   delay_reasons="Forensics took five days", now=datetime(2026, 10, 25, 10, tzinfo=UTC))
    breach_svc.add_breach(ctx, breach_input(title="Open bucket", aware="2026-11-25T02:00+00:00"), ACTOR, now=NOW)
    return Case(ctx, r, olga)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def case(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Case]:
    """The known case database, on SQLite and on the PostgreSQL server the suite starts."""
    monkeypatch.setenv("TZ", "UTC")
    url = request.getfixturevalue("postgres_db") if request.param == "postgresql" else None
    ctx = AppContext.open(tmp_path / "data", url)
    try:
        yield seed_case(ctx)
    finally:
        ctx.close()


@pytest.fixture
def sqlite_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Case]:
    """The known case database on SQLite only (the command line and the report)."""
    monkeypatch.setenv("TZ", "UTC")
    ctx = AppContext.open(tmp_path / "data")
    try:
        yield seed_case(ctx)
    finally:
        ctx.close()
