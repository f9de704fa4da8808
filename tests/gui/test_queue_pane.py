"""The Requests area driven like an officer would: keyboard, dialogs, detail actions, bulk."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from privdesk.services import audit
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.ui.main_window import MainWindow
from privdesk.ui.requests import RequestsPane
from privdesk.ui.requests.import_dialog import ImportDialog
from privdesk.ui.requests.new_request_dialog import NewRequestDialog


def make_pane(qtbot: QtBot, ctx: AppContext) -> RequestsPane:
    pane = RequestsPane(ctx)
    qtbot.addWidget(pane)
    pane.resize(1200, 700)
    pane.show()
    qtbot.waitExposed(pane)
    handle = pane.windowHandle()
    assert handle is not None
    handle.requestActivate()
    qtbot.waitUntil(pane.isActiveWindow)
    return pane


def select_text(qtbot: QtBot, pane: RequestsPane, text: str) -> None:
    pane.filter_bar.text.setText(text)
    pane.filter_bar.flush()
    pane.view.setFocus()
    pane.view.selectRow(0)


def test_keyboard_first(qtbot: QtBot, queue_ctx: AppContext) -> None:
    pane = make_pane(qtbot, queue_ctx)
    pane.view.setFocus()
    qtbot.keyClick(pane.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert pane.filter_bar.text.hasFocus()
    qtbot.keyClicks(pane.filter_bar.text, "aisha.khan")
    qtbot.keyClick(pane.filter_bar.text, Qt.Key.Key_Return)
    assert pane.model.rowCount() == 1
    assert pane.count_label.text() == "1 request"
    pane.view.setFocus()
    pane.view.setCurrentIndex(pane.model.index(0, 0))
    qtbot.keyClick(pane.view, Qt.Key.Key_Return)
    assert pane.detail.detail is not None and pane.detail.detail.subject_name == "Aisha Khan"
    assert "Aisha Khan" in pane.detail.title.text()
    qtbot.keyClick(pane.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialogs = pane.findChildren(NewRequestDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].reject()


def test_detail_pane_is_built_at_the_first_request_shown(qtbot: QtBot, queue_ctx: AppContext) -> None:
    """Start-up shows the empty detail as one label; choosing a row builds the real pane in its
    place, at the same width, and "Search this subject" reaches the area's own signal."""
    pane = make_pane(qtbot, queue_ctx)
    assert pane._detail is None and pane.shown_reference() is None
    empty = pane.splitter.widget(1)
    assert empty is not None and "No request selected" in empty.findChild(QLabel).text()
    width = pane.splitter.sizes()[1]
    pane.refresh()  # the hourly re-read does not build it either
    assert pane._detail is None
    pane.view.setFocus()
    pane.view.selectRow(0)
    assert pane._detail is not None and pane.splitter.widget(1) is pane._detail
    assert pane.splitter.count() == 2 and pane.splitter.sizes()[1] == width
    reference = pane.model.row_at(0).reference
    assert pane.shown_reference() == reference and reference in pane.detail.title.text()
    wanted: list[object] = []
    pane.search_requested.connect(wanted.append)
    pane.detail.search_button.click()
    assert len(wanted) == 1 and getattr(wanted[0], "reference", None) == reference


def test_new_request_dialog_validates_as_you_type(qtbot: QtBot, queue_ctx: AppContext) -> None:
    pane = make_pane(qtbot, queue_ctx)
    dlg = pane.new_request()
    assert not dlg.save_button.isEnabled()
    assert not dlg.errors["name"].isVisible()  # nothing typed yet: no red errors
    qtbot.keyClicks(dlg.name, "I")
    dlg.name.clear()
    assert dlg.errors["name"].isVisible()  # touched and emptied
    qtbot.keyClicks(dlg.name, "Ingrid Bergstr")
    dlg.name.setText(dlg.name.text() + "öm")  # QTest cannot type non-ASCII keys
    qtbot.keyClicks(dlg.emails, "ingrid@")
    assert not dlg.save_button.isEnabled() and "not a valid e-mail" in dlg.errors["emails"].text()
    qtbot.keyClicks(dlg.emails, "example.se")
    qtbot.keyClicks(dlg.phones, "call me")
    assert "contains letters" in dlg.errors["phones"].text()
    dlg.phones.clear()
    qtbot.keyClicks(dlg.phones, "+46 8 123 456 78")
    dlg.received.clear()
    qtbot.keyClicks(dlg.received, (date.today() + timedelta(days=2)).isoformat())
    assert dlg.errors["received"].text() == "The received date is in the future."
    assert not dlg.save_button.isEnabled()
    dlg.received.setText("2026-02-30")
    assert "YYYY-MM-DD" in dlg.errors["received"].text()
    dlg.received.setText(date.today().isoformat())
    dlg.law.setCurrentIndex(dlg.law.findData("gdpr"))
    assert dlg.save_button.isEnabled()
    assert dlg.preview.text().startswith("Due ") and "Art. 12(3)" in dlg.preview.text()
    before = svc.count_requests(queue_ctx)
    with qtbot.waitSignal(dlg.opened) as blocker:
        qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert svc.count_requests(queue_ctx) == before + 1
    d = svc.get_request(queue_ctx, result.reference)
    assert d.subject_name == "Ingrid Bergström" and d.law == "gdpr" and d.phones == ["+46 8 123 456 78"]
    assert pane.detail.detail is not None and pane.detail.detail.reference == result.reference
    assert [e.actor for e in audit.history(queue_ctx, "request", result.reference)] == [pane.actor()]


