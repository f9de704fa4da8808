"""The command line around a plan (SQLite): write connections, per-table defaults, rectification,
opt-out, plain-words refusals, and that nothing is written through a search connection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from privdesk.cli import main
from privdesk.discovery import writer
from privdesk.discovery.connections import ConnectionSpec, build_engine
from privdesk.discovery.errors import ConnectionFailed
from privdesk.services import discovery as ds
from privdesk.services import erasure
from privdesk.services.context import AppContext
from tests.integration.erasure.conftest import ACTOR, Case, dump, make_case


def _cli(ctx: AppContext, *args: str) -> int:
    return main(["--data-dir", str(ctx.paths.data_dir), *args])


@pytest.fixture
def case(ctx: AppContext, tmp_path: Path) -> Case:
    return make_case(ctx, f"sqlite:///{tmp_path / 'shop.sqlite3'}", "sqlite")


def test_search_connection_never_writes(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    before = dump(case.url)
    assert _cli(case.ctx, "execute", case.ref, "--confirm", case.ref) == 2
    assert "no change plan yet" in capsys.readouterr().err
    assert _cli(case.ctx, "plan", case.ref) == 0
    capsys.readouterr()
    assert _cli(case.ctx, "execute", case.ref, "--confirm", case.ref) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no write connection for 'shop'" in err[0] and "--write-for shop" in err[0]
    assert dump(case.url) == before
    spec = ConnectionSpec("shop", ds.get_connection(case.ctx, "shop").url)
    with pytest.raises(ConnectionFailed, match="read-only for PrivDesk"):
        writer.build_write_engine(spec, None)
    engine = build_engine(spec, None)  # the search engine opens SQLite read-only: a write fails there too
    with pytest.raises(Exception, match="readonly|read-only"), engine.begin() as c:
        c.execute(text("DELETE FROM logins"))
    engine.dispose()
    assert dump(case.url) == before


def test_write_connection_rules(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(case.ctx, "connection", "add", "w", case.url, "--write-for", "nope") == 2
    assert "no connection called 'nope'" in capsys.readouterr().err
    assert _cli(case.ctx, "connection", "add", "w", case.url, "--write-for", "shop") == 0
    assert _cli(case.ctx, "connection", "add", "w2", case.url, "--write-for", "shop") == 2
    assert "already has a write connection" in capsys.readouterr().err
    # a write connection is never searched
    result = ds.search(case.ctx, ds.make_query(case.ctx, emails=["zoe.ohara@example.com"]))
    assert result.connections == ("shop",)
    assert _cli(case.ctx, "plan", case.ref, "--json") == 0
    assert _cli(case.ctx, "execute", case.ref, "--confirm", "DSR-0000") == 2
    assert "typing the request reference" in capsys.readouterr().err
    assert _cli(case.ctx, "execute", case.ref, "--confirm", case.ref, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["connections"][0]["write_connection"] == "w"
    assert _cli(case.ctx, "execute", case.ref, "--confirm", case.ref) == 2
    assert "already been executed" in capsys.readouterr().err


def test_defaults_from_the_command_line(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(case.ctx, "connection", "erasure", "shop", "logins", "--action", "keep",
                "--reason", "fraud prevention: 90 days") == 0
    assert _cli(case.ctx, "connection", "erasure", "shop", "customers", "--mask", "email=hash",
                "--mask", "full_name=random", "--mask", "phone=fixed:none") == 0
    assert _cli(case.ctx, "connection", "erasure", "shop", "nosuch", "--action", "keep") == 2
    assert "has no table 'nosuch'" in capsys.readouterr().err
    assert _cli(case.ctx, "connection", "erasure", "shop", "customers", "--mask", "email=blur") == 2
    assert "not a masking strategy" in capsys.readouterr().err
    assert _cli(case.ctx, "plan", case.ref, "--json") == 0
    steps = {s["table"]: s for s in json.loads(capsys.readouterr().out)["steps"]}
    assert steps["logins"]["action"] == "keep" and steps["logins"]["reason"] == "fraud prevention: 90 days"
    assert steps["customers"]["action"] == "mask"
    assert steps["customers"]["columns"] == ["email", "full_name", "phone"]
    view = erasure.get_plan(case.ctx, case.ref)
    cust = next(s for s in view.plan.steps if s.table == "customers").rows[0].values
    assert cust["phone"] == "none" and cust["email"] != "Zoe.OHara@Example.com" and len(cust["full_name"]) == 10
    # the dry run shows statements and counts
    assert _cli(case.ctx, "plan", case.ref, "--dry-run", "--json") == 0
    dry = json.loads(capsys.readouterr().out)
    assert not dry["stale"] and all(s["rows"] == s["rows_now"] for s in dry["steps"])
    assert any(s["statement"].startswith("DELETE FROM newsletter") for s in dry["steps"])


def test_rectification_by_correction(ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = make_case(ctx, f"sqlite:///{tmp_path / 'shop.sqlite3'}", "sqlite", "rectification")
    assert _cli(ctx, "plan", case.ref, "--json") == 2
    assert "type the corrected values" in capsys.readouterr().err
    assert _cli(ctx, "plan", case.ref, "--correct", "shop", "customers", "id=1", "full_name=Zoë O'Hara-Smith",
                "--correct", "shop", "customers", "id=1", "phone=+44 20 7946 0000", "--json") == 0
    (step,) = json.loads(capsys.readouterr().out)["steps"]
    assert step == {"connection": "shop", "table": "customers", "action": "update", "rows": 1,
                    "columns": ["full_name", "phone"], "reason": "rectification"}
    ds.add_connection(ctx, "shop-w", case.url, options={"write_for": "shop"})
    before = dump(case.url)
    assert erasure.execute(ctx, case.ref, case.ref, ACTOR).ok
    after = dump(case.url)
    assert after["customers"][0][2:] == ("Zoë O'Hara-Smith", "+44 20 7946 0000")
    assert after["customers"][1:] == before["customers"][1:] and after["orders"] == before["orders"]
    proof = erasure.verify(ctx, case.ref, ACTOR)
    assert proof["ok"], proof["problems"]
    assert "customers: 1 row corrected (full_name, phone)" in erasure.completion_summary(ctx, case.ref)


def test_optout_sets_the_consent_column(ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = make_case(ctx, f"sqlite:///{tmp_path / 'shop.sqlite3'}", "sqlite", "opt-out")
    assert _cli(ctx, "plan", case.ref) == 2
    assert "opt-out setting" in capsys.readouterr().err
    assert _cli(ctx, "connection", "erasure", "shop", "newsletter", "--optout", "update",
                "--optout-set", "subscribed=0") == 0
    assert _cli(ctx, "plan", case.ref, "--json") == 0
    (step,) = json.loads(capsys.readouterr().out)["steps"]
    assert (step["table"], step["action"], step["columns"]) == ("newsletter", "update", ["subscribed"])
    ds.add_connection(ctx, "shop-w", case.url, options={"write_for": "shop"})
    assert erasure.execute(ctx, case.ref, case.ref, ACTOR).ok
    engine = create_engine(case.url)
    with engine.connect() as c:
        assert c.execute(text("SELECT id, subscribed FROM newsletter ORDER BY id")).all() == [(40, 0), (41, 1)]
    engine.dispose()
    assert erasure.verify(ctx, case.ref, ACTOR)["ok"]


def test_completion_letter_lists_each_system(case: Case, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from privdesk.services import casefile
    from privdesk.services import requests as rq
    from privdesk.services.demo import seed_profile

    seed_profile(case.ctx)
    erasure.build_plan(case.ctx, case.ref, ACTOR)
    ds.add_connection(case.ctx, "shop-w", case.url, options={"write_for": "shop"})
    assert erasure.execute(case.ctx, case.ref, case.ref, ACTOR).ok
    assert erasure.verify(case.ctx, case.ref, ACTOR)["ok"]
    rq.verify_identity(case.ctx, case.ref, ACTOR)
    rq.complete(case.ctx, case.ref, "done", ACTOR, outcome="We erased your account.")
    out = tmp_path / "completion.pdf"
    casefile.generate_letter(case.ctx, "completion", case.ref, out, ACTOR)
    words = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "In shop:" in words and "logins: 2 rows erased" in words
    assert "orders: 2 rows masked (ship_name, ship_address), because: tax records" in words
    assert "order_items: 2 rows kept, because: tax records: lines of kept orders" in words
    assert "Article 17(3) GDPR" in words


def test_hostile_names_and_other_peoples_rows(ctx: AppContext, tmp_path: Path) -> None:
    """Quoting of hostile table and column names in the script; an employee who reports to the
    subject is another person: never deleted, and the subject's own row is masked instead."""
    import shutil
    import subprocess
    from datetime import date

    from privdesk.services import casefile
    from privdesk.services import requests as rq
    from tests.integration.discovery.conftest import HOSTILE_TABLE, build_company

    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 client is not installed")
    path = tmp_path / "company.sqlite3"
    url = f"sqlite:///{path}"
    build_company(url)
    ds.add_connection(ctx, "crm", url)
    ds.get_map(ctx, "crm")
    ref = rq.open_request(ctx, rq.NewRequest(type="erasure", law="gdpr", received=date.today(), name="Aisha Khan",
                                             emails=("aisha.khan@example.co.uk",)), actor=ACTOR).reference
    result = ds.search(ctx, ds.make_query(ctx, emails=["aisha.khan@example.co.uk"]))
    casefile.attach_snapshot(ctx, ref, ds.make_snapshot(ctx, result), ACTOR)
    plan = erasure.build_plan(ctx, ref, ACTOR).plan
    steps = {s.table: s for s in plan.steps}
    assert steps["employees"].action == "mask" and [r.key for r in steps["employees"].rows] == [{"id": 2}]
    assert steps["employees"].reason == "other people's rows in employees refer to it"
    assert steps[HOSTILE_TABLE].action == "delete" and len(steps[HOSTILE_TABLE].rows) == 1
    script = tmp_path / "erase.sql"
    erasure.write_scripts(ctx, ref, script, ACTOR)
    done = subprocess.run(["sqlite3", str(path)], stdin=script.open("rb"), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    engine = create_engine(url)
    with engine.connect() as c:
        assert c.execute(text('SELECT id FROM "odd ""table""; DROP TABLE customers; --"')).scalars().all() == [2]
        assert c.execute(text("SELECT id, email, manager_id FROM employees ORDER BY id")).all() == [
            (1, "boss@example.com", None), (2, None, 1), (3, "x@example.com", 2)]
        assert c.execute(text("SELECT id FROM customers ORDER BY id")).scalars().all() == [2, 3, 4, 5]
        assert c.execute(text("SELECT id FROM orders ORDER BY id")).scalars().all() == [12]
    engine.dispose()
    proof = erasure.verify(ctx, ref, ACTOR)
    assert proof["ok"], proof["problems"]


def test_retention_duty_from_the_processing_register(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    from privdesk.services import ropa

    ropa.save_activity(case.ctx, {"name": "Fraud prevention", "purposes": ["Detect account takeover"],
                                  "lawful_basis": "legal obligation, Art. 6(1)(c) (anti-money-laundering)",
                                  "retention": "5 years after the login."}, ACTOR)
    ropa.save_activity(case.ctx, {"name": "Newsletter", "purposes": ["Send the newsletter"],
                                  "lawful_basis": "consent, Art. 6(1)(a)", "retention": "Until consent is withdrawn."},
                       ACTOR)
    ropa.map_table(case.ctx, "shop", "logins", "Fraud prevention", ACTOR)
    ropa.map_table(case.ctx, "shop", "newsletter", "Newsletter", ACTOR)
    assert _cli(case.ctx, "plan", case.ref, "--json") == 0
    steps = {s["table"]: s for s in json.loads(capsys.readouterr().out)["steps"]}
    assert steps["logins"]["action"] == "keep"
    assert steps["logins"]["reason"] == ("Fraud prevention: 5 years after the login "
                                         "(legal obligation, Article 17(3)(b) GDPR)")
    assert steps["newsletter"]["action"] == "delete"  # consent is no reason to keep
    # the officer's default still wins
    assert _cli(case.ctx, "connection", "erasure", "shop", "logins", "--action", "delete") == 0
    assert _cli(case.ctx, "plan", case.ref, "--json") == 0
    steps = {s["table"]: s for s in json.loads(capsys.readouterr().out)["steps"]}
    assert steps["logins"]["action"] == "delete"


def test_accepted_links_order_the_plan(case: Case) -> None:
    """A link the officer added (no foreign key declared) orders deletions like a foreign key."""
    from privdesk.domain.erasure import Link
    from privdesk.services import links as lsvc

    assert erasure.extra_links(case.ctx, "shop") == []
    lsvc.add_link(case.ctx, "shop", "newsletter.email", "customers.email", ACTOR)
    assert erasure.extra_links(case.ctx, "shop") == [Link("newsletter", ("email",), "customers", ("email",))]


def test_plan_text_counts_and_script_lines(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(case.ctx, "plan", case.ref, "--dry-run") == 0
    out = capsys.readouterr().out
    assert " 1 row planned, " in out and " 1 rows" not in out
    script = tmp_path / "erase.sql"
    assert _cli(case.ctx, "plan", case.ref, "--sql", "-o", str(script)) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("script written to ") and str(script) in out and "privdesk:" not in out


def test_lines_of_an_order_kept_for_tax_stay_without_their_own_default(case: Case,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Found by QA: orders masked for tax kept their amounts, but the plan deleted their order lines."""
    from privdesk.domain.erasure import TableDefault

    erasure.set_table_default(case.ctx, "shop", "order_items", TableDefault(), ACTOR)  # automatic
    before = dump(case.url)
    assert _cli(case.ctx, "plan", case.ref, "--rebuild", "--dry-run") == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "order_items" in x and "planned" in x)
    assert "keep" in line and "2 rows planned" in line and "tax records: kept 10 years (HGB §257)" in line
    assert not any(x.startswith("DELETE FROM order_items") for x in out.split())
    assert dump(case.url) == before  # a dry run changes nothing
