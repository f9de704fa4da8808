"""The Register area: editing activities, the mapping tab with its to-do count, retention."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from privdesk.services import audit, retention, ropa
from privdesk.services import discovery as ds
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.ui.ropa_pane import RopaPane


def _company(ctx: AppContext, tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT)")
        c.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, email TEXT, body TEXT)")
        c.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, title TEXT)")
    ds.add_connection(ctx, "crm", f"sqlite:///{db}")
    ds.get_map(ctx, "crm")


def test_editor_saves_keeps_text_on_error_and_maps_tables(ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    _company(ctx, tmp_path)
    pane = RopaPane(ctx)
    qtbot.addWidget(pane)
    assert pane.tabs.tabText(1) == "Mapping (2 to do)"  # customers and tickets; products is no one's data
    editor = pane.editor
    editor.new()
    name = editor.inputs["name"]
    assert isinstance(name, QLineEdit)
    qtbot.keyClicks(name, "Customer accounts")
    editor.save()
    assert "at least one purpose" in editor.error.text()
    assert name.text() == "Customer accounts"  # nothing typed is lost
    purposes, basis = editor.inputs["purposes"], editor.inputs["lawful_basis"]
    assert isinstance(purposes, QPlainTextEdit) and isinstance(basis, QLineEdit)
    purposes.setPlainText("Manage your account\nAnswer your questions")
    qtbot.keyClicks(basis, "contract, Art. 6(1)(b)")
    assert editor.save()
    saved = ropa.list_activities(ctx)
    assert [a.purposes for a in saved] == [("Manage your account", "Answer your questions")]
    assert [e.action for e in audit.history(ctx, "ropa", f"ACT-{saved[0].id}")] == ["create"]

    mapping = pane.mapping
    row = next(i for i, t in enumerate(mapping.coverage.tables) if t.table == "customers")
    mapping.table.selectRow(row)
    mapping.activity.setCurrentText("Customer accounts")
    assert mapping.map_selected() == 1
    assert pane.tabs.tabText(1) == "Mapping (1 to do)"
    assert "1 table holding personal data" in mapping.todo.text()
    assert ropa.get_activity(ctx, "Customer accounts").tables == ("crm · customers",)

    editor.delete()
    assert ropa.list_activities(ctx) == [] and pane.tabs.tabText(1) == "Mapping (2 to do)"
    assert [e.action for e in audit.history(ctx, "ropa", f"ACT-{saved[0].id}")] == ["create", "map", "delete"]


def test_retention_tab_runs_in_a_worker_and_clears_the_reminder(ctx: AppContext, qtbot: QtBot,
                                                                tmp_path: Path) -> None:
    from privdesk.services import backup as backup_svc

    ref = rq.open_request(ctx, rq.NewRequest(type="access", law="gdpr", received=date(2020, 1, 6), name="Old Case",
                                             emails=("old@example.com",)), actor="t", today=date(2020, 1, 6)).reference
    rq.change_status(ctx, ref, "in_progress", actor="t")
    rq.complete(ctx, ref, reason="sent", actor="t", today=date(2020, 1, 20))
    pool = QThreadPool()
    pane = RopaPane(ctx, pool=pool)
    qtbot.addWidget(pane)
    tab = pane.retention
    assert "due" in tab.reminder.text()
    note = " ".join(tab.backups_note.text().split())
    assert "backups made before a PrivDesk upgrade, and the copies of the case data a restore replaced" in note
    assert "once they are over 30 days old" in note and "own backup archives are never touched" in note
    backup = ctx.db.backup("before-upgrade")
    assert backup is not None
    old = backup.with_name(backup.name.replace(backup.name.split("-")[1][:8], "20200101"))
    backup.rename(old)
    own = backup_svc.backup(ctx.paths, tmp_path / "own.zip").archive
    kept = backup_svc.restore(ctx.paths, own, replace=True).kept
    assert kept is not None
    copy = kept.rename(kept.with_name("before-restore-20200102" + kept.name.removeprefix("before-restore-")[8:]))
    tab.start(dry_run=False)
    qtbot.waitUntil(lambda: tab.run_button.isEnabled(), timeout=10000)
    shown = tab.result.toPlainText()
    assert f"{ref} (access" in shown
    assert f"deleted upgrade backup {old.name} (made 2020-01-01, over 30 days old)" in shown
    assert (f"deleted the copy of the case data a restore replaced, backups/{copy.name}/ "
            "(made 2020-01-02, over 30 days old)") in shown
    assert not old.exists() and not copy.exists() and own.is_file()
    assert rq.get_request(ctx, ref).subject_name == retention.ANONYMISED
    assert "Last retention run" in tab.reminder.text()
    assert audit.verify(ctx).ok
    pool.waitForDone()


def test_withhold_dialog_withholds_a_field_of_the_selected_record(ctx: AppContext, tmp_path: Path,
                                                                    qtbot: QtBot) -> None:
    from privdesk.services import casefile, withholding
    from privdesk.ui.requests.withhold_dialog import WithholdDialog

    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, note TEXT)")
        c.execute("INSERT INTO customers VALUES (1, 'Ann Ek', 'ann@example.com', 'lives with Bo Ek')")
    ds.add_connection(ctx, "crm", f"sqlite:///{db}")
    ref = rq.open_request(ctx, rq.NewRequest(type="access", law="uk-gdpr", received=date.today(), name="Ann Ek",
                                             emails=("ann@example.com",)), actor="t").reference
    result = ds.search(ctx, ds.make_query(ctx, emails=["ann@example.com"]))
    casefile.attach_snapshot(ctx, ref, ds.make_snapshot(ctx, result), "t")
    dlg = WithholdDialog(ctx, ref, lambda: "officer@example.com")
    qtbot.addWidget(dlg)
    assert dlg.withhold_selected() == 0 and "Select the records" in dlg.error.text()
    dlg.rows.selectRow(0)
    dlg.column.setCurrentText("note")
    assert dlg.withhold_selected() == 0 and "Say why" in dlg.error.text()
    dlg.reason.setPlainText("names her partner")
    dlg.ground.setCurrentIndex(dlg.ground.findData("rights-of-others"))
    assert dlg.withhold_selected() == 1
    [rule] = withholding.list_withholdings(ctx, ref)
    assert (rule.column, rule.key, rule.ground, rule.by) == ("note", {"id": 1}, "rights-of-others",
                                                              "officer@example.com")
    assert dlg.existing.count() == 1
    dlg.existing.setCurrentRow(0)
    dlg.remove_selected()
    assert withholding.list_withholdings(ctx, ref) == [] and dlg.existing.count() == 0