def test_duplicate_banner_and_merge(qtbot: QtBot, queue_ctx: AppContext) -> None:
    pane = make_pane(qtbot, queue_ctx)
    dlg = pane.new_request()
    dlg.name.setText("Zoe Odegard")
    dlg.emails.setText("ZOE.ODEGARD@example.com")
    with qtbot.waitSignal(dlg.opened) as blocker:
        dlg.save()
    ref = blocker.args[0].reference
    assert pane.detail.detail is not None and pane.detail.detail.reference == ref
    assert pane.detail.banner.isVisible() and "Possible duplicate" in pane.detail.banner.text()
    original = pane.detail.detail.duplicate_of
    qtbot.mouseClick(pane.detail.merge_button, Qt.MouseButton.LeftButton)
    compare = pane.detail.compare_dialog
    assert compare is not None and compare.isVisible() and "E-mail" not in compare.differing()
    asked: list[str] = []
    pane.detail.confirm = lambda _title, text: asked.append(text) is None and False  # the officer says No
    assert compare.action_button is not None
    qtbot.mouseClick(compare.action_button, Qt.MouseButton.LeftButton)
    assert asked and "cannot be undone" in asked[0]
    assert svc.get_request(queue_ctx, ref).merged_into == ""  # nothing merged without a Yes
    pane.detail.confirm = lambda _title, _text: True
    assert pane.detail.merge_confirmed()
    assert pane.detail.detail.reference == original
    assert svc.get_request(queue_ctx, ref).merged_into == original


def test_detail_actions_follow_the_status_machine(qtbot: QtBot, queue_ctx: AppContext) -> None:
    pane = make_pane(qtbot, queue_ctx)
    ref = svc.open_request(queue_ctx, svc.NewRequest(type="erasure", law="gdpr", received=date.today(),
                                                    name="Button Tester", emails=("bt@example.com",)),
                           "dpo@northwind.example").reference
    select_text(qtbot, pane, ref)
    detail = pane.detail
    assert detail.detail is not None and detail.detail.reference == ref
    assert set(detail.action_buttons) == {"verifying", "in_progress", "denied", "withdrawn"}
    qtbot.mouseClick(detail.action_buttons["verifying"], Qt.MouseButton.LeftButton)
    assert detail.detail.status == "verifying"
    qtbot.mouseClick(detail.verify_button, Qt.MouseButton.LeftButton)
    assert detail.detail.status == "in_progress" and "extended" in detail.action_buttons
    detail.ask_reason = lambda title, prompt, outcome: ("Three archives to search", "")
    qtbot.mouseClick(detail.action_buttons["extended"], Qt.MouseButton.LeftButton)
    assert detail.detail.status == "extended" and detail.detail.extension_reason == "Three archives to search"
    detail.ask_reason = lambda title, prompt, outcome: None  # cancelled: nothing changes
    qtbot.mouseClick(detail.action_buttons["completed"], Qt.MouseButton.LeftButton)
    assert detail.detail.status == "extended"
    detail.ask_reason = lambda title, prompt, outcome: ("Erased in all systems", "Confirmation sent")
    qtbot.mouseClick(detail.action_buttons["completed"], Qt.MouseButton.LeftButton)
    assert detail.detail.status == "completed" and detail.action_buttons == {}
    assert detail.detail.decided_by == pane.actor()
    actions = [detail.timeline.item(i).text() for i in range(detail.timeline.count())]
    assert len(actions) == 5 and "Completed by" in actions[-1] and "Erased in all systems" in actions[-1]
    assert "Deadline extended to" in actions[-2] and "Identity verified on" in actions[-3]


