"""The record of processing activities end to end: a real case database, real SQLite company
databases searched by the real planner, and the letters and portability files read back."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services import audit, casefile, ropa, withholding
from privdesk.services import discovery as ds
from privdesk.services import requests as rq
from privdesk.services.context import AppContext

ACTOR = "dpo@northwind.example"
MARKETING = {"name": "Newsletter marketing", "purposes": ["Send you our newsletter by e-mail"],
             "lawful_basis": "consent, Art. 6(1)(a)", "data_categories": ["E-mail address and name", "Campaign events"],
             "recipients": ["Mailjet SAS, e-mail delivery"], "retention": "Until you withdraw your consent.",
             "transfers": "Canada: adequacy"}
PAYMENTS = {"name": "Payments", "purposes": ["Take payment for your orders"],
            "lawful_basis": "contract, Art. 6(1)(b)", "data_categories": ["Card type and last four digits"],
            "recipients": ["Stripe Payments Europe Ltd, card processing"], "retention": "6 years (tax law).",
            "source": "The card issuer."}


def _pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def _export_letter(ctx: AppContext, ref: str, path: Path) -> str:
    """Write the export letter (and its portability file beside it); its text."""
    casefile.generate_letter(ctx, "export", ref, path, ACTOR)
    return _pdf_text(path)


@pytest.fixture
def company(ctx: AppContext, tmp_path: Path) -> AppContext:
    """A shop (customers, payments) and a marketing list (subscribers, events, support notes).

    Nora is only on the marketing list; Ola bought something and subscribed.
    """
    from privdesk.services.demo import seed_profile

    seed_profile(ctx)
    shop, mkt = tmp_path / "shop.sqlite", tmp_path / "mkt.sqlite"
    with sqlite3.connect(shop) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT)")
        c.execute("CREATE TABLE payments (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), "
                  "card_last4 TEXT)")
        c.execute("INSERT INTO customers VALUES (1, 'Ola Nordmann', 'ola@example.no')")
        c.execute("INSERT INTO payments VALUES (5, 1, '4242')")
    with sqlite3.connect(mkt) as c:
        c.execute("CREATE TABLE subscribers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, ip_address TEXT)")
        c.execute("CREATE TABLE campaign_events (id INTEGER PRIMARY KEY, "
                  "subscriber_id INTEGER REFERENCES subscribers(id), campaign TEXT, note TEXT)")
        c.execute("CREATE TABLE support_notes (id INTEGER PRIMARY KEY, email TEXT, body TEXT)")
        c.executemany("INSERT INTO subscribers VALUES (?,?,?,?)", [
            (1, "Nora Lind", "nora.lind@example.se", "198.51.100.7"), (2, "Ola Nordmann", "ola@example.no", None)])
        c.executemany("INSERT INTO campaign_events VALUES (?,?,?,?)", [
            (10, 1, "spring-sale", "opened"), (11, 1, "refer-a-friend", "forwarded to Kari Hansen, kari@example.no")])
    ds.add_connection(ctx, "shop", f"sqlite:///{shop}")
    ds.add_connection(ctx, "mkt", f"sqlite:///{mkt}")
    ropa.save_activity(ctx, MARKETING, ACTOR)
    ropa.save_activity(ctx, PAYMENTS, ACTOR)
    for conn, table, act in (("mkt", "subscribers", "Newsletter marketing"), ("mkt", "campaign_events", "Newsletter marketing"),
                             ("shop", "payments", "Payments"), ("shop", "customers", "Payments")):
        ropa.map_table(ctx, conn, table, act, ACTOR)
    return ctx


def _request(ctx: AppContext, name: str, email: str, law: str = "gdpr") -> str:
    ref = rq.open_request(ctx, rq.NewRequest(type="access", law=law, received=date.today(), name=name,
                                             emails=(email,)), actor=ACTOR).reference
    result = ds.search(ctx, ds.make_query(ctx, emails=[email]))
    casefile.attach_snapshot(ctx, ref, ds.make_snapshot(ctx, result), ACTOR)
    return ref


def test_marketing_only_subject_gets_marketing_facts_and_not_payment_ones(company: AppContext, tmp_path: Path) -> None:
    ref = _request(company, "Nora Lind", "nora.lind@example.se")
    text = _export_letter(company, ref, tmp_path / "nora.pdf")
    assert "Send you our newsletter by e-mail (consent, Art. 6(1)(a))" in text
    assert "Mailjet SAS, e-mail delivery" in text
    assert "Until you withdraw your consent." in text
    assert "Canada, under an adequacy decision (Art. 45)" in text
    assert "You provided this data to us yourself." in text
    for absent in ("Take payment", "Stripe", "card issuer", "Card type",  # the Payments activity
                   "Payment service providers", "GENERIC TEXT"):  # nor the generic boilerplate
        assert absent not in text


def test_uncovered_table_falls_back_to_generic_text_marked_in_the_preview(company: AppContext, tmp_path: Path) -> None:
    ref = _request(company, "Nora Lind", "nora.lind@example.se")
    ropa.map_table(company, "mkt", "campaign_events", "Newsletter marketing", ACTOR, remove=True)
    preview = tmp_path / "preview.pdf"
    preview.write_bytes(casefile.preview_letter(company, "export", ref))
    text = _pdf_text(preview)
    assert "GENERIC TEXT, NOT FROM THE REGISTER: no processing activity covers mkt · campaign_events" in text
    assert "Payment service providers, to process payments." in text  # the generic list, after the register's
    assert "Mailjet SAS, e-mail delivery" in text
    sent = _export_letter(company, ref, tmp_path / "sent.pdf")
    assert "GENERIC TEXT" not in sent  # the marker is for the officer, not the subject
    assert "Payment service providers, to process payments." in sent


def test_unmapped_personal_tables_are_the_officers_to_do(company: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    cov = ropa.coverage(company, introspect=True)
    assert [(t.connection, t.table) for t in cov.unmapped] == [("mkt", "support_notes")]
    assert ropa.unmapped_count(company) == 1
    assert main(["--data-dir", str(company.paths.data_dir), "ropa", "unmapped", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == [{"connection": "mkt", "table": "support_notes", "columns": ["email"], "dependent": False,
                    "activities": []}]
    ropa.map_table(company, "mkt", "support_notes", "Newsletter marketing", ACTOR)
    assert ropa.unmapped_count(company) == 0


def test_withheld_rows_and_columns_are_left_out_and_the_letter_names_the_ground(company: AppContext, tmp_path: Path) -> None:
    ref = _request(company, "Nora Lind", "nora.lind@example.se")
    argv = ["--data-dir", str(company.paths.data_dir), "request", "withhold", ref, "--table", "campaign_events",
            "--key", '{"id": 11}', "--ground", "rights-of-others", "--reason", "names a friend", "--as", ACTOR]
    assert main(argv) == 0
    withholding.add_withholding(company, ref, "mkt/subscribers", "crime-prevention", "fraud case 17", ACTOR,
                                column="ip_address")
    text = _export_letter(company, ref, tmp_path / "nora.pdf")
    assert "Information we have withheld" in text
    assert "one record from mkt · campaign_events: withheld because the data also concerns another person" in text
    assert "Article 15(4) GDPR" in text
    assert "the field ip_address of the records from mkt · subscribers" in text
    assert "Kari" not in text and "refer-a-friend" not in text and "198.51.100.7" not in text
    assert "spring-sale" in text and "nora.lind@example.se" in text  # the rest is still there
    assert "fraud case 17" not in text  # the free text stays internal
    data = json.loads((tmp_path / "nora-data.json").read_text())
    assert [e["id"] for e in data["data"]["mkt"]["campaign_events"]] == [10]
    assert "ip_address" not in data["data"]["mkt"]["subscribers"][0]
    events = [e for e in audit.history(company, "request", ref) if e.action == "withhold"]
    assert [e.actor for e in events] == [ACTOR, ACTOR]
    assert events[0].changes["reason"][1] == "names a friend"
    assert "rights" in events[0].changes["ground"][1]
    assert audit.verify(company).ok


def test_withholding_refuses_what_the_snapshot_does_not_hold(company: AppContext) -> None:
    ref = _request(company, "Nora Lind", "nora.lind@example.se")
    with pytest.raises(NotFoundError, match="no rows in a table 'payments'"):
        withholding.add_withholding(company, ref, "payments", "trade-secret", "x", ACTOR)
    with pytest.raises(NotFoundError, match="has the key"):
        withholding.add_withholding(company, ref, "campaign_events", "trade-secret", "x", ACTOR, key={"id": 99})
    with pytest.raises(ValidationError, match="not a ground"):
        withholding.add_withholding(company, ref, "campaign_events", "because", "x", ACTOR)
    with pytest.raises(ValidationError, match="Say why"):
        withholding.add_withholding(company, ref, "campaign_events", "trade-secret", " ", ACTOR)


def test_register_csv_round_trip_and_refused_rows(company: AppContext, tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "register.csv"
    ropa.export_register(company, out, ACTOR)
    assert out.stat().st_mode & 0o077 == 0
    before = [a.to_json() for a in ropa.list_activities(company)]
    fresh = AppContext.open(tmp_path / "other")
    try:
        report = ropa.import_register(fresh, out, ACTOR)
        assert sorted(report.created) == ["Newsletter marketing", "Payments"] and not report.refused
        assert len(report.skipped_mappings) == 4 and "no connection called 'mkt'" in report.skipped_mappings[0]
        after = [a.to_json() for a in ropa.list_activities(fresh)]
        strip = lambda rows: [{k: v for k, v in r.items() if k not in ("id", "tables")} for r in rows]  # noqa: E731
        assert strip(after) == strip(before)
        for c in ds.list_connections(company):  # the same databases connected here: the mapping follows
            ds.add_connection(fresh, c.name, c.url)
        report = ropa.import_register(fresh, out, ACTOR)
        assert sorted(report.updated) == ["Newsletter marketing", "Payments"] and not report.skipped_mappings
        assert [a.to_json() for a in ropa.list_activities(fresh)] == before
        bad = tmp_path / "bad.csv"
        bad.write_text("name,purposes,lawful_basis,transfers\n"
                       "Payments,Take payment,contract,\n"
                       ",No name,consent,\n"
                       "HR,Payroll,,\n"
                       "CCTV,Security,legitimate interests,Mars: sccs\n"
                       "Transfers,Analytics,consent,United States: pinky promise\n", encoding="utf-8")
        report = ropa.import_register(fresh, bad, ACTOR)
        assert report.updated == ("Payments",) and report.created == ("CCTV",)
        assert [(r.line, r.reason.split(" ")[0]) for r in report.refused] == [
            (3, "A"), (4, "The"), (6, "'pinky")]
        assert "lawful basis" in report.refused[1].reason
        assert ropa.get_activity(fresh, "CCTV").transfers[0].country == "Mars"  # a country is free text
        assert audit.verify(fresh).ok
    finally:
        fresh.close()


def test_register_pdf_export_lists_every_activity(company: AppContext, tmp_path: Path) -> None:
    assert main(["--data-dir", str(company.paths.data_dir), "ropa", "export", "-o", str(tmp_path / "r.pdf")]) == 0
    text = _pdf_text(tmp_path / "r.pdf")
    assert "Record of processing activities" in text
    assert "1. Newsletter marketing" in text and "2. Payments" in text
    assert "mkt · subscribers" in text and "Northwind Analytics Ltd" in text


def test_cli_list_json_contract_and_map_errors(company: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--data-dir", str(company.paths.data_dir)]
    assert main([*d, "ropa", "list", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in items] == ["Newsletter marketing", "Payments"]
    for key in ("id", "name", "purposes", "lawful_basis", "recipients", "retention", "tables"):
        assert key in items[0]
    assert items[0]["tables"] == ["mkt · campaign_events", "mkt · subscribers"]
    assert main([*d, "ropa", "map", "nosuch", "t", "Payments"]) == 2
    assert "no connection called 'nosuch'" in capsys.readouterr().err
    assert main([*d, "ropa", "map", "mkt", "support_notes", "Nothing"]) == 2
    assert "no processing activity 'Nothing'" in capsys.readouterr().err
    assert main([*d, "ropa", "map", "mkt", "support_notes", "1"]) == 0
    events = audit.history(company, "ropa", "ACT-1")
    assert [e.action for e in events][-1] == "map"


def test_demo_register_is_mapped_to_the_demo_databases(ctx: AppContext) -> None:
    from privdesk.services.demo import seed_demo

    lines = seed_demo(ctx)
    assert any(line.startswith("register: 6 activities added") for line in lines)
    names = {a.name: a for a in ropa.list_activities(ctx)}
    assert set(names) == {"Customer accounts", "Order fulfilment", "Payments", "Newsletter marketing",
                          "Website analytics", "Support tickets"}
    assert "demo-shop · payments" in names["Payments"].tables
    assert ropa.coverage(ctx, introspect=True).unmapped == ()
    assert seed_demo(ctx)[2].startswith("register: 0 activities added")  # idempotent


@pytest.mark.postgres
def test_register_and_withholding_on_postgresql(tmp_path: Path, postgres_db: str) -> None:
    pg = AppContext.open(tmp_path / "pgdata", postgres_db)
    try:
        db = tmp_path / "mkt.sqlite"
        with sqlite3.connect(db) as c:
            c.execute("CREATE TABLE subscribers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, ip TEXT)")
            c.execute("INSERT INTO subscribers VALUES (1, 'Nora Lind', 'nora@example.se', '10.0.0.1')")
        ds.add_connection(pg, "mkt", f"sqlite:///{db}")
        ropa.save_activity(pg, MARKETING, ACTOR)
        ropa.map_table(pg, "mkt", "subscribers", "newsletter MARKETING", ACTOR)  # names match case-insensitively
        with pytest.raises(ValidationError, match="already has an activity"):
            ropa.save_activity(pg, {**PAYMENTS, "name": "Newsletter Marketing"}, ACTOR)
        ref = _request(pg, "Nora Lind", "nora@example.se")
        withholding.add_withholding(pg, ref, "subscribers", "trade-secret", "scoring model", ACTOR, column="ip")
        sections = ropa.sections_for(pg, [("mkt", "subscribers", ("email",))])
        assert sections.recipients == ("Mailjet SAS, e-mail delivery",) and not sections.uncovered
        _info, _found, shown, notes = withholding.disclosed_snapshot(pg, ref)
        assert "ip" not in shown.matches[0].row and "trade secret" in notes[0]
        assert audit.verify(pg).ok
    finally:
        pg.close()


def test_a_portability_file_made_before_a_withholding_is_not_reused(company: AppContext, tmp_path: Path) -> None:
    ref = _request(company, "Nora Lind", "nora.lind@example.se")
    casefile.export_portability(company, ref, "json", tmp_path / "early.json", ACTOR)
    withholding.add_withholding(company, ref, "campaign_events", "rights-of-others", "names a friend", ACTOR,
                                key={"id": 11})
    text = _export_letter(company, ref, tmp_path / "nora.pdf")
    assert "early.json" not in text and "nora-data.json" in text
    data = json.loads((tmp_path / "nora-data.json").read_text())
    assert [e["id"] for e in data["data"]["mkt"]["campaign_events"]] == [10]
    assert "nora-data.json" in _export_letter(company, ref, tmp_path / "again.pdf")  # reused now: still current


def test_a_mistyped_table_is_refused_on_a_connection_never_read_before(ctx: AppContext, tmp_path: Path) -> None:
    """Found by QA on fresh demo data: `ropa map demo-shop nosuchtable 1` succeeded and put the
    typo in the register, because the connection's schema had not been read yet."""
    db = tmp_path / "fresh.sqlite"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
    ds.add_connection(ctx, "fresh", f"sqlite:///{db}")
    ropa.save_activity(ctx, PAYMENTS, ACTOR)
    with pytest.raises(NotFoundError, match="has no table 'custmers'"):
        ropa.map_table(ctx, "fresh", "custmers", "Payments", ACTOR)
    assert ropa.list_activities(ctx)[0].tables == ()
    assert ropa.map_table(ctx, "fresh", "customers", "Payments", ACTOR).tables == ("fresh · customers",)
    with sqlite3.connect(db) as c:  # the table goes away: its mapping can still be taken back
        c.execute("DROP TABLE customers")
    ds.get_map(ctx, "fresh", refresh=True)
    assert ropa.map_table(ctx, "fresh", "customers", "Payments", ACTOR, remove=True).tables == ()


@pytest.mark.parametrize("law", ["lgpd", "vcdpa", "ccpa"])
def test_a_letter_under_another_law_cites_no_gdpr_articles_from_the_register(
        company: AppContext, tmp_path: Path, law: str) -> None:
    """Found by QA: the LGPD and Virginia export letters gave the register's lawful bases and
    safeguards with GDPR article numbers ("consent, Art. 6(1)(a)", "adequacy decision (Art. 45)")."""
    ref = _request(company, "Nora Lind", "nora.lind@example.se", law=law)
    text = _export_letter(company, ref, tmp_path / f"nora-{law}.pdf")
    assert "Send you our newsletter by e-mail (consent)" in text
    # no transfers section at all: these laws give no right to the safeguards (GDPR Art. 15(2) does)
    assert "Canada" not in text and "adequacy" not in text
    assert "Art. 6(1)" not in text and "Art. 45" not in text
