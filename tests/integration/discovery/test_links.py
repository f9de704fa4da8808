"""Issue 9: the subject's data, exactly, on SQLite, PostgreSQL and MariaDB, with and without
declared foreign keys: links inferred and accepted, other people's rows left out and counted,
candidates shown apart and not attached."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.discovery.search import SearchOptions, SearchQuery, SearchResult
from privdesk.services import casefile
from privdesk.services import discovery as svc
from privdesk.services import links as lsvc
from privdesk.services.context import AppContext
from tests.integration.discovery.shop import (
    ANA,
    ANA_CONTEXT,
    ANA_PHONE,
    ANA_ROWS,
    BEN_ROWS,
    ERIN,
    INFERRED,
    MANUAL,
    build_shop,
)

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres_db", marks=pytest.mark.postgres, id="postgresql"),
            pytest.param("mariadb_db", marks=pytest.mark.mariadb, id="mariadb")]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    url: str = request.getfixturevalue(request.param)
    return url


def _rows(r: SearchResult, role: str = "subject") -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for m in r.matches:
        if m.role == role:
            out.setdefault(m.table, set()).add(m.key["id"])
    return out


def _accept_inferred(ctx: AppContext) -> None:
    listed = lsvc.list_links(ctx, "shop")
    proposed = {lk.id for lk in listed.links if lk.status == "proposed"}
    assert proposed >= INFERRED, proposed
    for lk in listed.links:
        if lk.id in INFERRED:
            assert lk.score is not None and lk.score >= 0.5
            assert lk.evidence["sample_size"] >= 1 and lk.evidence["overlap"] == 1.0
    lsvc.accept_links(ctx, "shop", sorted(INFERRED), "officer@example.com")
    lsvc.add_link(ctx, "shop", *MANUAL, actor="officer@example.com")


@pytest.mark.parametrize("declare", [False, True], ids=["no-fks", "declared-fks"])
def test_subject_rows_exactly(ctx: AppContext, backend: str, declare: bool) -> None:
    build_shop(backend, declare)
    svc.add_connection(ctx, "shop", backend)
    if not declare:
        before = svc.search(ctx, SearchQuery(emails=(ANA,)))
        assert _rows(before) == {"customers": {1}}  # no links known: only the row holding the e-mail
        _accept_inferred(ctx)
    else:
        listed = lsvc.list_links(ctx, "shop")
        assert {lk.id for lk in listed.links if lk.status == "declared"} >= INFERRED
    r = svc.search(ctx, SearchQuery(emails=(ANA,)))
    assert not r.errors, r.errors
    assert _rows(r) == ANA_ROWS
    assert _rows(r, "context") == ANA_CONTEXT
    assert _rows(r, "candidate") == {}
    assert {(x.table, x.rows, x.reason) for x in r.excluded} == {("employees", 1, "belong to other people")}
    order = next(m for m in r.matches if m.table == "orders" and m.key["id"] == 10)
    assert order.reason == "Linked through customer 1"

    ben = svc.search(ctx, SearchQuery(emails=("ben.ode@example.com",)))
    assert _rows(ben) == BEN_ROWS  # the shared address 1 is Ben's shipping address: his value

    erin = svc.search(ctx, SearchQuery(emails=(ERIN,)))
    assert _rows(erin) == {"employees": {1}}
    assert [m for m in erin.matches if m.role != "subject"] == []
    assert {(x.table, x.rows) for x in erin.excluded} == {("customers", 2)}

    # a row sharing the subject's phone but holding another e-mail is a candidate, not attached
    both = svc.search(ctx, SearchQuery(emails=(ANA,), phones=(ANA_PHONE,), default_region="GB"))
    cand = [m for m in both.matches if m.role == "candidate"]
    assert {(m.table, m.key["id"]) for m in cand} >= {("customers", 3), ("orders", 30)}
    cleo = next(m for m in cand if m.table == "customers")
    assert "another e-mail" in cleo.reason
    assert _rows(both) == ANA_ROWS
    snap = svc.make_snapshot(ctx, both)
    assert {(m.table, m.key["id"]) for m in snap.disclosed()} == {
        (t, i) for t, ids in ANA_ROWS.items() for i in ids}
    reasons = {(x.table, x.reason) for x in snap.excluded}
    assert ("customers", "are candidates the officer did not include") in reasons
    assert ("employees", "belong to other people") in reasons


def test_cli_links_contract_and_attach(ctx: AppContext, data_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from privdesk.services import requests as rq

    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    build_shop(url, declare=False)
    d = ["--data-dir", str(data_dir)]
    assert main([*d, "connection", "add", "shop", url]) == 0
    capsys.readouterr()
    assert main([*d, "connection", "links", "shop", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"links"}
    first = out["links"][0]
    assert set(first) == {"id", "from", "to", "status", "score", "evidence"}
    assert set(first["from"]) == {"table", "columns"} and isinstance(first["from"]["columns"], list)
    ids = {lk["id"] for lk in out["links"]}
    assert ids >= INFERRED
    assert all(lk["status"] == "proposed" and 0.5 <= lk["score"] <= 1 for lk in out["links"])
    assert main([*d, "connection", "links", "shop", "--reject", "logins.customer_id=customers.id",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {lk["id"]: lk["status"] for lk in out["links"]}["logins.customer_id=customers.id"] == "rejected"
    assert main([*d, "connection", "links", "shop", "--accept-all", "--min-score", "0.9",
                 "--add", *MANUAL, "--json"]) == 0
    status = {lk["id"]: lk["status"] for lk in json.loads(capsys.readouterr().out)["links"]}
    assert all(status[i] == "accepted" for i in INFERRED - {"logins.customer_id=customers.id"})
    assert status["logins.customer_id=customers.id"] == "rejected"  # accept-all keeps the decision
    assert status["customers.account_manager_id=employees.id"] == "accepted"
    assert main([*d, "connection", "links", "shop", "--accept", "nope.x=y.z"]) == 2
    assert "no link" in capsys.readouterr().err
    assert main([*d, "connection", "links", "shop", "--add", "customers.nope", "employees.id"]) == 2
    capsys.readouterr()

    assert main([*d, "search", "--email", ANA, "--phone", ANA_PHONE, "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert {x["table"]: x["reason"] for x in res["excluded"]} == {"employees": "belong to other people"}
    assert all(m["role"] in ("subject", "candidate", "context") for m in res["matches"])
    assert {m["table"] for m in res["matches"] if m["role"] == "candidate"} >= {"customers", "orders"}

    ref = rq.open_request(ctx, rq.NewRequest(type="access", law="gdpr", received=date.today(), name="Ana Silva",
                                             emails=(ANA,)), "o@example.com").reference
    assert main([*d, "search", "--email", ANA, "--phone", ANA_PHONE, "--attach", ref, "--as", "o@example.com"]) == 0
    capsys.readouterr()
    _info, snap = casefile.latest_snapshot(ctx, ref)
    assert all(m.role != "candidate" for m in snap.matches)
    assert snap.row_count == sum(len(v) for v in ANA_ROWS.values()) - 2  # the logins link was rejected
    assert main([*d, "search", "--email", ANA, "--phone", ANA_PHONE, "--attach", ref, "--include-candidates"]) == 0
    capsys.readouterr()
    _info, snap2 = casefile.latest_snapshot(ctx, ref)
    assert any(m.role == "candidate" for m in snap2.matches)


def test_dropped_column_flags_link(ctx: AppContext, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    build_shop(url, declare=False)
    svc.add_connection(ctx, "shop", url)
    _accept_inferred(ctx)
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("ALTER TABLE logins DROP COLUMN customer_id"))
    eng.dispose()
    svc.get_map(ctx, "shop", refresh=True)
    r = svc.search(ctx, SearchQuery(emails=(ANA,)))
    assert not r.errors
    assert "logins" not in _rows(r)
    listed = lsvc.list_links(ctx, "shop", infer=False)
    lk = listed.get("logins.customer_id=customers.id")
    assert lk is not None and lk.status == "accepted" and "no longer exists" in lk.evidence["broken"]


def test_decisions_and_role_overrides_are_audited(ctx: AppContext, tmp_path: Path) -> None:
    from privdesk.services import audit as audit_svc

    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    build_shop(url, declare=False)
    svc.add_connection(ctx, "shop", url)
    lsvc.accept_links(ctx, "shop", ["orders.customer_id=customers.id"], "a@example.com")
    lsvc.reject_links(ctx, "shop", ["logins.customer_id=customers.id"], "a@example.com")
    lsvc.add_link(ctx, "shop", *MANUAL, actor="a@example.com")
    lsvc.set_table_role(ctx, "shop", "products", "personal", "a@example.com")
    cmap = svc.cached_map(ctx, "shop")
    assert cmap is not None and cmap.table("products").role.role == "personal"  # type: ignore[union-attr]
    actions = [e.action for e in audit_svc.history(ctx, "connection", "shop")]
    # (adding the connection is audited too: issue 11 point 17)
    assert sorted(actions) == sorted(["connection_add", "link_accept", "link_reject", "link_add", "table_role"])


@pytest.mark.postgres
def test_links_in_another_schema(ctx: AppContext, postgres_db: str) -> None:
    """Table names as the database spells them, schema-qualified outside the default schema."""
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_db)
    try:
        with engine.begin() as conn:
            conn.execute(text('CREATE SCHEMA "Billing Dept"'))
            conn.execute(text('CREATE TABLE "Billing Dept".accounts (id integer PRIMARY KEY, email text)'))
            conn.execute(text('CREATE TABLE "Billing Dept".invoices (id integer PRIMARY KEY, account_id integer, '
                              'amount numeric, holder_ref integer)'))
            conn.execute(text("INSERT INTO \"Billing Dept\".accounts VALUES (7, 'ana@example.com'), (8, 'b@example.com')"))
            conn.execute(text('INSERT INTO "Billing Dept".invoices VALUES (70, 7, 12.50, 8), (71, 8, 1, 7)'))
    finally:
        engine.dispose()
    svc.add_connection(ctx, "srv", postgres_db, options={"schemas": ["Billing Dept"]})
    listed = lsvc.list_links(ctx, "srv")
    ident = "Billing Dept.invoices.account_id=Billing Dept.accounts.id"
    assert ident in {lk.id for lk in listed.links}
    lk = listed.get(ident)
    assert lk is not None and lk.to_json()["from"] == {"table": "Billing Dept.invoices", "columns": ["account_id"]}
    lsvc.accept_links(ctx, "srv", [ident], "o@example.com")
    lsvc.add_link(ctx, "srv", "Billing Dept.invoices.holder_ref", "Billing Dept.accounts.id", "o@example.com")
    r = svc.search(ctx, SearchQuery(emails=("ana@example.com",)))
    assert not r.errors, r.errors
    # invoice 70 is Ana's account's; 71 names her only as holder_ref but belongs to account 8: both
    # refer to her row, so both are reached -- 71 also refers to account 8, another person: a candidate
    roles = {(m.table, m.key["id"]): m.role for m in r.matches}
    assert roles[("Billing Dept.accounts", 7)] == "subject"
    assert roles[("Billing Dept.invoices", 70)] == "candidate" and roles[("Billing Dept.invoices", 71)] == "candidate"


def test_email_link_in_any_letter_case(ctx: AppContext, tmp_path: Path) -> None:
    """orders.customer_email -> customers.email is proposed by name, its sample compared whatever the
    letter case (score 1.0), and the search returns the order once."""
    import sqlite3

    path = tmp_path / "mail.sqlite3"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, full_name TEXT)")
        c.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_email TEXT, total INTEGER)")
        c.executemany("INSERT INTO customers VALUES (?, ?, ?)", [(1, "Ana@Example.com", "Ana"), (2, "b@x.org", "B")])
        c.executemany("INSERT INTO orders VALUES (?, ?, ?)", [(10, " ana@example.COM", 5), (11, "b@x.org", 7)])
    svc.add_connection(ctx, "mail", f"sqlite:///{path}")
    listed = lsvc.list_links(ctx, "mail")
    lk = listed.get("orders.customer_email=customers.email")
    assert lk is not None and lk.score == 1.0, listed
    lsvc.accept_links(ctx, "mail", [lk.id], "o@example.com")
    r = svc.search(ctx, SearchQuery(emails=("ana@example.com",)), options=SearchOptions(depth=1))
    assert {(m.table, m.key["id"], m.role) for m in r.matches} == {("customers", 1, "subject"), ("orders", 10, "subject")}
    # not searched directly (the officer says the column is no identifier): reached through the link
    svc.set_column_kind(ctx, "mail", "orders", "customer_email", "none")
    r = svc.search(ctx, SearchQuery(emails=("ana@example.com",)), options=SearchOptions(depth=1))
    order = next(m for m in r.matches if m.table == "orders")
    assert (order.key["id"], order.role, order.reason) == (10, "subject", "Linked through customer 1")