def test_conflict_is_reported_and_reloaded(qtbot: QtBot, queue_ctx: AppContext) -> None:
    pane = make_pane(qtbot, queue_ctx)
    select_text(qtbot, pane, "james.carter")
    detail = pane.detail
    assert detail.detail is not None
    ref = detail.detail.reference
    svc.add_note(queue_ctx, ref, "Another officer was faster", "priya.natarajan@northwind.example")
    assert not detail.add_note("My note")
    boxes = [b for b in pane.findChildren(QMessageBox) if b.objectName() == "errorBox"]
    assert boxes and "changed by someone else" in boxes[-1].text()
    assert "Another officer was faster" in detail.detail.notes  # reloaded
    assert detail.add_note("My note")
    assert "My note" in svc.get_request(queue_ctx, ref).notes


def test_bulk_actions(qtbot: QtBot, queue_ctx: AppContext, tmp_path: Path) -> None:
    pane = make_pane(qtbot, queue_ctx)
    pane.filter_bar.status.setCurrentIndex(pane.filter_bar.status.findData("received"))
    count = pane.model.rowCount()
    assert count >= 3
    pane.view.selectRow(0)
    pane.view.selectionModel().select(pane.model.index(1, 0), pane.view.selectionModel().SelectionFlag.Select
                                      | pane.view.selectionModel().SelectionFlag.Rows)
    refs = pane.selected_references()
    assert len(refs) == 2
    jonas = next(i for i, n in svc.officers(queue_ctx) if n == "Jonas Becker")
    result = pane.bulk_assign(jonas)
    assert result is not None and set(result.changed) <= set(refs)
    assert all(svc.get_request(queue_ctx, r).assignee_name == "Jonas Becker" for r in refs)
    result = pane.bulk_assign(None, filtered=True)
    assert result is not None and svc.count_requests(queue_ctx, svc.RequestQuery(statuses=("received",), unassigned=True)) == count
    pane.view.selectRow(0)
    result = pane.bulk_status("completed", "done")
    assert result is not None and result.changed == () and len(result.skipped) == 1
    assert any(b.objectName() == "bulkSkipped" for b in pane.findChildren(QMessageBox))
    result = pane.bulk_status("verifying", filtered=True)
    assert result is not None and len(result.changed) == count
    assert pane.model.rowCount() == 0  # the filter shows 'received' only
    pane.filter_bar.status.setCurrentIndex(pane.filter_bar.status.findData("verifying"))
    out = tmp_path / "log.csv"
    assert pane.export_log(str(out)) >= count
    assert out.read_text(encoding="utf-8").startswith("reference,received,type,law")


def test_import_dialog_preview_and_all_or_nothing(qtbot: QtBot, queue_ctx: AppContext, tmp_path: Path) -> None:
    pane = make_pane(qtbot, queue_ctx)
    bad = tmp_path / "form.csv"
    bad.write_text("Full name,Email,Submitted\nA Person,a@example.com,2026-01-05\nB Person,b@@x,2026-01-06\n",
                   encoding="utf-8")
    dlg = pane.import_files([str(bad)])
    assert isinstance(dlg, ImportDialog)
    qtbot.addWidget(dlg)
    assert dlg.combos["name"].currentData() == "Full name"
    assert dlg.combos["received"].currentData() == "Submitted"
    assert not dlg.import_button.isEnabled()
    assert dlg.summary.text().startswith("1 of 2 rows have a problem")
    assert dlg.table.rowCount() == 2 and "not a valid e-mail" in dlg.table.item(1, 7).text()
    dlg.combos["email"].setCurrentIndex(0)  # unmap e-mail: now both rows lack a contact
    assert "at least one way to reach" in dlg.table.item(0, 7).text()
    good = tmp_path / "good.csv"
    good.write_text("Full name,Email,Submitted\nA Person,a@example.com,2026-01-05\n", encoding="utf-8")
    before = svc.count_requests(queue_ctx)
    dlg2 = pane.import_files([str(good)])
    assert isinstance(dlg2, ImportDialog) and dlg2.import_button.isEnabled()
    qtbot.addWidget(dlg2)
    with qtbot.waitSignal(dlg2.imported):
        dlg2.do_import()
    assert svc.count_requests(queue_ctx) == before + 1


