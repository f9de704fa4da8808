"""The window and About box carry PrivDesk's icon; File > Back Up and Restore run the backup service."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from privdesk.services import backup as backup_svc
from privdesk.services.context import AppContext
from privdesk.services.settings import get_settings, set_setting
from tests.gui.test_main_window import make_window


def test_window_and_about_box_show_the_app_icon(qtbot: QtBot, ctx: AppContext) -> None:
    win = make_window(qtbot, ctx)
    assert not win.windowIcon().isNull()
    assert {s.width() for s in win.windowIcon().availableSizes()} >= {16, 32, 48, 256}
    dlg = win.show_about()
    qtbot.addWidget(dlg)
    pixmap = dlg.icon_label.pixmap()
    assert pixmap.width() == 64
    image = pixmap.toImage()
    # the shield's white and the background's blue are both there: a drawn icon, not a blank
    colours = {image.pixel(x, y) for x in range(0, 64, 4) for y in range(0, 64, 4)}
    assert len(colours) > 10
    dlg.close()


def test_file_menu_backs_up_while_the_window_runs(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    set_setting(ctx, "org.name", "Window Ltd")
    win = make_window(qtbot, ctx)
    file_actions = [a.text() for a in win.menuBar().actions()[0].menu().actions()]
    assert file_actions[:2] == ["&Back Up…", "&Restore from Backup…"]
    out = tmp_path / "from-window.zip"
    with qtbot.waitSignal(win.backups.done, timeout=20000) as blocker:
        win.backups.back_up(out)
        assert not win.backups.backup_action.isEnabled()  # no second job while one runs
    QThreadPool.globalInstance().waitForDone(5000)
    assert str(out) in blocker.args[0]
    qtbot.waitUntil(lambda: win.backups.backup_action.isEnabled())
    with zipfile.ZipFile(out) as zf:
        assert "privdesk.sqlite3" in json.loads(zf.read("manifest.json"))["files"]


def test_file_menu_restore_replaces_data_and_closes_the_window(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    set_setting(ctx, "org.name", "Backed Up Ltd")
    archive = backup_svc.backup(ctx.paths, tmp_path / "b.zip").archive
    set_setting(ctx, "org.name", "Changed Later Ltd")
    win = make_window(qtbot, ctx)
    with qtbot.waitSignal(win.backups.done, timeout=20000) as blocker:
        win.backups.restore(archive, replace=True)
    assert "kept in" in blocker.args[0] and "the retention run deletes it once it is over 30 days old" in blocker.args[0]
    assert get_settings(ctx)["org.name"] == "Backed Up Ltd"
    box = win.findChild(QMessageBox, "restoreDoneBox")
    assert box is not None and "start it again" in box.text()
    box.accept()
    qtbot.waitUntil(lambda: not win.isVisible())


def test_restore_without_replace_on_existing_data_reports_the_error(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    archive = backup_svc.backup(ctx.paths, tmp_path / "b.zip").archive
    win = make_window(qtbot, ctx)
    task = win.backups.restore(archive, replace=False)
    assert task is not None
    qtbot.waitUntil(lambda: win.findChild(QMessageBox, "errorBox") is not None, timeout=20000)
    box = win.findChild(QMessageBox, "errorBox")
    assert "already holds case data" in box.text()
    box.close()
