"""A small company database, built the same way on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, create_engine, insert

from privdesk.services.context import AppContext

HOSTILE_TABLE = 'odd "table"; DROP TABLE customers; --'
HOSTILE_EMAIL_COL = "e-mail 'address'"
HOSTILE_PHONE_COL = "select"

PEOPLE = [
    # id, email, phone, first, last, ref
    (1, "Aisha.Khan@Example.co.uk ", "(020) 7946-0958", "Aisha", "Khan", "C-1"),
    (2, "zoe.odegard@example.com", "+47 912 34 567", "ZOË", "ØDEGÅRD", "C-2"),
    (3, "james.carter@example.com", "14155550142", "James", "Carter", "C-3"),
    (4, "someone@example.org", "+44 20 7946 0000", "Some", "One", "C-4"),
    (5, "%", "0", "_", "_", "C-5"),
]


def build_company(url: str, extra_orders: int = 0) -> None:
    """customers -> orders -> order_items; employees with a self-reference (a cycle); a table
    with hostile names; and phones stored in different formats."""
    md = MetaData()
    customers = Table("customers", md, Column("id", Integer, primary_key=True),
                      Column("email", String(200)), Column("phone", String(40)), Column("first_name", String(80)),
                      Column("last_name", String(80)), Column("customer_ref", String(20)))
    orders = Table("orders", md, Column("id", Integer, primary_key=True),
                   Column("customer_id", Integer, ForeignKey("customers.id")), Column("note", String(200)))
    items = Table("order_items", md, Column("id", Integer, primary_key=True),
                  Column("order_id", Integer, ForeignKey("orders.id")), Column("sku", String(20)))
    employees = Table("employees", md, Column("id", Integer, primary_key=True),
                      Column("email", String(200)), Column("manager_id", Integer, ForeignKey("employees.id")))
    hostile = Table(HOSTILE_TABLE, md, Column("id", Integer, primary_key=True),
                    Column(HOSTILE_EMAIL_COL, String(200)), Column(HOSTILE_PHONE_COL, String(40)),
                    Column("order", String(20)))
    engine = create_engine(url)
    try:
        md.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(customers), [dict(zip(("id", "email", "phone", "first_name", "last_name",
                                                       "customer_ref"), p, strict=True)) for p in PEOPLE])
            conn.execute(insert(orders), [{"id": 10, "customer_id": 1, "note": "first"},
                                          {"id": 11, "customer_id": 1, "note": "second"},
                                          {"id": 12, "customer_id": 4, "note": "other person"}]
                         + [{"id": 100 + i, "customer_id": 2, "note": f"bulk {i}"} for i in range(extra_orders)])
            conn.execute(insert(items), [{"id": 20, "order_id": 10, "sku": "A"}, {"id": 21, "order_id": 11, "sku": "B"},
                                         {"id": 22, "order_id": 12, "sku": "C"}])
            conn.execute(insert(employees), [{"id": 1, "email": "boss@example.com", "manager_id": None},
                                             {"id": 2, "email": "aisha.khan@example.co.uk", "manager_id": 1},
                                             {"id": 3, "email": "x@example.com", "manager_id": 2}])
            conn.execute(insert(hostile), [{"id": 1, HOSTILE_EMAIL_COL: "AISHA.KHAN@EXAMPLE.CO.UK", HOSTILE_PHONE_COL: "442079460958", "order": "x"},
                                           {"id": 2, HOSTILE_EMAIL_COL: "' OR 1=1 --", HOSTILE_PHONE_COL: None, "order": "y"}])
    finally:
        engine.dispose()


@pytest.fixture
def company_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "company db.sqlite3"  # a space in the path on purpose
    build_company(f"sqlite:///{path}")
    return path


@pytest.fixture
def add_sqlite(ctx: AppContext) -> Callable[[str, Path], None]:
    from privdesk.services import discovery as svc

    def add(name: str, path: Path) -> None:
        svc.add_connection(ctx, name, f"sqlite:///{path}")

    return add
