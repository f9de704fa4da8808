"""Every area at 1024x768 (and 1280x800): no header, button or tab text cut off without a
tooltip that gives the whole of it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from privdesk.services.context import AppContext
from privdesk.ui.elision import cut_off
from privdesk.ui.main_window import MainWindow


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)])
def test_no_text_cut_off_in_any_area(qtbot: QtBot, queue_ctx: AppContext, size: tuple[int, int],
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = QSettings(str(tmp_path_factory.mktemp("ui") / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(queue_ctx, settings)
    qtbot.addWidget(win)
    win.setMinimumSize(*size)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    problems = {}
    for key in win.area_keys():
        page = win.show_area(key)
        for _ in range(3):
            qtbot.wait(20)
            QThreadPool.globalInstance().waitForDone(3000)
        if key == "breaches":  # the action buttons show once a breach is selected
            table = getattr(page, "table", None)
            if table is not None and table.model().rowCount():
                table.selectRow(0)
                qtbot.wait(20)
        if key == "requests":  # column priorities: the working columns stay, the rest give way
            from privdesk.ui.requests.queue_model import COL_ASSIGNEE, COL_DAYS, COL_DUE, COL_STATUS

            assert not any(page.view.isColumnHidden(c) for c in (COL_DUE, COL_DAYS, COL_STATUS, COL_ASSIGNEE))
            page.view.selectRow(0)  # the detail pane's case-file buttons show once a request is chosen
            qtbot.wait(20)
            assert page.detail.search_button.isVisible()
        found = cut_off(page)
        if found:
            problems[key] = found
    assert not problems, problems


def test_the_check_finds_a_cut_off_button(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    b = QPushButton("Notices to individuals…", root)
    b.resize(60, 24)
    root.show()
    assert cut_off(root) == [f"button 'Notices to individuals…' (60 < {b.sizeHint().width()} px)"]
    b.setToolTip("Notices to individuals…")
    assert cut_off(root) == []


def test_no_text_cut_off_in_the_main_dialogs(qtbot: QtBot, queue_ctx: AppContext) -> None:
    from PySide6.QtWidgets import QTabWidget

    from privdesk.ui.breaches.dialogs import NewBreachDialog
    from privdesk.ui.connections_dialog import ConnectionsDialog
    from privdesk.ui.identity import OfficerChooser
    from privdesk.ui.requests.new_request_dialog import NewRequestDialog

    for dlg in (NewRequestDialog(queue_ctx, "dpo@northwind.example"), NewBreachDialog(queue_ctx),
                OfficerChooser(queue_ctx), ConnectionsDialog(queue_ctx)):
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitExposed(dlg)
        name = type(dlg).__name__
        # fits a 1024x768 screen with its frame, as it opens and at the least it can be shrunk to
        assert dlg.width() <= 1024 - 20 and dlg.height() <= 768 - 40, (name, dlg.size())
        assert dlg.minimumSizeHint().width() <= 1024 - 20, (name, dlg.minimumSizeHint())
        for tabs in dlg.findChildren(QTabWidget):  # every page, not only the first
            for i in range(tabs.count()):
                tabs.setCurrentIndex(i)
                assert cut_off(dlg) == [], (name, tabs.tabText(i))
        assert cut_off(dlg) == [], name


def test_the_check_finds_an_elided_cell(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    root = QWidget()
    qtbot.addWidget(root)
    table = QTableWidget(1, 1, root)
    table.setHorizontalHeaderLabels(["E-mail"])
    table.setColumnWidth(0, 80)
    item = QTableWidgetItem("priya.natarajan@northwind.example")
    table.setItem(0, 0, item)
    root.show()
    assert [p.split(" (")[0] for p in cut_off(root)] == ["cell 'priya.natarajan@northwind.example' in 'E-mail'"]
    item.setToolTip(item.text())
    assert cut_off(root) == []


def test_no_cell_cut_off_in_the_links_of_a_connection(qtbot: QtBot, demo_ctx: AppContext) -> None:
    """The links tab of the connections dialog with the demo's declared links."""
    from PySide6.QtCore import QThreadPool

    from privdesk.ui.connections_dialog import ConnectionsDialog

    dlg = ConnectionsDialog(demo_ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.tabs.setCurrentWidget(dlg.links_view)
    qtbot.waitUntil(lambda: dlg.links_view.tree.topLevelItemCount() > 0, timeout=10000)
    QThreadPool.globalInstance().waitForDone(3000)
    assert cut_off(dlg) == []
