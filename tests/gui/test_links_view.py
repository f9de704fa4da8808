"""The connection's map view: links accepted, rejected and added by hand, round trip to the
case database and into the search; a table's role overridden."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from privdesk.discovery.search import SearchQuery
from privdesk.services import audit
from privdesk.services import discovery as svc
from privdesk.services import links as lsvc
from privdesk.services.context import AppContext
from privdesk.ui.connections_dialog import ConnectionsDialog
from tests.integration.discovery.shop import ANA, build_shop


def _select(dlg: ConnectionsDialog, ident: str) -> None:
    tree = dlg.links_view.tree
    tree.clearSelection()
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        if item.data(0, Qt.ItemDataRole.UserRole) == ident:
            tree.setCurrentItem(item, 0, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            return
    raise AssertionError(f"{ident} not listed")


def _status(ctx: AppContext, ident: str) -> str:
    lk = lsvc.list_links(ctx, "shop", infer=False).get(ident)
    return lk.status if lk else "missing"


def test_accept_reject_add_round_trip(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    build_shop(url, declare=False)
    svc.add_connection(ctx, "shop", url)
    dlg = ConnectionsDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.resize(1280, 720)
    dlg.show()
    dlg.tabs.setCurrentWidget(dlg.links_view)
    view = dlg.links_view
    view.actor = lambda: "officer@example.com"
    qtbot.waitUntil(view.find_button.isEnabled, timeout=15000)  # the first listing (no sampling) is done
    qtbot.mouseClick(view.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() >= 7, timeout=15000)
    assert "proposed link" in view.status.text()
    assert not view.accept_button.isEnabled()  # nothing selected

    _select(dlg, "orders.customer_id=customers.id")
    assert view.accept_button.isEnabled()
    qtbot.mouseClick(view.accept_button, Qt.MouseButton.LeftButton)
    assert _status(ctx, "orders.customer_id=customers.id") == "accepted"
    _select(dlg, "logins.customer_id=customers.id")
    qtbot.mouseClick(view.reject_button, Qt.MouseButton.LeftButton)
    assert _status(ctx, "logins.customer_id=customers.id") == "rejected"
    # and back: a rejected link can still be accepted
    _select(dlg, "logins.customer_id=customers.id")
    qtbot.mouseClick(view.accept_button, Qt.MouseButton.LeftButton)
    assert _status(ctx, "logins.customer_id=customers.id") == "accepted"

    qtbot.keyClicks(view.from_edit, "customers.account_manager_id")
    qtbot.keyClicks(view.to_edit, "employees.id")
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    assert _status(ctx, "customers.account_manager_id=employees.id") == "accepted"
    qtbot.keyClicks(view.from_edit, "customers.nope")
    qtbot.keyClicks(view.to_edit, "employees.id")
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    assert "no column" in view.status.text()

    shown = {view.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole): view.tree.topLevelItem(i)
             for i in range(view.tree.topLevelItemCount())}
    item = shown["orders.shipping_address_id=addresses.id"]
    assert item.text(2) == "Proposed" and "sampled values found (100%)" in item.text(4)

    r = svc.search(ctx, SearchQuery(emails=(ANA,)))
    assert {m.table for m in r.matches if m.role == "subject"} == {"customers", "orders", "logins"}
    assert {(x.table, x.rows) for x in r.excluded} == {("employees", 1)}
    actions = [e.action for e in audit.history(ctx, "connection", "shop")]
    assert actions.count("link_accept") == 2 and actions.count("link_reject") == 1 and "link_add" in actions

    # the table's role, overridden in the identifier map
    dlg.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: dlg.map_tree.topLevelItemCount() > 0, timeout=10000)
    top = next(dlg.map_tree.topLevelItem(i) for i in range(dlg.map_tree.topLevelItemCount())
               if dlg.map_tree.topLevelItem(i).text(0) == "products")
    combo = dlg.map_tree.itemWidget(top, 2)
    assert isinstance(combo, QComboBox) and combo.itemText(0) == "(automatic: Linked or catalogue (no identifiers))"
    combo.setCurrentIndex(combo.findData("personal"))
    cmap = svc.cached_map(ctx, "shop")
    assert cmap is not None and cmap.table("products").role.role == "personal"  # type: ignore[union-attr]
    if os.environ.get("PRIVDESK_SHOTS"):
        dlg.grab().save(os.path.join(os.environ["PRIVDESK_SHOTS"], "map.png"))
        dlg.tabs.setCurrentWidget(view)
        dlg.grab().save(os.path.join(os.environ["PRIVDESK_SHOTS"], "links.png"))
