"""Erasure plans on the shapes of public sample databases we did not design (Chinook, Sakila):
small fixtures with the same table and column names, foreign keys and sharing as the samples.

Both failures were found by running PrivDesk on the real samples: a candidate the officer left
out stopped every dry run as "new rows about the subject", and an address two customers share
was planned to be overwritten, destroying the other customer's address.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from privdesk.services import casefile, erasure
from privdesk.services import discovery as ds
from privdesk.services import requests as rq
from privdesk.services.context import AppContext

ACTOR = "dpo@example.org"

CHINOOK = """
CREATE TABLE [Employee] ([EmployeeId] INTEGER NOT NULL PRIMARY KEY, [LastName] NVARCHAR(20) NOT NULL,
  [FirstName] NVARCHAR(20) NOT NULL, [Email] NVARCHAR(60));
CREATE TABLE [Customer] ([CustomerId] INTEGER NOT NULL PRIMARY KEY, [FirstName] NVARCHAR(40) NOT NULL,
  [LastName] NVARCHAR(20) NOT NULL, [Phone] NVARCHAR(24), [Email] NVARCHAR(60) NOT NULL, [SupportRepId] INTEGER,
  FOREIGN KEY ([SupportRepId]) REFERENCES [Employee] ([EmployeeId]));
CREATE TABLE [Invoice] ([InvoiceId] INTEGER NOT NULL PRIMARY KEY, [CustomerId] INTEGER NOT NULL,
  [BillingAddress] NVARCHAR(70), [Total] NUMERIC(10,2) NOT NULL,
  FOREIGN KEY ([CustomerId]) REFERENCES [Customer] ([CustomerId]));
INSERT INTO Employee VALUES (2, 'Edwards', 'Nancy', 'nancy@chinookcorp.com'),
                            (5, 'Johnson', 'Steve', 'steve@chinookcorp.com');
INSERT INTO Customer VALUES (1, 'Luís', 'Gonçalves', '+55 (12) 3923-5555', 'luisg@embraer.com.br', 5),
                            (2, 'Leonie', 'Köhler', '+49 0711 2842222', 'leonekohler@surfeu.de', 5);
INSERT INTO Invoice VALUES (1, 2, 'Theodor-Heuss-Straße 34', 1.98), (12, 2, 'Theodor-Heuss-Straße 34', 13.86),
                           (98, 1, 'Av. Brigadeiro Faria Lima, 2170', 3.98);
"""

SAKILA = """
CREATE TABLE city (city_id INTEGER PRIMARY KEY, city VARCHAR(50) NOT NULL);
CREATE TABLE address (address_id INTEGER PRIMARY KEY, address VARCHAR(50) NOT NULL, postal_code VARCHAR(10),
  phone VARCHAR(20) NOT NULL, city_id INTEGER NOT NULL REFERENCES city (city_id));
CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL, email VARCHAR(50), address_id INTEGER NOT NULL REFERENCES address (address_id));
CREATE TABLE rental (rental_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (customer_id),
  rental_date VARCHAR(30) NOT NULL);
INSERT INTO city VALUES (463, 'Sasebo'), (300, 'Lethbridge');
INSERT INTO address VALUES (5, '1913 Hanoi Way', '35200', '28303384290', 463),
                           (6, '1121 Loja Avenue', '17886', '838635286649', 300),
                           (7, '692 Joliet Street', '83579', '448477190408', 300);
INSERT INTO customer VALUES (1, 'MARY', 'SMITH', 'MARY.SMITH@sakilacustomer.org', 5),
                            (2, 'PATRICIA', 'JOHNSON', 'PATRICIA.JOHNSON@sakilacustomer.org', 5),
                            (3, 'LINDA', 'WILLIAMS', 'LINDA.WILLIAMS@sakilacustomer.org', 6);
