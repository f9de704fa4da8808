"""A small shop, built the same way on SQLite, PostgreSQL and MariaDB, and an erasure request
about one of its customers with the request's search attached."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    insert,
    select,
)

from privdesk.services import casefile
from privdesk.services import discovery as ds
from privdesk.services import requests as rq
from privdesk.services.context import AppContext

ACTOR = "dpo@northwind.example"
SUBJECT_EMAIL = "zoe.ohara@example.com"
TABLES = ("order_items", "logins", "newsletter", "orders", "customers")
#: the fixed masking text holds a quote and a backslash on purpose: the scripts must quote them
FIXED = "ERASED 'Art. 17' \\ done"

md = MetaData()
customers = Table("customers", md, Column("id", Integer, primary_key=True), Column("email", String(200)),
                  Column("full_name", String(120)), Column("phone", String(40)))
orders = Table("orders", md, Column("id", Integer, primary_key=True),
               Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
               Column("ship_name", String(120)), Column("ship_address", String(200)),
               Column("amount", Numeric(10, 2)))
items = Table("order_items", md, Column("id", Integer, primary_key=True),
              Column("order_id", Integer, ForeignKey("orders.id"), nullable=False), Column("sku", String(20)),
              Column("price", Numeric(10, 2)))
logins = Table("logins", md, Column("id", Integer, primary_key=True),
               Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
               Column("ip", String(45)))
newsletter = Table("newsletter", md, Column("id", Integer, primary_key=True), Column("email", String(200)),
                   Column("subscribed", Boolean))


def build_shop(url: str) -> None:
    """Zoë (customer 1) and two other customers, one with hostile values."""
    engine = create_engine(url)
    try:
        md.drop_all(engine)
        md.create_all(engine)
        with engine.begin() as c:
            c.execute(insert(customers), [
                {"id": 1, "email": "Zoe.OHara@Example.com", "full_name": "Zoë O'Hara", "phone": "+44 20 7946 0958"},
                {"id": 2, "email": "ola@example.no", "full_name": "Ola Nordmann", "phone": "+47 400 00 000"},
                {"id": 3, "email": "x'); DROP TABLE customers; --@example.org", "full_name": "Back\\slash",
                 "phone": None},
            ])
            c.execute(insert(orders), [
                {"id": 10, "customer_id": 1, "ship_name": "Zoë O'Hara", "ship_address": "1 High St", "amount": Decimal("19.90")},
                {"id": 11, "customer_id": 1, "ship_name": "Zoë O'Hara", "ship_address": "1 High St", "amount": Decimal("5.00")},
                {"id": 12, "customer_id": 2, "ship_name": "Ola Nordmann", "ship_address": "Oslo", "amount": Decimal("7.50")},
                {"id": 13, "customer_id": 3, "ship_name": "Back\\slash", "ship_address": "'", "amount": Decimal("1.00")},
            ])
            c.execute(insert(items), [{"id": 20, "order_id": 10, "sku": "A", "price": Decimal("19.90")},
                                      {"id": 21, "order_id": 11, "sku": "B", "price": Decimal("5.00")},
                                      {"id": 22, "order_id": 12, "sku": "C", "price": Decimal("7.50")}])
            c.execute(insert(logins), [{"id": 30, "customer_id": 1, "ip": "10.0.0.1"},
                                       {"id": 31, "customer_id": 1, "ip": "10.0.0.2"},
                                       {"id": 32, "customer_id": 2, "ip": "10.0.0.3"}])
            c.execute(insert(newsletter), [{"id": 40, "email": "zoe.ohara@example.com", "subscribed": True},
                                           {"id": 41, "email": "ola@example.no", "subscribed": True}])
    finally:
        engine.dispose()


def dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every shop table, ordered by id."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return {t.name: [tuple(r) for r in c.execute(select(t).order_by(t.c.id))] for t in md.sorted_tables}
    finally:
        engine.dispose()


def checksum(rows: list[tuple[object, ...]]) -> str:
    return hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()


def others(state: dict[str, list[tuple[object, ...]]], subject_ids: dict[str, set[int]]) -> dict[str, str]:
    """Checksums of the rows that are not the subject's, per table."""
    return {t: checksum([r for r in rows if r[0] not in subject_ids.get(t, set())]) for t, rows in state.items()}


SUBJECT_IDS = {"customers": {1}, "orders": {10, 11}, "order_items": {20, 21}, "logins": {30, 31},
               "newsletter": {40}}


@dataclass
class Case:
    ctx: AppContext
    ref: str
    url: str  # SQLAlchemy URL of the shop, with password
    kind: str  # sqlite | postgresql | mariadb

    def search_and_attach(self) -> None:
        result = ds.search(self.ctx, ds.make_query(self.ctx, emails=[SUBJECT_EMAIL]), ["shop"])
        assert not result.errors, result.errors
        casefile.attach_snapshot(self.ctx, self.ref, ds.make_snapshot(self.ctx, result), ACTOR)


def _url(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'shop db.sqlite3'}"
    return str(request.getfixturevalue("postgres_db" if kind == "postgresql" else "mariadb_db"))


def make_case(ctx: AppContext, url: str, kind: str, request_type: str = "erasure") -> Case:
    """The shop registered read-only as ``shop``, a request from Zoë with its search attached,
    and the shop's per-table erasure defaults."""
    from privdesk.domain.erasure import Mask, TableDefault
    from privdesk.services import erasure

    build_shop(url)
    ds.add_connection(ctx, "shop", url)
    ds.get_map(ctx, "shop")
    ref = rq.open_request(ctx, rq.NewRequest(type=request_type, law="gdpr", received=date.today(),
                                             name="Zoë O'Hara", emails=(SUBJECT_EMAIL,)), actor=ACTOR).reference
    erasure.set_table_default(ctx, "shop", "orders", TableDefault(
        "mask", {"ship_name": Mask("fixed", FIXED), "ship_address": Mask("null")},
        "tax records: kept 10 years (HGB §257)"), ACTOR)
    erasure.set_table_default(ctx, "shop", "order_items", TableDefault(
        "keep", reason="tax records: lines of kept orders"), ACTOR)
    case = Case(ctx, ref, url, kind)
    case.search_and_attach()
    return case


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres),
                        pytest.param("mariadb", marks=pytest.mark.mariadb)])
def shop_case(request: pytest.FixtureRequest, ctx: AppContext, tmp_path: Path) -> Case:
    """The shop and Zoë's erasure request on each engine."""
    kind = request.param
    return make_case(ctx, _url(request, kind, tmp_path), kind)


@pytest.fixture
def add_writer(shop_case: Case) -> Callable[[], None]:
    def add() -> None:
        ds.add_connection(shop_case.ctx, "shop-write", shop_case.url, options={"write_for": "shop"})

    return add
