"""A shop schema built with or without declared foreign keys (issue 9's test schema).

customers (home address_id, account_manager_id -> employees), addresses, orders (customer_id,
shipping_address_id), order_items, products (a catalogue), logins, payment_cards, employees.
Address 1 is Ana's home and the shipping address of Ben's order 21. Cleo shares Ana's phone but
holds another e-mail.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, create_engine, insert

ANA = "ana.silva@example.com"
ANA_PHONE = "+44 20 7946 0001"
ERIN = "erin.boss@corp.example"

# what a search for Ana must return (table -> ids), and nothing else of customers/orders
ANA_ROWS = {"customers": {1}, "addresses": {1, 3}, "orders": {10, 11}, "order_items": {100, 101, 102},
            "logins": {1, 2}, "payment_cards": {1}}
ANA_CONTEXT = {"products": {1, 2}}
BEN_ROWS = {"customers": {2}, "addresses": {1, 2}, "orders": {21}, "order_items": {103}, "logins": {3}}

# links a search needs on the schema without foreign keys; the manager link no name reveals
INFERRED = {"orders.customer_id=customers.id", "orders.shipping_address_id=addresses.id",
            "order_items.order_id=orders.id", "order_items.product_id=products.id",
            "logins.customer_id=customers.id", "payment_cards.customer_id=customers.id",
            "customers.address_id=addresses.id"}
MANUAL = ("customers.account_manager_id", "employees.id")


def build_shop(url: str, declare: bool) -> None:
    md = MetaData()

    def ref(target: str) -> list[ForeignKey]:
        return [ForeignKey(target)] if declare else []

    Table("employees", md, Column("id", Integer, primary_key=True), Column("email", String(200)),
          Column("full_name", String(120)), Column("phone", String(40)))
    Table("addresses", md, Column("id", Integer, primary_key=True), Column("street", String(200)),
          Column("city", String(80)), Column("postcode", String(20)))
    Table("customers", md, Column("id", Integer, primary_key=True), Column("email", String(200)),
          Column("phone", String(40)), Column("first_name", String(80)), Column("last_name", String(80)),
          Column("address_id", Integer, *ref("addresses.id")),
          Column("account_manager_id", Integer, *ref("employees.id")))
    Table("products", md, Column("id", Integer, primary_key=True), Column("name", String(80)),
          Column("price", Integer))
    Table("orders", md, Column("id", Integer, primary_key=True), Column("customer_id", Integer, *ref("customers.id")),
          Column("shipping_address_id", Integer, *ref("addresses.id")), Column("total", Integer))
    Table("order_items", md, Column("id", Integer, primary_key=True), Column("order_id", Integer, *ref("orders.id")),
          Column("product_id", Integer, *ref("products.id")), Column("qty", Integer))
    Table("logins", md, Column("id", Integer, primary_key=True), Column("customer_id", Integer, *ref("customers.id")),
          Column("ip_address", String(45)))
    Table("payment_cards", md, Column("id", Integer, primary_key=True),
          Column("customer_id", Integer, *ref("customers.id")), Column("holder_name", String(120)),
          Column("last4", String(4)))
    t = md.tables
    engine = create_engine(url)
    try:
        md.create_all(engine)
        with engine.begin() as c:
            c.execute(insert(t["employees"]), [
                {"id": 1, "email": ERIN, "full_name": "Erin Boss", "phone": "+44 20 7946 0999"},
                {"id": 2, "email": "dan.desk@corp.example", "full_name": "Dan Desk", "phone": None}])
            c.execute(insert(t["addresses"]), [
                {"id": i, "street": f"{i} High Street", "city": "London", "postcode": f"N{i} 1AA"} for i in (1, 2, 3, 4)])
            c.execute(insert(t["customers"]), [
                {"id": 1, "email": ANA, "phone": ANA_PHONE, "first_name": "Ana", "last_name": "Silva",
                 "address_id": 1, "account_manager_id": 1},
                {"id": 2, "email": "ben.ode@example.com", "phone": "+44 20 7946 0002", "first_name": "Ben",
                 "last_name": "Ode", "address_id": 2, "account_manager_id": 1},
                {"id": 3, "email": "cleo.x@example.com", "phone": "020 7946 0001", "first_name": "Cleo",
                 "last_name": "Xu", "address_id": 4, "account_manager_id": 2}])
            c.execute(insert(t["products"]), [{"id": i, "name": f"Product {i}", "price": 10 * i} for i in (1, 2, 3)])
            c.execute(insert(t["orders"]), [
                {"id": 10, "customer_id": 1, "shipping_address_id": 1, "total": 30},
                {"id": 11, "customer_id": 1, "shipping_address_id": 3, "total": 20},
                {"id": 21, "customer_id": 2, "shipping_address_id": 1, "total": 10},
                {"id": 30, "customer_id": 3, "shipping_address_id": 4, "total": 30}])
            c.execute(insert(t["order_items"]), [
                {"id": 100, "order_id": 10, "product_id": 1, "qty": 1},
                {"id": 101, "order_id": 10, "product_id": 2, "qty": 1},
                {"id": 102, "order_id": 11, "product_id": 2, "qty": 1},
                {"id": 103, "order_id": 21, "product_id": 3, "qty": 1},
                {"id": 104, "order_id": 30, "product_id": 3, "qty": 3}])
            c.execute(insert(t["logins"]), [{"id": 1, "customer_id": 1, "ip_address": "192.0.2.1"},
                                            {"id": 2, "customer_id": 1, "ip_address": "192.0.2.2"},
                                            {"id": 3, "customer_id": 2, "ip_address": "192.0.2.3"}])
            c.execute(insert(t["payment_cards"]), [{"id": 1, "customer_id": 1, "holder_name": "ANA SILVA", "last4": "4242"},
                                                   {"id": 2, "customer_id": 3, "holder_name": "CLEO XU", "last4": "1111"}])
    finally:
        engine.dispose()
