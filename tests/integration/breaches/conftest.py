"""Fixtures of the breach tests: a case database with an organisation profile and one breach."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from privdesk.domain.breach import BreachInput
from privdesk.services import breaches as svc
from privdesk.services import settings
from privdesk.services.context import AppContext
from tests.servers import Server

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

PROFILE = {
    "org.name": "Northwind Analytics Ltd", "org.address": "12 Harbour Street\nLondon EC2A 4BX",
    "org.email": "privacy@northwind.example", "org.phone": "+44 20 7946 0000",
    "dpo.name": "Amara Okafor", "dpo.email": "dpo@northwind.example", "dpo.phone": "+44 20 7946 0101",
    "authority.name": "Information Commissioner's Office", "authority.email": "casework@ico.org.uk",
    "default_law": "uk-gdpr", "holidays.country": "GB",
}


@pytest.fixture
def org_ctx(ctx: AppContext) -> AppContext:
    settings.update_settings(ctx, PROFILE)
    return ctx


def breach_input(**kw: object) -> BreachInput:
    base: dict[str, object] = dict(
        title="Misdirected payroll spreadsheet", aware="2026-11-20T09:30+01:00",
        nature="confidentiality", description="A payroll spreadsheet was e-mailed to an external recruiter.",
        data_categories="Basic identifiers, health, Salary bands", subject_categories="employees, job applicants",
        subjects_approx="312", records_approx="1,250", consequences="Possible discrimination and distress.",
        measures="Recipient confirmed deletion in writing; mail rule blocks external attachments.",
        risk="high", risk_reasoning="Health data of employees.",
    )
    base.update(kw)
    return BreachInput(**base)  # type: ignore[arg-type]


@pytest.fixture
def breach(org_ctx: AppContext) -> svc.BreachDetail:
    return svc.add_breach(org_ctx, breach_input(), "dpo@northwind.example", now=NOW)


#: Two people of one household: the same phone and surname, each with their own e-mail.
ALICE = ("Alice Martin", "alice.martin@example.com")
BOB = ("Bob Martin", "bob.martin@example.com")
HOUSEHOLD_PHONE = "+44 20 7946 0123"


def household_crm(ctx: AppContext, folder: Path) -> str:
    """A real SQLite company database with Alice and Bob, registered as connection ``crm``;
    returns the connection's name."""
    from privdesk.services import discovery

    crm = folder / "crm.sqlite"
    with closing(sqlite3.connect(crm)) as c, c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, phone TEXT, "
                  "birth_date TEXT)")
        c.executemany("INSERT INTO customers VALUES (?,?,?,?,?)", [
            (1, *ALICE, HOUSEHOLD_PHONE, "1984-02-03"), (2, *BOB, "020 7946 0123", "1982-07-09")])
    discovery.add_connection(ctx, "crm", f"sqlite:///{crm}")
    return "crm"


def household_pg(ctx: AppContext, server: Server, database_url: str, name: str = "pg") -> str:
    """The household of :func:`household_crm` on the real PostgreSQL server, registered without
    its password (the server refuses a login without one, so PrivDesk must ask); returns the
    connection's name."""
    from sqlalchemy import create_engine, make_url, text

    from privdesk.services import discovery

    engine = create_engine(database_url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE customers (id int PRIMARY KEY, full_name text, email text, phone text)"))
        c.execute(text("INSERT INTO customers VALUES (:i, :n, :e, :p)"), [
            {"i": 1, "n": ALICE[0], "e": ALICE[1], "p": HOUSEHOLD_PHONE},
            {"i": 2, "n": BOB[0], "e": BOB[1], "p": "020 7946 0123"}])
    engine.dispose()
    db = make_url(database_url).database
    discovery.add_connection(ctx, name, f"postgresql://{server.user}@{server.host}:{server.port}/{db}")
    return name

