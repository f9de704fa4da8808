"""The change plan's rules: masking strategies, dependency order, what each request type plans."""

from __future__ import annotations

import random

import pytest

from privdesk.domain import erasure as e
from privdesk.domain.erasure import (
    FoundRow,
    Link,
    Mask,
    PlanError,
    PlanInputs,
    TableDefault,
    TableShape,
)

KEY = b"k" * 32


def test_mask_parse_and_spec() -> None:
    assert Mask.parse("NULL") == Mask("null")
    assert Mask.parse("fixed:Removed: Art. 17") == Mask("fixed", "Removed: Art. 17")
    assert Mask.parse("hash").spec == "hash" and Mask("fixed", "x").spec == "fixed:x"
    for bad in ("blank", "hash:x", ""):
        with pytest.raises(PlanError, match="not a masking strategy"):
            Mask.parse(bad)


def test_keyed_hash_is_stable_keyed_and_fits() -> None:
    a = e.keyed_hash("zoe@example.com", KEY)
    assert a == e.keyed_hash("zoe@example.com", KEY) and a != e.keyed_hash("zoe@example.com", b"other")
    assert isinstance(a, str) and len(a) == len("zoe@example.com")
    assert len(str(e.keyed_hash("ab", KEY))) == 8  # never shorter than 8
    n = e.keyed_hash(4711, KEY, integer=True)
    assert isinstance(n, int) and 0 <= n < 10_000


def test_random_string_keeps_the_shape() -> None:
    v = e.same_shape("Zoe.O-Hara42@Example.com", random.Random(1))
    assert isinstance(v, str) and v != "Zoe.O-Hara42@Example.com"
    assert [c.isupper() for c in v] == [c.isupper() for c in "Zoe.O-Hara42@Example.com"]
    assert [c.isdigit() for c in v] == [c.isdigit() for c in "Zoe.O-Hara42@Example.com"]
    assert v[3] == "." and v[12] == "@" and e.same_shape(None, random.Random(1)) is None
    assert isinstance(e.same_shape(123, random.Random(1), integer=True), int)


def test_dependency_order_children_first_and_cycles() -> None:
    links = [Link("orders", ("customer_id",), "customers", ("id",)),
             Link("items", ("order_id",), "orders", ("id",)),
             Link("logins", ("customer_id",), "customers", ("id",)),
             Link("employees", ("manager_id",), "employees", ("id",))]
    order = e.dependency_order(["customers", "orders", "items", "logins", "employees"], links)
    assert order.index("items") < order.index("orders") < order.index("customers")
    assert order.index("logins") < order.index("customers") and "employees" in order
    cyc = e.dependency_order(["a", "b"], [Link("a", ("b",), "b", ("id",)), Link("b", ("a",), "a", ("id",))])
    assert sorted(cyc) == ["a", "b"]


def _shop(defaults: dict[str, TableDefault] | None = None, retention: dict[str, str] | None = None) -> PlanInputs:
    shapes = {
        "customers": TableShape("customers", ("id",), ("email", "name"), {"email": True, "name": False}),
        "orders": TableShape("orders", ("id",), ("ship_name",), {}, frozenset({"id"}),
                             (Link("orders", ("customer_id",), "customers", ("id",)),)),
        "logins": TableShape("logins", ("id",), (), {}, frozenset(),
                             (Link("logins", ("customer_id",), "customers", ("id",)),)),
    }
    found = {
        "customers": [FoundRow({"id": 1}, {"id": 1, "email": "z@example.com", "name": "Zoë"})],
        "orders": [FoundRow({"id": 10}, {"id": 10, "customer_id": 1, "ship_name": "Zoë"})],
        "logins": [FoundRow({"id": 30}, {"id": 30, "customer_id": 1})],
    }
    return PlanInputs("shop", found, shapes, defaults or {}, retention or {})


def test_erasure_deletes_children_first() -> None:
    steps = e.build_steps("erasure", _shop(), KEY)
    assert [(s.table, s.action) for s in steps] == [("logins", "delete"), ("orders", "delete"),
                                                     ("customers", "delete")]


def test_kept_rows_keep_their_parent_masked() -> None:
    steps = e.build_steps("erasure", _shop(retention={"orders": "tax records (HGB §257)"}), KEY)
    by = {s.table: s for s in steps}
    assert by["orders"].action == "keep" and by["orders"].reason == "tax records (HGB §257)"
    cust = by["customers"]
    assert cust.action == "mask" and cust.reason == "linked to records we must keep (orders)"
    # nullable e-mail becomes NULL; the NOT NULL name a keyed hash
    assert cust.rows[0].values == {"email": None, "name": e.keyed_hash("Zoë", KEY)}
    assert [s.action for s in steps] == ["mask", "delete", "keep"]


def test_mask_default_and_keep_needs_a_reason() -> None:
    steps = e.build_steps("erasure", _shop({"orders": TableDefault("mask", {"ship_name": Mask("fixed", "gone")},
                                                                     "tax")}), KEY)
    orders = next(s for s in steps if s.table == "orders")
    assert orders.rows[0].values == {"ship_name": "gone"} and orders.columns == ("ship_name",)
    with pytest.raises(PlanError, match="gives no reason"):
        e.build_steps("erasure", _shop({"logins": TableDefault("keep")}), KEY)
    with pytest.raises(PlanError, match="not an erasure action"):
        TableDefault("shred")


