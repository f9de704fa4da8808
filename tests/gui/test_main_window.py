"""The main window, its areas, menus, About dialog, remembered geometry and the Settings pane."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from privdesk import __version__
from privdesk.services import settings as svc
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import AboutDialog
from privdesk.ui.main_window import MainWindow
from privdesk.ui.settings_pane import SettingsPane


def make_window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_every_sidebar_area_is_reachable(qtbot: QtBot, demo_ctx: AppContext) -> None:
    win = make_window(qtbot, demo_ctx)
    keys = win.area_keys()
    assert "settings" in keys
    assert keys[-1] == "settings"
    for row, key in enumerate(keys):
        win.sidebar.setCurrentRow(row)
        assert win.current_area() == key
        assert win.stack.currentWidget() is win.pages[key]
        assert win.stack.currentWidget().objectName() == f"area:{key}"
    # keyboard: Ctrl+1 goes to the first area
    win.sidebar.setCurrentRow(len(keys) - 1)
    win.area_actions[keys[0]].trigger()
    assert win.current_area() == keys[0]


def test_standard_menus_and_shortcuts(qtbot: QtBot, ctx: AppContext) -> None:
    win = make_window(qtbot, ctx)
    titles = [a.text().replace("&", "") for a in win.menuBar().actions()]
    assert titles == ["File", "View", "Help"]
    file_actions = win.menuBar().actions()[0].menu().actions()
    assert any(a.text() == "&Quit" and not a.shortcut().isEmpty() for a in file_actions)
    assert "sqlite" in win.db_label.text()


def test_about_dialog_shows_version_and_paths(qtbot: QtBot, ctx: AppContext) -> None:
    win = make_window(qtbot, ctx)
    dlg = win.show_about()
    qtbot.addWidget(dlg)
    assert isinstance(dlg, AboutDialog)
    assert dlg.version_label.text() == __version__
    texts = " ".join(lbl.text() for lbl in dlg.findChildren(QLabel))
    assert str(ctx.paths.data_dir) in texts
    assert str(ctx.paths.log_dir) in texts
    dlg.close()


def test_geometry_and_area_are_remembered(qtbot: QtBot, ctx: AppContext) -> None:
    win = make_window(qtbot, ctx)
    # the offscreen screen is 800x600 and restoreGeometry clamps to the screen
    win.resize(780, 560)
    win.show_area(win.area_keys()[-1])
    win.close()
    stored = QSettings(str(ctx.paths.settings_file), QSettings.Format.IniFormat)
    assert stored.value("main/area") == win.area_keys()[-1]
    again = make_window(qtbot, ctx)
    assert (again.width(), again.height()) == (780, 560)
    assert again.current_area() == win.area_keys()[-1]


def test_settings_pane_saves_and_keeps_input_on_error(qtbot: QtBot, ctx: AppContext, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: shown.append(self.text()))
    pane = SettingsPane(ctx)
    qtbot.addWidget(pane)
    name = pane.findChild(QLineEdit, "setting:org.name")
    email = pane.findChild(QLineEdit, "setting:org.email")
    address = pane.findChild(QPlainTextEdit, "setting:org.address")
    law = pane.findChild(QComboBox, "setting:default_law")
    assert name is not None and email is not None and address is not None and law is not None
    qtbot.keyClicks(name, "Ødegård Consulting AS")
    address.setPlainText("Storgata 1\n0155 Oslo")
    qtbot.keyClicks(email, "not-an-email")
    qtbot.mouseClick(pane.save_button, Qt.MouseButton.LeftButton)
    assert shown and "not an e-mail address" in shown[-1]
    assert "not an e-mail address" in pane.message.text()
    assert name.text() == "Ødegård Consulting AS", "what the officer typed is kept"
    assert svc.get_settings(ctx)["org.name"] == ""

    email.clear()
    qtbot.keyClicks(email, "privacy@odegard.example")
    with qtbot.waitSignal(pane.saved, timeout=2000):
        qtbot.mouseClick(pane.save_button, Qt.MouseButton.LeftButton)
    stored = svc.get_settings(ctx)
    assert stored["org.name"] == "Ødegård Consulting AS"
    assert stored["org.address"] == "Storgata 1\n0155 Oslo"
    assert stored["org.email"] == "privacy@odegard.example"


def test_settings_pane_officers(qtbot: QtBot, ctx: AppContext) -> None:
    pane = SettingsPane(ctx)
    qtbot.addWidget(pane)
    pane.new_name.setText("Ζωή Παπαδοπούλου")  # QTest.keyClicks aborts on non-Latin keys offscreen
    qtbot.keyClicks(pane.new_email, "zoi@example.gr")
    qtbot.mouseClick(pane.findChild(type(pane.save_button), "addOfficer"), Qt.MouseButton.LeftButton)
    assert pane.officers.rowCount() == 1
    assert pane.officers.item(0, 0).text() == "Ζωή Παπαδοπούλου"
    assert [o.email for o in svc.list_officers(ctx)] == ["zoi@example.gr"]
    assert not pane.remove_button.isEnabled() and "Select an officer" in pane.remove_button.toolTip()
    pane.officers.selectRow(0)
    assert pane.remove_button.isEnabled()
    asked: list[str] = []
    pane.confirm = lambda _t, text: asked.append(text) is None and False  # the officer says No
    assert not pane.remove_selected_officer()
    assert asked and "Ζωή Παπαδοπούλου" in asked[0] and pane.officers.rowCount() == 1
    pane.confirm = lambda _t, _text: True
    assert pane.remove_selected_officer()
    assert pane.officers.rowCount() == 0


def test_holiday_country_and_region_are_chosen_by_name(qtbot: QtBot, ctx: AppContext) -> None:
    pane = SettingsPane(ctx)
    qtbot.addWidget(pane)
    country = pane.findChild(QComboBox, "setting:holidays.country")
    region = pane.findChild(QComboBox, "setting:holidays.subdivision")
    assert country is not None and region is not None
    country.setCurrentIndex(country.findData("GB"))
    assert country.currentText() == "United Kingdom (GB)"
    names = [region.itemText(i) for i in range(region.count())]
    assert names == ["Whole country", "England", "Northern Ireland", "Scotland", "Wales"]
    region.setCurrentIndex(region.findData("SCT"))
    assert pane.save()
    stored = svc.get_settings(ctx)
    assert (stored["holidays.country"], stored["holidays.subdivision"]) == ("GB", "SCT")
    pane.load()
    assert region.currentText() == "Scotland"


def test_splitter_layout_is_remembered(qtbot: QtBot, queue_ctx: AppContext) -> None:
    from PySide6.QtWidgets import QSplitter

    win = make_window(qtbot, queue_ctx)
    win.resize(780, 560)  # fits the 800x600 offscreen screen, so the geometry restores exactly
    qtbot.wait(20)  # the narrow window's icon-only sidebar settles first
    win.show_area("requests")
    splitter = win.pages["requests"].findChild(QSplitter)
    assert splitter is not None
    splitter.setSizes([200, 380])
    wanted = splitter.sizes()
    assert wanted[0] < wanted[1]
    win.close()
    again = make_window(qtbot, queue_ctx)
    restored = again.pages["requests"].findChild(QSplitter)
    assert restored is not None and restored.sizes() == wanted


def test_areas_are_built_when_first_opened(qtbot: QtBot, queue_ctx: AppContext) -> None:
    """Start-up builds only the area on screen; the others on first visit or in the background."""
    from privdesk.ui.requests.pane import RequestsPane
    from privdesk.ui.search_pane import SearchPane

    win = make_window(qtbot, queue_ctx)
    assert win.built_areas() == ["requests"]
    assert isinstance(win.stack.currentWidget(), RequestsPane)
    requests = win.pages["requests"]
    assert isinstance(requests, RequestsPane)

    # the request hands its subject to a search area that does not exist yet
    requests.view.selectRow(0)
    ref = requests.selected_references()[0]
    requests.detail.load(ref)
    qtbot.mouseClick(requests.detail.search_button, Qt.MouseButton.LeftButton)
    assert win.current_area() == "search"
    search = win.stack.currentWidget()
    assert isinstance(search, SearchPane) and search is win.pages["search"]
    assert search.attach_ref.currentText() == ref
    assert win.built_areas() == ["requests", "search"]

    win.build_remaining_later()
    qtbot.waitUntil(lambda: win.built_areas() == win.area_keys(), timeout=10000)
    assert win.current_area() == "search", "building in the background does not switch areas"
    for row, key in enumerate(win.area_keys()):
        assert win.stack.widget(row) is win.pages[key]
        assert win.stack.widget(row).objectName() == f"area:{key}"


def test_application_behaviours_arrive_after_the_first_paint(qtbot: QtBot, demo_ctx: AppContext) -> None:
    """The app-wide event filters (Tab out of multi-line fields, a table row's context menu) see
    every event of every object; the window installs them after its first paint, not while built."""
    from PySide6.QtWidgets import QApplication

    from privdesk.ui import forms, row_details

    app = QApplication.instance()
    assert app is not None
    for module in (forms, row_details):  # as in a fresh process: none installed yet
        for behaviour in module._installed:
            app.removeEventFilter(behaviour)
        module._installed.clear()
    win = make_window(qtbot, demo_ctx)
    assert not forms._installed and not row_details._installed
    win.build_remaining_later(0)
    qtbot.waitUntil(lambda: bool(forms._installed and row_details._installed), timeout=5000)
    field = QPlainTextEdit()
    qtbot.addWidget(field)
    field.show()
    qtbot.waitUntil(field.tabChangesFocus, timeout=2000)


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)])
def test_retention_reminder_is_a_link_that_fits_the_status_bar(qtbot: QtBot, demo_ctx: AppContext,
                                                               size: tuple[int, int]) -> None:
    """The monthly reminder is a short link beside the permanent widgets, never cut off by them; the
    case-database label gives way (file name only) and the link opens Register → Retention."""
    from privdesk.services import retention

    assert retention.reminder_due(demo_ctx)
    win = make_window(qtbot, demo_ctx)
    win.page("requests").announce(notify=False)  # the overdue badge and the breach clock, as at start-up
    win.resize(*size)
    qtbot.waitUntil(lambda: win.width() == size[0])
    bar = win.statusBar()
    link = win.retention_link
    assert link is not None and link.isVisible() and link.text() == "Retention check due"
    assert "Register → Retention" in link.toolTip()
    shown = [w for w in bar.findChildren(QWidget) if w.parent() is bar and w.isVisible() and w.width() > 0]
    assert link in shown and win.db_label in shown
    assert len(shown) >= 5  # link, officer, database, request badge, breach clock

    def fits() -> None:  # nothing past the window's edge; only the database label may give way
        for w in shown:
            assert w.geometry().right() <= bar.width(), w
            assert w.width() >= (w.minimumSizeHint() if w is win.db_label else w.sizeHint()).width(), w

    qtbot.waitUntil(fits, timeout=2000)  # the layout settles after the resize
    assert "privde" in win.db_label.elided()
    assert "sqlite" in win.db_label.toolTip()
    link.click()
    assert win.current_area() == "register"
    page = win.page("register")
    assert page.tabs.currentWidget() is page.retention
    assert win.retention_link is None
