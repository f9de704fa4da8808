"""Names in capitals, Turkish i's, ß, hyphens and full-width letters found by a name search on a
real SQLite file: the database's candidates (``lower(trim(col)) IN ...``, ASCII-only in SQLite)
and the Python confirmation agree with :func:`privdesk.domain.identifiers.normalise_name`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from privdesk.discovery.search import SearchOptions, SearchQuery
from privdesk.services import discovery as svc
from privdesk.services.context import AppContext

AddFn = Callable[[str, Path], None]

ORDERS = [
    (1, "YILMAZ AYŞE"), (2, "Ayşe Yılmaz"), (3, "ayse yilmaz"), (4, "Ayşe Yilmaz"),
    (5, "STRAUSS JOHANN"), (6, "Johann Strauß"), (7, "JOHANN STRAUẞ"),
    (8, "Anna Smith-Jones"), (9, "ＡＮＮＡ ＳＭＩＴＨ ＪＯＮＥＳ"), (10, "  Zoë Ødegård "),
    (11, "Zoe Odegard"), (12, "ZOË ØDEGÅRD"), (13, "Aylin Yılmaz"),
]


@pytest.fixture
def orders_db(tmp_path: Path) -> Path:
    path = tmp_path / "orders.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_name TEXT, total NUMERIC)")
    con.executemany("INSERT INTO orders (id, customer_name, total) VALUES (?, ?, 10)", ORDERS)
    con.commit()
    con.close()
    return path


def _found(ctx: AppContext, name: str) -> set[int]:
    r = svc.search(ctx, SearchQuery(names=(name,)), options=SearchOptions(depth=0))
    assert not r.errors
    assert all(m.matched_on == ("customer_name",) for m in r.matches)
    return {m.key["id"] for m in r.matches if m.table == "orders"}


@pytest.mark.parametrize(("name", "ids"), [
    ("Ayşe Yılmaz", {2, 4}),             # ş is an accent: kept (row 3's 'ayse' is another spelling)
    ("Ayse Yilmaz", {3}),
    ("AYŞE YILMAZ", {2, 4}),
    ("Yılmaz Ayşe", {1}),                # the order name in capitals, surname first
    ("Johann STRAUSS", {6, 7}),          # ß and ẞ are ss
    ("Strauß Johann", {5}),
    ("Anna Smith Jones", {8, 9}),        # hyphen or space, full-width capitals
    ("Zoë Ødegård", {10, 12}),           # accents kept: 'Zoe Odegard' is another spelling
])
def test_name_search_folds_like_the_domain(ctx: AppContext, orders_db: Path, add_sqlite: AddFn,
                                           name: str, ids: set[int]) -> None:
    add_sqlite("shop", orders_db)
    assert _found(ctx, name) == ids