def test_rectification_holds_only_changed_values() -> None:
    inputs = _shop()
    kid = e.key_id({"id": 1})
    edited = PlanInputs(inputs.connection, inputs.found, inputs.shapes,
                        edits={"customers": {kid: {"email": "new@example.com", "name": "Zoë"}}})
    (step,) = e.build_steps("rectification", edited, KEY)
    assert (step.action, step.columns, step.rows[0].values) == ("update", ("email",), {"email": "new@example.com"})
    wrong = PlanInputs(inputs.connection, inputs.found, inputs.shapes, edits={"customers": {e.key_id({"id": 9}): {}}})
    with pytest.raises(PlanError, match="did not find"):
        e.build_steps("rectification", wrong, KEY)


def test_optout_sets_consent_or_deletes_marketing_rows() -> None:
    steps = e.build_steps("opt-out", _shop({"customers": TableDefault(optout="update", optout_set={"email": None}),
                                            "logins": TableDefault(optout="delete")}), KEY)
    assert [(s.table, s.action) for s in steps] == [("customers", "update"), ("logins", "delete")]
    with pytest.raises(PlanError, match="needs the column"):
        TableDefault(optout="update")
    with pytest.raises(PlanError, match="not for access requests"):
        e.build_steps("access", _shop(), KEY)


def test_plan_hash_round_trip_and_summary() -> None:
    steps = e.build_steps("erasure", _shop(retention={"orders": "tax"}), KEY)
    plan = e.Plan("DSR-2026-0001", "erasure", "sha", tuple(steps), "now", "dpo")
    again = e.Plan.from_dict(plan.to_dict())
    assert again.hash == plan.hash and again == plan
    assert plan.to_json()["steps"][0] == {"connection": "shop", "table": "customers", "action": "mask", "rows": 1,
                                          "columns": ["email", "name"],
                                          "reason": "linked to records we must keep (orders)"}
    changed = e.Plan("DSR-2026-0001", "erasure", "other", tuple(steps))
    assert changed.hash != plan.hash
    lines = e.summary_lines(plan)
    assert lines[0] == "In shop:" and "- logins: 1 row erased" in lines and "- orders: 1 row kept, because: tax" in lines


def test_other_peoples_rows_are_never_changed_and_protect_their_target() -> None:
    inputs = _shop()
    staff = PlanInputs(inputs.connection, inputs.found, inputs.shapes,
                       others={"logins": [FoundRow({"id": 99}, {"id": 99, "customer_id": 1})]})
    steps = {s.table: s for s in e.build_steps("erasure", staff, KEY)}
    assert "logins" in steps and [r.key for r in steps["logins"].rows] == [{"id": 30}]
    assert steps["customers"].action == "mask"
    assert steps["customers"].reason == "other people's rows in logins refer to it"


def test_legal_obligation_in_free_text() -> None:
    assert e.is_legal_obligation("contract, Art. 6(1)(b); legal obligation, Art. 6(1)(c) (accounting records)")
    assert e.is_legal_obligation("Art. 6 (1)(c) GDPR")
    assert not e.is_legal_obligation("consent, Art. 6(1)(a)") and not e.is_legal_obligation("")


def _shop_with_lines(defaults: dict[str, TableDefault] | None = None,
                     retention: dict[str, str] | None = None) -> PlanInputs:
    base = _shop(defaults, retention)
    shapes = dict(base.shapes, order_lines=TableShape(
        "order_lines", ("id",), (), {}, frozenset({"id"}), (Link("order_lines", ("order_id",), "orders", ("id",)),)),
        notes=TableShape("notes", ("id",), ("author_email",), {"author_email": True}, frozenset(),
                         (Link("notes", ("order_id",), "orders", ("id",)),)))
    found = dict(base.found, order_lines=[FoundRow({"id": 100}, {"id": 100, "order_id": 10, "amount": 9.5}),
                                          FoundRow({"id": 101}, {"id": 101, "order_id": 10, "amount": 3.0})],
                 notes=[FoundRow({"id": 7}, {"id": 7, "order_id": 10, "author_email": "z@example.com"})])
    return PlanInputs("shop", found, shapes, base.defaults, base.retention)


def test_rows_depending_on_rows_kept_for_a_legal_duty_stay_with_the_same_reason() -> None:
    """Found by QA: an order kept for tax kept its amounts but the plan deleted its order lines."""
    by = {s.table: s for s in e.build_steps("erasure", _shop_with_lines(retention={"orders": "tax (HGB §257)"}), KEY)}
    assert (by["orders"].action, by["order_lines"].action) == ("keep", "keep")
    assert by["order_lines"].reason == "tax (HGB §257)" and len(by["order_lines"].rows) == 2
    # a dependent table with personal columns is masked, keeping the rest of the record
    assert by["notes"].action == "mask" and by["notes"].columns == ("author_email",)
    assert by["notes"].reason == "tax (HGB §257)" and by["notes"].rows[0].values == {"author_email": None}
    assert by["logins"].action == "delete"  # not below the kept orders
    # masked for the duty: the same; the officer's own default for the dependent table wins
    masked = {s.table: s for s in e.build_steps("erasure", _shop_with_lines(
        {"orders": TableDefault("mask", {"ship_name": Mask("null")}, "tax"),
         "notes": TableDefault("delete")}), KEY)}
    assert masked["order_lines"].action == "keep" and masked["order_lines"].reason == "tax"
    assert masked["notes"].action == "delete"
    # nothing kept: the lines go with their order
    plain = {s.table: s.action for s in e.build_steps("erasure", _shop_with_lines(), KEY)}
    assert plain["order_lines"] == "delete" and plain["notes"] == "delete"
