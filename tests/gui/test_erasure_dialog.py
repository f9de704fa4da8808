"""The change-plan dialog from a request's detail: review steps and counts, execute after typing
the reference, and the proof; all database work in workers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, text

from privdesk.services import discovery as ds
from privdesk.services import erasure
from privdesk.services.context import AppContext
from privdesk.ui.requests.detail_pane import DetailPane
from privdesk.ui.requests.erasure_dialog import ErasurePlanDialog
from tests.integration.erasure.conftest import ACTOR, dump, make_case


def test_review_execute_and_prove(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    case = make_case(ctx, f"sqlite:///{tmp_path / 'shop.sqlite3'}", "sqlite")
    pane = DetailPane(ctx, lambda: ACTOR)
    qtbot.addWidget(pane)
    pane.load(case.ref)
    assert pane.plan_button.isEnabled()
    dlg = pane.open_plan()
    assert isinstance(dlg, ErasurePlanDialog)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.dry is not None, timeout=15000)
    assert dlg.table.rowCount() == 5
    assert [dlg.table.item(r, 3).text() for r in range(5)] == ["Mask", "Mask", "Delete", "Delete", "Keep"]
    assert dlg.table.item(2, 2).text() == "logins" and dlg.table.item(2, 5).text() == "2"
    dlg.table.selectRow(2)
    assert dlg.statement.toPlainText().startswith("DELETE FROM logins WHERE logins.id IN (30, 31)")
    assert dlg.script_button.isEnabled() and not dlg.execute_button.isEnabled()
    grab = tmp_path / "plan.png"
    dlg.grab().save(str(grab))
    assert grab.stat().st_size > 0
    # without a write connection execution is refused with a sentence
    qtbot.keyClicks(dlg.confirm, case.ref)
    assert dlg.execute_button.isEnabled()
    before = dump(case.url)
    task = dlg.execute()
    assert task is not None
    qtbot.waitUntil(lambda: "no write connection" in dlg.message.text(), timeout=15000)
    assert dump(case.url) == before
    # with one, the plan runs and the proof follows
    ds.add_connection(ctx, "shop-w", case.url, options={"write_for": "shop"})
    qtbot.waitUntil(lambda: dlg.execute_button.isEnabled(), timeout=5000)
    dlg.execute()
    qtbot.waitUntil(lambda: dlg.proof is not None, timeout=20000)
    assert dlg.proof is not None and dlg.proof["ok"] and "Proof recorded" in dlg.message.text()
    assert not dlg.execute_button.isEnabled()
    assert erasure.get_plan(ctx, case.ref).status == "verified"
    qtbot.waitUntil(lambda: any("erasure-proof" in pane.documents.item(i).text()
                                for i in range(pane.documents.count())), timeout=5000)


def test_stale_steps_are_red_and_execution_is_off(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    case = make_case(ctx, f"sqlite:///{tmp_path / 'shop.sqlite3'}", "sqlite")
    engine = create_engine(case.url)
    with engine.begin() as c:
        c.execute(text("DELETE FROM logins WHERE id = 31"))
    engine.dispose()
    dlg = ErasurePlanDialog(ctx, case.ref, lambda: ACTOR)
    qtbot.addWidget(dlg)
    dlg.load()
    qtbot.waitUntil(lambda: dlg.dry is not None, timeout=15000)
    assert dlg.dry is not None and dlg.dry.stale
    row = next(r for r in range(dlg.table.rowCount()) if dlg.table.item(r, 2).text() == "logins")
    assert dlg.table.item(row, 5).text() == "1"
    assert dlg.table.item(row, 0).background().color().name() == "#fde2e2"
    assert "now has 1 of the 2 planned rows" in dlg.message.text()
    qtbot.keyClicks(dlg.confirm, case.ref)
    assert not dlg.execute_button.isEnabled() and not dlg.script_button.isEnabled()


def test_rectification_typed_in_the_window(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    from privdesk.ui.requests.correction_dialog import CorrectionDialog

    case = make_case(ctx, f"sqlite:///{tmp_path / 'shop.sqlite3'}", "sqlite", "rectification")
    pane = DetailPane(ctx, lambda: ACTOR)
    qtbot.addWidget(pane)
    pane.load(case.ref)
    dlg = pane.open_plan()
    assert dlg is not None
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: "type the corrected values" in dlg.message.text(), timeout=15000)
    assert dlg.correct_button.isVisible() and dlg.correct_button.isEnabled()
    form = dlg.correct()
    assert isinstance(form, CorrectionDialog)
    qtbot.addWidget(form)
    form.row_box.setCurrentIndex(next(i for i, r in enumerate(form.rows) if r.table == "customers"))
    form.column_box.setCurrentText("full_name")
    assert form.current.text() == "Zoë O'Hara"
    form.value.setText("Zoë O'Hara-Smith")  # keyClicks types ASCII only
    assert form.save()
    qtbot.waitUntil(lambda: dlg.dry is not None, timeout=15000)
    assert dlg.table.rowCount() == 1
    assert [dlg.table.item(0, c).text() for c in (2, 3, 6)] == ["customers", "Update", "full_name"]
    view = erasure.get_plan(ctx, case.ref)
    assert view.plan.steps[0].rows[0].values == {"full_name": "Zoë O'Hara-Smith"}


def test_erasure_defaults_in_the_map_view(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QComboBox

    from privdesk.ui.connections_dialog import ConnectionsDialog
    from tests.integration.erasure.conftest import build_shop

    path = tmp_path / "shop.sqlite3"
    build_shop(f"sqlite:///{path}")
    ds.add_connection(ctx, "shop", f"sqlite:///{path}")
    dlg = ConnectionsDialog(ctx, actor=lambda: ACTOR)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.reload("shop")
    qtbot.waitUntil(lambda: dlg.map_tree.topLevelItemCount() > 0, timeout=10000)
    tops = {dlg.map_tree.topLevelItem(i).text(0): dlg.map_tree.topLevelItem(i)
            for i in range(dlg.map_tree.topLevelItemCount())}
    orders = tops["orders"]
    ship = next(orders.child(i) for i in range(orders.childCount()) if orders.child(i).text(0) == "ship_name")
    mask = dlg.map_tree.itemWidget(ship, 5)
    assert isinstance(mask, QComboBox)
    mask.setCurrentIndex(mask.findData("hash"))
    table_combo = dlg.map_tree.itemWidget(orders, 5)
    assert isinstance(table_combo, QComboBox) and table_combo.currentData() == "mask"
    orders.setText(6, "tax records")
    keep = dlg.map_tree.itemWidget(tops["order_items"], 5)
    assert isinstance(keep, QComboBox)
    keep.setCurrentIndex(keep.findData("keep"))
    assert "Type the reason" in dlg.status.text()
    d = erasure.table_defaults(ctx, "shop")
    assert d["orders"].action == "mask" and d["orders"].masks["ship_name"].strategy == "hash"
    assert d["orders"].reason == "tax records" and d["order_items"].action == "keep"
    dlg.grab().save(str(tmp_path / "map.png"))


def test_removing_a_search_connection_in_the_dialog_removes_its_write_connection(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path,
) -> None:
    from privdesk.services import audit
    from privdesk.ui.connections_dialog import ConnectionsDialog
    from tests.integration.erasure.conftest import build_shop

    path = tmp_path / "shop.sqlite3"
    build_shop(f"sqlite:///{path}")
    ds.add_connection(ctx, "shop", f"sqlite:///{path}")
    ds.add_connection(ctx, "shop-w", f"sqlite:///{path}", options={"write_for": "shop"})
    dlg = ConnectionsDialog(ctx, actor=lambda: ACTOR)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.reload("shop")
    assert [dlg.list.item(i).text() for i in range(dlg.list.count())] == ["shop", "shop-w"]
    qtbot.waitUntil(lambda: dlg.map_tree.topLevelItemCount() > 0, timeout=10000)
    qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)
    assert dlg.status.text() == ("Connection shop removed, with its map and saved password. "
                                 "Its write connection shop-w was removed too.")
    assert dlg.list.count() == 0 and ds.list_connections(ctx) == []
    assert audit.history(ctx, "connection", "shop-w")[-1].actor == ACTOR
    dlg.grab().save(str(tmp_path / "removed.png"))


def test_partly_carried_out_plan_in_the_dialog(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    """The dialog after a run that failed on billing: crm's steps marked carried out, the reason
    for billing in words, no proof yet; 'Execute the rest' then runs billing only."""
    from tests.integration.erasure.test_erasure_partial import GUARD, make_two, zoe_logins

    two = make_two(ctx, {"crm": f"sqlite:///{tmp_path / 'crm.sqlite3'}",
                         "billing": f"sqlite:///{tmp_path / 'billing.sqlite3'}"})
    erasure.build_plan(ctx, two.ref, ACTOR)
    two.sql("billing", GUARD)
    dlg = ErasurePlanDialog(ctx, two.ref, lambda: ACTOR)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.load()
    qtbot.waitUntil(lambda: dlg.dry is not None and not dlg._busy, timeout=15000)
    qtbot.keyClicks(dlg.confirm, two.ref)
    dlg.execute()
    qtbot.waitUntil(lambda: dlg.view is not None and dlg.view.status == erasure.PARTIAL and dlg.dry is not None
                    and not dlg._busy and "NOT on billing" in dlg.message.text(), timeout=20000)
    text_now = dlg.message.text()
    assert "Carried out on crm; NOT on billing: a row-count check rolled it back" in text_now
    assert "partly carried out" in dlg.header.text()
    rows = {(dlg.table.item(r, 1).text(), dlg.table.item(r, 2).text()): r for r in range(dlg.table.rowCount())}
    crm_logins, billing_logins = rows[("crm", "logins")], rows[("billing", "logins")]
    assert dlg.table.item(crm_logins, 5).text() == "carried out"
    assert dlg.table.item(crm_logins, 0).background().color().name() == "#dcfce7"
    assert dlg.table.item(billing_logins, 5).text() == "2"
    assert not dlg.verify_button.isEnabled() and "every connection is done" in dlg.verify_button.toolTip()
    assert dlg.outside_button.isVisible() and dlg.execute_button.text() == "Execute the rest"
    dlg.table.selectRow(crm_logins)
    assert dlg.statement.toPlainText() == "Already carried out on crm; its statements never run again."
    dlg.resize(1280, 720)
    dlg.grab().save(str(tmp_path / "partial.png"))
    # the cause fixed: the rest runs, crm untouched, then the proof
    two.sql("billing", "DROP TRIGGER keep_login")
    crm_after = dump(two.urls["crm"])
    qtbot.keyClicks(dlg.confirm, two.ref)
    assert dlg.execute_button.isEnabled()
    dlg.execute()
    qtbot.waitUntil(lambda: dlg.proof is not None, timeout=20000)
    assert dlg.proof is not None and dlg.proof["ok"]
    assert dump(two.urls["crm"]) == crm_after and zoe_logins(two.urls["billing"]) == []
    assert not dlg.outside_button.isVisible()


def test_handled_outside_from_the_dialog(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    from tests.integration.erasure.test_erasure_partial import GUARD, make_two

    two = make_two(ctx, {"crm": f"sqlite:///{tmp_path / 'crm.sqlite3'}",
                         "billing": f"sqlite:///{tmp_path / 'billing.sqlite3'}"})
    erasure.build_plan(ctx, two.ref, ACTOR)
    two.sql("billing", GUARD)
    erasure.execute(ctx, two.ref, two.ref, ACTOR)
    dlg = ErasurePlanDialog(ctx, two.ref, lambda: ACTOR)
    qtbot.addWidget(dlg)
    dlg.load()
    qtbot.waitUntil(lambda: dlg.dry is not None and not dlg._busy, timeout=15000)
    assert dlg.handled_outside("billing", "  ") is None
    assert "Say how billing was handled outside PrivDesk" in dlg.message.text()
    assert dlg.handled_outside("billing", "erased by the owner's own tool") == (
        f"Carried out on crm; handled outside PrivDesk on billing (erased by the owner's own tool, recorded by "
        f"{ACTOR}).")
    qtbot.waitUntil(lambda: dlg.dry is not None and not dlg._busy and dlg.view is not None
                    and dlg.view.status == erasure.EXECUTED, timeout=15000)
    assert dlg.verify_button.isEnabled() and not dlg.execute_button.isEnabled()
    assert "handled outside PrivDesk on billing" in dlg.message.text()
