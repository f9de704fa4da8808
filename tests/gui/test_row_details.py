"""A long row can always be read whole: the context menu of any table offers every column."""

from __future__ import annotations

from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QTableWidget, QTableWidgetItem
from pytestqt.qtbot import QtBot

from privdesk.ui import row_details
from privdesk.ui.row_details import RowDialog


def test_context_menu_shows_the_whole_row(qtbot: QtBot) -> None:
    row_details.install()
    table = QTableWidget(1, 3)
    qtbot.addWidget(table)
    table.setHorizontalHeaderLabels(["Row", "Matched on", "Values"])
    long = " · ".join(f"field{i}=value number {i}" for i in range(30))
    for col, text in enumerate(("customers (id=1181)", "email", long)):
        table.setItem(0, col, QTableWidgetItem(text))
    table.setColumnWidth(2, 40)  # a sliver
    table.setColumnHidden(1, True)
    table.resize(300, 120)
    table.show()
    qtbot.waitExposed(table)
    pos = table.visualRect(table.model().index(0, 0)).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, table.viewport().mapToGlobal(pos))
    QApplication.sendEvent(table.viewport(), event)
    menus = [m for m in table.findChildren(QMenu) if m.isVisible()]
    assert menus and [a.text() for a in menus[0].actions()] == ["Show whole row…"]
    menus[0].actions()[0].trigger()
    menus[0].close()
    dlg = row_details._installed[0].last
    assert isinstance(dlg, RowDialog)
    qtbot.addWidget(dlg)
    assert dlg.pairs == [("Row", "customers (id=1181)"), ("Matched on", "email"), ("Values", long)]
    assert "Values: " + long in dlg.text()
