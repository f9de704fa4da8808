"""Link proposals by name (pure part of privdesk.discovery.links)."""

from __future__ import annotations

from privdesk.discovery.introspect import ColumnInfo, ForeignKeyInfo, SchemaInfo, TableInfo
from privdesk.discovery.links import (
    Link,
    broken_reason,
    followed,
    link_id,
    merge,
    propose_by_name,
    singular,
    type_factor,
)


def _t(name: str, *cols: tuple[str, str], pk: tuple[str, ...] = ("id",),
       fks: tuple[ForeignKeyInfo, ...] = ()) -> TableInfo:
    return TableInfo(name, tuple(ColumnInfo(n, a.upper(), a) for n, a in cols), pk, fks)


SCHEMA = SchemaInfo("sqlite", (
    _t("customers", ("id", "integer"), ("email", "text"), ("address_id", "integer")),
    _t("addresses", ("id", "integer"), ("street", "text")),
    _t("orders", ("id", "integer"), ("customer_id", "integer"), ("shipping_address_id", "integer"),
       ("customer_email", "text")),
    _t("order_items", ("id", "integer"), ("order_id", "integer"), ("ProductKey", "integer")),
    _t("Product", ("ProductKey", "integer"), ("name", "text"), pk=("ProductKey",)),
    _t("Customer", ("CustomerId", "integer"), pk=("CustomerId",)),
    _t("Invoice", ("InvoiceId", "integer"), ("CustomerId", "integer"), pk=("InvoiceId",)),
    _t("logins", ("id", "integer"), ("customerid", "integer"), ("id_customer", "integer")),
    _t("category", ("id", "integer")),
    _t("things", ("id", "integer"), ("category_id", "integer"),
       fks=(ForeignKeyInfo(("category_id",), "category", ("id",)),)),
))


def test_proposals_by_name() -> None:
    ids = {lk.id for lk in propose_by_name(SCHEMA, {"customers": "email"})}
    assert {
        "orders.customer_id=customers.id", "orders.shipping_address_id=addresses.id",
        "customers.address_id=addresses.id", "order_items.order_id=orders.id",
        "order_items.ProductKey=Product.ProductKey", "Invoice.CustomerId=Customer.CustomerId",
        "Invoice.CustomerId=customers.id", "logins.customerid=customers.id", "logins.id_customer=customers.id",
        "orders.customer_email=customers.email",
    } <= ids
    assert "things.category_id=category.id" not in ids  # declared already
    assert not any(i.startswith(("customers.id=", "addresses.id=")) for i in ids)


def test_singular_and_types() -> None:
    assert [singular(w) for w in ("addresses", "categories", "boxes", "status", "people", "orders")] == [
        "address", "category", "box", "status", "person", "order"]
    assert type_factor("integer", "integer") == 1.0
    assert type_factor("text", "integer") == 0.8
    assert type_factor("date", "integer") == 0.0


def test_followed_skips_broken_and_merge_keeps_decisions() -> None:
    ok = Link("orders", ("customer_id",), "customers", ("id",), "accepted")
    gone = Link("orders", ("old_col",), "customers", ("id",), "accepted")
    assert broken_reason(gone, SCHEMA) == "column orders.old_col no longer exists"
    ids = {lk.id for lk in followed(SCHEMA, [ok, gone])}
    assert ids == {ok.id, "things.category_id=category.id"}
    rejected = Link("orders", ("customer_id",), "customers", ("id",), "rejected")
    fresh = Link("orders", ("customer_id",), "customers", ("id",), "proposed", 0.9)
    assert [lk.status for lk in merge([], [fresh], [rejected])] == ["rejected"]
    assert link_id("a", ["x", "y"], "b", ["i", "j"]) == "a.x+y=b.i+j"


def test_column_names_table() -> None:
    from privdesk.discovery.links import column_names_table

    assert column_names_table("customer_id", "customers") and column_names_table("CustomerId", "Customer")
    assert column_names_table("id_customer", "crm.customers")
    assert not column_names_table("SupportRepId", "Employee") and not column_names_table("account_manager_id", "employees")


def test_row_labels_in_plain_words() -> None:
    from privdesk.discovery.search import row_label

    assert row_label("orders", {"id": 1181}, {"id": 1181, "order_no": "SO-201181"}) == "order SO-201181"
    assert row_label("crm.order_items", {"id": 7}) == "order item 7"
    assert row_label("Customer", {"CustomerId": 1}, {"PostalCode": "12227-000", "Phone": "+55"}) == "customer 1"
    assert row_label("payment_cards", {"id": 2}, {"card_number": "4111111111111111"}) == "payment card 2"
    assert row_label("t", {"a": 1, "b": 2}) == "t a=1, b=2"
