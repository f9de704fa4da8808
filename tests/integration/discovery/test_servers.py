"""The search against the real PostgreSQL and MariaDB servers the suite starts."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from privdesk.discovery.connections import ConnectionSpec, build_engine, parse_url, read_only
from privdesk.discovery.search import SearchOptions, SearchQuery
from privdesk.services import discovery as svc
from privdesk.services.context import AppContext
from tests.integration.discovery.conftest import HOSTILE_TABLE, build_company

SERVERS = [pytest.param("postgres_db", marks=pytest.mark.postgres, id="postgresql"),
           pytest.param("mariadb_db", marks=pytest.mark.mariadb, id="mariadb")]


@pytest.fixture(params=SERVERS)
def server_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(request.param)
    build_company(url)
    return url


def _keys(result: object, table: str) -> set[int]:
    return {m.key["id"] for m in result.matches if m.table == table}  # type: ignore[attr-defined]


def test_search_on_server(ctx: AppContext, server_url: str) -> None:
    info = svc.add_connection(ctx, "srv", server_url)
    assert "privdesk-test" not in info.url
    assert svc.test_connection(ctx, "srv").ok
    svc.get_map(ctx, "srv")
    svc.set_column_kind(ctx, "srv", HOSTILE_TABLE, "select", "phone")
    for phone in ("+44 20 7946 0958", "(020) 7946-0958", "442079460958"):
        r = svc.search(ctx, SearchQuery(phones=(phone,), default_region="GB"), options=SearchOptions(depth=0))
        assert not r.errors, r.errors
        assert _keys(r, "customers") == {1} and _keys(r, HOSTILE_TABLE) == {1}, phone
    r = svc.search(ctx, SearchQuery(emails=(" AISHA.KHAN@example.co.uk",)))
    assert not r.errors, r.errors
    assert _keys(r, "customers") == {1} and _keys(r, "orders") == {10, 11} and _keys(r, "order_items") == {20, 21}
    assert _keys(r, HOSTILE_TABLE) == {1} and _keys(r, "employees") == {2}
    r = svc.search(ctx, SearchQuery(names=("zoë ødegård",)), options=SearchOptions(depth=0))
    assert _keys(r, "customers") == {2}
    r = svc.search(ctx, SearchQuery(customer_ids=("C-3",)), options=SearchOptions(depth=0))
    assert _keys(r, "customers") == {3}


@pytest.mark.parametrize("value", ["' OR 1=1 --", "%", "_", "x\x00y", "a" * 10_000, "\\", "'; DROP TABLE customers; --"])
def test_hostile_values_on_server(ctx: AppContext, server_url: str, value: str) -> None:
    svc.add_connection(ctx, "srv", server_url)
    r = svc.search(ctx, SearchQuery(emails=(value,), phones=(value,), names=(value,), customer_ids=(value,)))
    assert not r.errors, r.errors
    found = {(m.table, m.key["id"]) for m in r.matches}
    if value in ("%", "_"):
        # customer 5 really stores '%' / '_' (first and last name '_'), nothing else may match
        assert found <= {("customers", 5), ("orders", 5)}
    elif value == "' OR 1=1 --":
        assert found == {(HOSTILE_TABLE, 2)}  # the row that literally holds that text
    else:
        assert found == set()
    engine = create_engine(server_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM customers")).scalar() == 5
    finally:
        engine.dispose()


def test_writes_fail_and_timeouts_bite(server_url: str) -> None:
    clean, password = parse_url(server_url)
    spec = ConnectionSpec("srv", clean)
    engine = build_engine(spec, password)
    try:
        with read_only(engine, 5) as conn, pytest.raises(DBAPIError):
            conn.execute(text("INSERT INTO orders (id, customer_id, note) VALUES (99, 1, 'x')"))
        with read_only(engine, 5) as conn, pytest.raises(DBAPIError):
            conn.execute(text("DELETE FROM customers"))
        sleep = "SELECT pg_sleep(5)" if engine.dialect.name == "postgresql" else \
            "SELECT count(*) FROM information_schema.columns a, information_schema.columns b, information_schema.columns c"
        start = time.monotonic()
        with read_only(engine, 1) as conn, pytest.raises(DBAPIError) as exc:
            conn.execute(text(sleep)).all()
        assert time.monotonic() - start < 4
        from privdesk.discovery.connections import explain

        assert "time limit" in explain(exc.value, spec, 1)
    finally:
        engine.dispose()
    check = create_engine(server_url)
    try:
        with check.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM customers")).scalar() == 5
            assert conn.execute(text("SELECT count(*) FROM orders")).scalar() == 3
    finally:
        check.dispose()


def test_plain_messages_on_server(ctx: AppContext, server_url: str) -> None:
    url = make_url(server_url)
    svc.add_connection(ctx, "badpw", url.set(password="wrong-password").render_as_string(hide_password=False))
    r = svc.test_connection(ctx, "badpw")
    assert not r.ok and "Wrong user name or password" in r.message
    svc.add_connection(ctx, "nodb", url.set(database="no_such_db").render_as_string(hide_password=False))
    r = svc.test_connection(ctx, "nodb")
    assert not r.ok and "does not exist" in r.message, r.message
    assert "privdesk-test" not in r.message


def test_cancel_stops_a_running_query(server_url: str) -> None:
    import threading

    from privdesk.discovery.connections import Canceller

    clean, password = parse_url(server_url)
    engine = build_engine(ConnectionSpec("srv", clean), password)
    stop = threading.Event()
    canceller = Canceller(stop)
    slow = "SELECT pg_sleep(20)" if engine.dialect.name == "postgresql" else \
        "SELECT count(*) FROM information_schema.columns a, information_schema.columns b, information_schema.columns c"
    threading.Timer(0.5, stop.set).start()
    start = time.monotonic()
    try:
        with read_only(engine, 30, stop, canceller) as conn, pytest.raises(DBAPIError):
            conn.execute(text(slow)).all()
        assert time.monotonic() - start < 5
    finally:
        canceller.close()
        engine.dispose()


@pytest.mark.postgres
def test_other_schemas_on_postgresql(ctx: AppContext, postgres_db: str) -> None:
    from privdesk.errors import ValidationError

    build_company(postgres_db)
    engine = create_engine(postgres_db)
    try:
        with engine.begin() as conn:
            conn.execute(text('CREATE SCHEMA "Billing Dept"'))
            conn.execute(text('CREATE TABLE "Billing Dept".accounts (id integer PRIMARY KEY, email text)'))
            conn.execute(text('CREATE TABLE "Billing Dept".invoices (id integer PRIMARY KEY, '
                              'account_id integer REFERENCES "Billing Dept".accounts(id), amount numeric)'))
            conn.execute(text("""INSERT INTO "Billing Dept".accounts VALUES (7, 'Aisha.Khan@example.co.uk '),
                                 (8, 'someone@example.org')"""))
            conn.execute(text("""INSERT INTO "Billing Dept".invoices VALUES (70, 7, 12.50), (71, 8, 1)"""))
    finally:
        engine.dispose()
    with pytest.raises(ValidationError, match="schemas"):
        svc.add_connection(ctx, "bad", postgres_db, options={"schemas": "public"})
    svc.add_connection(ctx, "srv", postgres_db, options={"schemas": ["public", "Billing Dept"]})
    cmap = svc.get_map(ctx, "srv")
    names = {t.table for t in cmap.tables}
    assert {"public.customers", "Billing Dept.accounts", "Billing Dept.invoices"} <= names
    inv = cmap.schema.table("Billing Dept.invoices")
    assert inv is not None and inv.foreign_keys[0].ref_table == "Billing Dept.accounts"
    r = svc.search(ctx, SearchQuery(emails=("aisha.khan@example.co.uk",)))
    assert not r.errors, r.errors
    found = {(m.table, m.key["id"]) for m in r.matches}
    assert {("public.customers", 1), ("Billing Dept.accounts", 7), ("Billing Dept.invoices", 70)} <= found
    assert ("Billing Dept.invoices", 71) not in found
    via = next(m.via for m in r.matches if m.table == "Billing Dept.invoices")
    assert via is not None and via.table == "Billing Dept.accounts"