def test_announcement_badge_in_main_window(qtbot: QtBot, queue_ctx: AppContext) -> None:
    win = MainWindow(queue_ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    pane = win.show_area("requests")
    assert isinstance(pane, RequestsPane)
    assert win.area_keys()[0] == "requests"
    summary = svc.due_summary(queue_ctx, 7)
    with qtbot.waitSignal(pane.announced) as blocker:
        pane.announce_timer.timeout.emit()  # the hourly reminder
    assert (blocker.args[0].overdue, blocker.args[0].due_soon) == (summary.overdue, summary.due_soon)
    expected = f"{summary.overdue} overdue · {summary.due_soon} due within 7 days"
    assert pane.badge.text() == expected
    badges = [w for w in win.statusBar().findChildren(QLabel) if w.objectName() == "statusDueBadge"]
    assert len(badges) == 1 and badges[0].text() == expected
    assert pane.announce_timer.interval() == 3_600_000
    assert any(isinstance(b, QPushButton) for b in pane.findChildren(QPushButton))
    win.grab().save(str(Path(queue_ctx.paths.data_dir) / "requests.png"))


def test_eml_import_from_the_pane(qtbot: QtBot, queue_ctx: AppContext, tmp_path: Path) -> None:
    pane = make_pane(qtbot, queue_ctx)
    eml = tmp_path / "optout.eml"
    eml.write_bytes(b"From: Ana Costa <ana.costa@example.com>\nSubject: Please opt out of marketing\n"
                    b"Date: Mon, 23 Nov 2026 09:00:00 +0000\n\nStop sending me offers.\n")
    before = svc.count_requests(queue_ctx)
    assert pane.import_files([str(eml)]) is None
    assert svc.count_requests(queue_ctx) == before + 1
    [row] = svc.list_requests(queue_ctx, svc.RequestQuery(text="ana.costa@example.com"))
    d = svc.get_request(queue_ctx, row.reference)
    assert d.type == "opt-out" and d.attachments[0].filename == "optout.eml"


def test_pause_and_resume_buttons(qtbot: QtBot, queue_ctx: AppContext) -> None:
    pane = make_pane(qtbot, queue_ctx)
    ref = svc.open_request(queue_ctx, svc.NewRequest(type="access", law="uk-gdpr", received=date.today(),
                                                    name="Clock Tester", emails=("clock@example.co.uk",)),
                           "dpo@northwind.example").reference
    svc.verify_identity(queue_ctx, ref, "dpo@northwind.example")
    select_text(qtbot, pane, ref)
    detail = pane.detail
    assert detail.pause_button.isVisible() and not detail.resume_button.isVisible()
    detail.ask_reason = lambda title, prompt, outcome: ("Asked for the account number", "")
    qtbot.mouseClick(detail.pause_button, Qt.MouseButton.LeftButton)
    assert detail.detail is not None and detail.detail.paused_since == date.today()
    assert detail.resume_button.isVisible() and "clock stopped" in detail.fields["deadline"].text()
    assert pane.model.data(pane.model.index(0, 6)) == "paused"
    qtbot.mouseClick(detail.resume_button, Qt.MouseButton.LeftButton)
    assert detail.detail.paused_since is None and detail.pause_button.isVisible()


def test_edit_subject_and_holiday_override(qtbot: QtBot, queue_ctx: AppContext) -> None:
    pane = make_pane(qtbot, queue_ctx)
    dlg = pane.new_request()
    dlg.name.setText("Holiday Tester")
    dlg.emails.setText("holiday@example.de")
    dlg.law.setCurrentIndex(dlg.law.findData("gdpr"))
    assert dlg.holiday.currentText().startswith("As the organisation")
    dlg.set_holidays("DE")
    assert dlg.holiday.currentText() == "Germany (DE)" and dlg.holiday_region.isEnabled()
    dlg.set_holidays("DE", "BY")
    assert dlg.holiday_region.currentText() == "Bayern"
    assert dlg.save_button.isEnabled()
    with qtbot.waitSignal(dlg.opened) as blocker:
        dlg.save()
    d = svc.get_request(queue_ctx, blocker.args[0].reference)
    assert (d.holiday_country, d.holiday_subdivision) == ("DE", "BY")
    assert pane.detail.edit_subject({"name": "Holiday Tester-Berg", "add_phones": ["+49 89 1234567"]})
    assert pane.detail.detail is not None and pane.detail.detail.subject_name == "Holiday Tester-Berg"
    assert pane.detail.detail.phones == ["+49 89 1234567"]
    assert "Changed by" in pane.detail.timeline.item(pane.detail.timeline.count() - 1).text()