INSERT INTO rental VALUES (76, 1, '2005-05-25'), (573, 1, '2005-05-28'), (320, 2, '2005-05-27');
"""


def _database(path: Path, script: str) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as c:
        for stmt in filter(str.strip, script.split(";")):
            c.execute(text(stmt))
    engine.dispose()
    return url


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.connect() as c:
        out = [tuple(r) for r in c.execute(text(sql))]
    engine.dispose()
    return out


def _erasure_case(ctx: AppContext, url: str, name: str, query: ds.SearchQuery) -> str:
    ds.add_connection(ctx, "sample", url)
    ds.get_map(ctx, "sample")
    ref = rq.open_request(ctx, rq.NewRequest(type="erasure", law="gdpr", received=date.today(), name=name,
                                             emails=tuple(query.emails)), actor=ACTOR).reference
    result = ds.search(ctx, query, ["sample"])
    assert not result.errors, result.errors
    casefile.attach_snapshot(ctx, ref, ds.make_snapshot(ctx, result), ACTOR)
    return ref


def test_a_candidate_left_out_does_not_stop_the_dry_run(ctx: AppContext, tmp_path: Path) -> None:
    """Leonie gave her customer number 2; employee 2 (Nancy) matches it too but holds another e-mail:
    a candidate, not attached. The dry run searches again: Nancy is still only a candidate, not
    "new rows about the subject", so the plan can be checked and run."""
    url = _database(tmp_path / "chinook.sqlite", CHINOOK)
    query = ds.make_query(ctx, ["leonekohler@surfeu.de"], ["+49 0711 2842222"], ["Leonie Köhler"], ["2"])
    ref = _erasure_case(ctx, url, "Leonie Köhler", query)
    assert any(m.table == "Employee" and m.role == "candidate" for m in ds.search(ctx, query, ["sample"]).matches)
    erasure.build_plan(ctx, ref, ACTOR)
    dry = erasure.dry_run(ctx, ref)
    assert not dry.stale and dry.new_rows == ()
    counts = {(s.table, s.action): (s.expected, s.found) for s in dry.steps}
    assert counts == {("Invoice", "delete"): (2, 2), ("Customer", "delete"): (1, 1)}
    # a row that really is new about Leonie still stops it
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO Invoice VALUES (400, 2, 'Theodor-Heuss-Straße 34', 0.99)"))
    engine.dispose()
    assert erasure.dry_run(ctx, ref).new_rows == (("sample", "Invoice", 1),)


def test_an_address_other_customers_share_stays_as_it_is(ctx: AppContext, tmp_path: Path) -> None:
    """Mary and Patricia share address 5. Erasing Mary deletes her customer row and rentals; the
    address is Patricia's too, so it stays unchanged (masking it would overwrite Patricia's address),
    and once Mary's row is gone it no longer refers to her. A city is never touched."""
    url = _database(tmp_path / "sakila.sqlite", SAKILA)
    ref = _erasure_case(ctx, url, "Mary Smith", ds.make_query(ctx, ["mary.smith@sakilacustomer.org"], (),
                                                              ["Mary Smith"], ()))
    view = erasure.build_plan(ctx, ref, ACTOR)
    steps = {(s.table, s.action): len(s.rows) for s in view.plan.steps}
    assert steps == {("rental", "delete"): 2, ("customer", "delete"): 1, ("address", "keep"): 1}
    keep = next(s for s in view.plan.steps if s.table == "address")
    assert "customer" in keep.reason and keep.columns == ()
    ds.add_connection(ctx, "sample-write", url, options={"write_for": "sample"})
    assert erasure.execute(ctx, ref, ref, ACTOR).ok
    assert _rows(url, "SELECT customer_id, address_id FROM customer ORDER BY 1") == [(2, 5), (3, 6)]
    assert _rows(url, "SELECT * FROM address ORDER BY 1") == [
        (5, "1913 Hanoi Way", "35200", "28303384290", 463), (6, "1121 Loja Avenue", "17886", "838635286649", 300),
        (7, "692 Joliet Street", "83579", "448477190408", 300)]
    assert _rows(url, "SELECT rental_id FROM rental ORDER BY 1") == [(320,)]
    assert erasure.verify(ctx, ref, ACTOR)["ok"]


def test_an_address_only_the_subject_uses_is_deleted(ctx: AppContext, tmp_path: Path) -> None:
    """Linda's address is hers alone: it goes with her customer row (after it, for the foreign key)."""
    url = _database(tmp_path / "sakila.sqlite", SAKILA)
    ref = _erasure_case(ctx, url, "Linda Williams", ds.make_query(ctx, ["linda.williams@sakilacustomer.org"], (),
                                                                  ["Linda Williams"], ()))
    view = erasure.build_plan(ctx, ref, ACTOR)
    assert [(s.table, s.action, len(s.rows)) for s in view.plan.steps] == [
        ("customer", "delete", 1), ("address", "delete", 1)]
