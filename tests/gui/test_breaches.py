"""The Breaches area driven as a user would: the register's clocks and colours, filters, the
detail with its timeline, recording a breach, notices in the background with progress and cancel."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QDateTimeEdit, QLabel, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from privdesk.domain.breach import BreachInput
from privdesk.services import breaches as svc
from privdesk.services import settings
from privdesk.services.context import AppContext
from privdesk.ui.breaches import BreachesPane
from privdesk.ui.breaches.dialogs import NewBreachDialog
from privdesk.ui.breaches.model import COL_CLOCK, COL_REFERENCE, STATE_COLOURS, StateRole
from privdesk.ui.breaches.review_dialog import AffectedReviewDialog
from tests.gui.breach_pane import shown_pane
from tests.integration.breaches.conftest import ALICE, BOB, HOUSEHOLD_PHONE, household_crm

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ACTOR = "dpo@northwind.example"
PROFILE = {"org.name": "Northwind Analytics Ltd", "dpo.name": "Amara Okafor", "dpo.email": "dpo@northwind.example",
           "authority.name": "Information Commissioner's Office", "default_law": "uk-gdpr"}


def record(ctx: AppContext, title: str, aware: datetime, risk: str = "high", **kw: object) -> str:
    data = BreachInput(title=title, aware=aware, nature="confidentiality", description=f"{title}: what happened.",
                       data_categories="contact, credentials", subject_categories="customers", subjects_approx=10,
                       records_approx=10, consequences="Phishing.", measures="Passwords reset.", risk=risk, **kw)  # type: ignore[arg-type]
    return svc.add_breach(ctx, data, ACTOR, now=NOW).reference


@pytest.fixture
def seeded(ctx: AppContext) -> AppContext:
    settings.update_settings(ctx, PROFILE)
    record(ctx, "Late one", NOW - timedelta(hours=80))            # red: 8 h late
    record(ctx, "Amber one", NOW - timedelta(hours=60))           # amber: 12 h left
    record(ctx, "Fresh one", NOW - timedelta(hours=2))            # ok: 70 h left
    record(ctx, "Harmless", NOW - timedelta(hours=1), risk="none")  # no notice required
    return ctx


@pytest.fixture
def pane(qtbot: QtBot, seeded: AppContext) -> BreachesPane:
    return shown_pane(qtbot, seeded, NOW)


def titles(p: BreachesPane) -> list[str]:
    return [r.title for r in p.model.rows]


def test_register_shows_clocks_to_the_minute_with_colours(qtbot: QtBot, pane: BreachesPane, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(pane.model)
    assert titles(pane)[:3] == ["Late one", "Amber one", "Fresh one"]  # most urgent first
    m = pane.model

    def cell(row: int) -> str:
        return str(m.data(m.index(row, COL_CLOCK)))

    assert cell(0) == "Supervisory authority: late by 8 h 00 min"
    assert cell(1) == "Supervisory authority: 12 h 00 min left"
    assert cell(2) == "Supervisory authority: 2 d 22 h 00 min left"
    assert [m.data(m.index(i, COL_CLOCK), StateRole) for i in range(3)] == ["red", "amber", "ok"]
    assert m.data(m.index(0, COL_CLOCK), 8).color().name() == STATE_COLOURS["red"][0]  # BackgroundRole
    assert "1 late" in pane.summary.text() and "1 due within 24 h" in pane.summary.text()
    # one minute later the clock moves by one minute
    pane.set_now(NOW + timedelta(minutes=1))
    assert str(m.data(m.index(1, COL_CLOCK))) == "Supervisory authority: 11 h 59 min left"
    pane.grab().save(str(Path(pane.ctx.paths.data_dir) / "breaches.png"))


def test_filters(qtbot: QtBot, pane: BreachesPane) -> None:
    pane.clock_filter.setCurrentIndex(pane.clock_filter.findData("late"))
    assert titles(pane) == ["Late one"]
    pane.clock_filter.setCurrentIndex(pane.clock_filter.findData("due-soon"))
    assert titles(pane) == ["Late one", "Amber one"]
    pane.clock_filter.setCurrentIndex(0)
    pane.risk_filter.setCurrentIndex(pane.risk_filter.findData("none"))
    assert titles(pane) == ["Harmless"]
    pane.risk_filter.setCurrentIndex(0)
    qtbot.keyClicks(pane.filter, "fresh")
    assert titles(pane) == ["Fresh one"]


def test_detail_timeline_and_status(qtbot: QtBot, pane: BreachesPane) -> None:
    pane.detail.show_breach(None)
    assert not pane.detail.clocks.isVisible() and "Select a breach" in pane.detail.heading.text()
    pane.table.selectRow(1)
    d = pane.detail
    assert d.clocks.isVisible()
    assert d.detail is not None and d.detail.title == "Amber one"
    assert "Amber one" in d.heading.text()
    clocks = [d.clocks.item(i).text() for i in range(d.clocks.count())]
    assert clocks[0].startswith("Supervisory authority (UK GDPR): 12 h 00 min left")
    assert any(c.startswith("Individuals (UK GDPR): without undue delay") for c in clocks)
    assert "Breach recorded by" in d.timeline.item(0).text()
    d.status_combo.setCurrentIndex(d.status_combo.findData("contained"))
    d.status_combo.activated.emit(d.status_combo.currentIndex())
    assert svc.get_breach(pane.ctx, d.detail.reference).status == "contained"
    assert "Status changed from open to contained by" in d.timeline.item(d.timeline.count() - 1).text()
    d.timeline.list.setCurrentRow(d.timeline.count() - 1)
    d.timeline.raw_button.setChecked(True)  # the raw record, a click away
    assert "status: 'open' → 'contained'" in d.timeline.raw.toPlainText()
    assert "Contained" in str(pane.model.data(pane.model.index(1, 5)))


def test_record_a_breach_as_an_officer(qtbot: QtBot, pane: BreachesPane) -> None:
    """Date-time editor in the organisation's zone, check lists with plain names, no default
    risk, each error beside its field and only once the field was touched."""
    dlg = pane.new_breach()
    qtbot.addWidget(dlg)
    assert isinstance(dlg, NewBreachDialog)
    title = dlg.findChild(QLineEdit, "field:title")
    desc = dlg.findChild(QPlainTextEdit, "field:description")
    assert title is not None and desc is not None
    assert isinstance(dlg.aware, QDateTimeEdit) and dlg.aware.calendarPopup()
    assert dlg.findChild(QLabel, "awareZone").text().startswith("time in ")  # type: ignore[union-attr]
    assert dlg.risk.currentIndex() == -1 and dlg.risk.currentData() is None  # not assessed yet
    assert not any(e.isVisibleTo(dlg) for e in dlg.errors.values()) and dlg.isVisible()  # nothing touched, nothing red
    # plain names, not codes; the default law's regime is ticked
    assert dlg.regimes["uk-gdpr"].isChecked() and "UK" in dlg.regimes["uk-gdpr"].text()
    assert "encrypted" in dlg.exemptions["unintelligible"].text()
    qtbot.keyClicks(title, "P")
    title.clear()
    assert dlg.errors["title"].isVisibleTo(dlg) and not dlg.errors["risk"].isVisibleTo(dlg)
    qtbot.keyClicks(title, "Phishing of a payroll clerk")
    assert not dlg.errors["title"].isVisibleTo(dlg)
    desc.setPlainText("A clerk entered credentials on a fake login page.")
    dlg.nature["confidentiality"].setChecked(True)
    dlg.aware.setDateTime(QDateTime(QDate(2026, 11, 21), QTime(8, 15)))
    dlg.save()
    assert dlg.isVisible() and dlg.errors["risk"].isVisibleTo(dlg)  # Save refuses an unassessed breach
    assert "Choose the risk" in dlg.errors["risk"].text()
    assert title.text() == "Phishing of a payroll clerk"  # the input stays
    dlg.risk.setCurrentIndex(dlg.risk.findData("high"))
    dlg.exemptions["unintelligible"].setChecked(True)
    assert "documented" in dlg.errors["exemption_reasoning"].text()
    dlg.exemptions["unintelligible"].setChecked(False)
    dlg.save()
    assert not dlg.isVisible()
    d = pane.detail.detail
    assert d is not None and d.title == "Phishing of a payroll clerk" and d.risk == "high"
    assert d.aware.astimezone(dlg.zone).strftime("%Y-%m-%d %H:%M") == "2026-11-21 08:15"
    assert d.regimes == ("uk-gdpr",)
    assert pane.selected_reference() == d.reference


def test_record_a_breach_puts_a_service_error_beside_its_field(qtbot: QtBot, pane: BreachesPane) -> None:
    dlg = pane.new_breach()
    qtbot.addWidget(dlg)
    assert isinstance(dlg, NewBreachDialog)
    assert dlg.show_service_error("The time of awareness is after the notice.") == "aware"
    assert dlg.errors["aware"].isVisibleTo(dlg) and dlg.error.text() == ""


def test_export_register(qtbot: QtBot, pane: BreachesPane, tmp_path: Path) -> None:
    out = tmp_path / "register.csv"
    assert pane.export_register(out) == 4
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {r["title"] for r in rows} == {"Late one", "Amber one", "Fresh one", "Harmless"}
    assert "exported" in pane.summary.text()


def test_late_authority_notice_asks_for_reasons_then_runs_in_background(qtbot: QtBot, pane: BreachesPane,
                                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    pane.table.selectRow(0)  # "Late one"
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        lambda *a, **k: (asked.append(a[2]) or "The forensic report came on day four.", True))
    out = tmp_path / "authority.pdf"
    task = pane.detail.notify_authority(out)
    assert task is not None and asked and "reasons for the delay" in asked[0]
    # Waiting on what the officer sees, not on the task's signal (a fast task can finish before a
    # waitSignal connects to it).
    qtbot.waitUntil(lambda: "recorded" in pane.detail.message.text(), timeout=20000)
    assert out.exists()
    d = svc.get_breach(pane.ctx, pane.detail.detail.reference if pane.detail.detail else "", now=NOW)
    assert d.notifications[0].late and d.notifications[0].delay_reasons.startswith("The forensic report")
    assert pane.detail.notifications.rowCount() == 1
    assert "(late)" in pane.detail.notifications.item(0, 0).text()


def test_batch_dialog_progress_cancel_and_result(qtbot: QtBot, pane: BreachesPane, tmp_path: Path) -> None:
    pane.table.selectRow(2)  # "Fresh one"
    ref = pane.detail.detail.reference if pane.detail.detail else ""
    people = [{"name": f"Person {i:03d}", "email": f"p{i}@example.com"} for i in range(120)]
    svc.add_affected(pane.ctx, ref, people, ACTOR)
    pane.detail.show_breach(ref)
    dlg = pane.detail.open_batch()
    assert dlg is not None
    qtbot.addWidget(dlg)
    dlg.folder.setText(str(tmp_path / "first"))
    seen: list[int] = []
    dlg.progress.valueChanged.connect(seen.append)

    def cancel_early(done: int, _t: int, _m: str) -> None:
        if done >= 25:
            dlg.cancel()

    task = dlg.start()
    assert task is not None and not dlg.start_button.isEnabled() and dlg.cancel_button.isEnabled()
    task.signals.progress.connect(cancel_early)
    with qtbot.waitSignal(dlg.finished_batch, timeout=60000) as blocker:
        pass
    result = blocker.args[0]
    assert result.cancelled and 25 <= result.written < 120
    assert dlg.start_button.isEnabled() and "cancelled" in dlg.status.text()
    dlg.folder.setText(str(tmp_path / "rest"))
    dlg.pending_only.setChecked(True)
    dlg.start()
    with qtbot.waitSignal(dlg.finished_batch, timeout=60000) as blocker:
        pass
    rest = blocker.args[0]
    assert not rest.cancelled and rest.written == 120 - result.written
    assert seen and max(seen) >= rest.written
    dlg.start()  # a second click: the folder's batch is finished and nobody is pending
    with qtbot.waitSignal(dlg.finished_batch, timeout=60000) as blocker:
        pass
    assert blocker.args[0].written == 0 and dlg.status.text().startswith("Nothing left to write")
    dlg.grab().save(str(tmp_path / "batch.png"))
    assert "Affected people (120)" in pane.detail.tabs.tabText(3)


def test_main_window_lists_breaches_before_dashboard(qtbot: QtBot, demo_ctx: AppContext) -> None:
    from privdesk.ui.main_window import MainWindow

    win = MainWindow(demo_ctx)
    qtbot.addWidget(win)
    keys = win.area_keys()
    assert keys.index("breaches") == keys.index("dashboard") - 1 and keys[-1] == "settings"
    pane = win.show_area("breaches")
    assert isinstance(pane, BreachesPane)
    assert len(svc.list_breaches(demo_ctx)) == 3
    m = pane.model
    pane.status_filter.setCurrentIndex(pane.status_filter.findData(""))
    assert m.rowCount() == 3 and {str(m.data(m.index(i, COL_REFERENCE)))[:3] for i in range(3)} == {"BR-"}


def test_edit_records_an_exception_and_the_clock_follows(qtbot: QtBot, pane: BreachesPane) -> None:
    pane.table.selectRow(1)  # "Amber one", high risk
    dlg = pane.detail.edit()
    assert dlg is not None
    qtbot.addWidget(dlg)
    assert isinstance(dlg, NewBreachDialog)
    why = dlg.findChild(QLineEdit, "field:exemption_reasoning")
    assert why is not None
    assert dlg.findChild(QLineEdit, "field:title").text() == "Amber one"  # type: ignore[union-attr]
    assert dlg.risk.currentData() == "high"  # an edit keeps the assessment made
    dlg.exemptions["unintelligible"].setChecked(True)
    dlg.save()
    assert "must be documented" in dlg.errors["exemption_reasoning"].text()
    why.setText("The exported file was encrypted with AES-256; the key was not sent.")
    dlg.save()
    assert not dlg.isVisible()
    d = pane.detail.detail
    assert d is not None and d.exemptions == ("unintelligible",)
    clocks = [pane.detail.clocks.item(i).text() for i in range(pane.detail.clocks.count())]
    assert any(c.startswith("Individuals (UK GDPR): not required") and "exception recorded" in c for c in clocks)
    last = svc.history(pane.ctx, d.reference)[-1]
    assert last.action == "update" and set(last.changes) == {"exemptions", "exemption_reasoning"}


def test_record_a_follow_up_notification(qtbot: QtBot, pane: BreachesPane, tmp_path: Path) -> None:
    pane.table.selectRow(2)  # "Fresh one"
    ref = pane.detail.detail.reference if pane.detail.detail else ""
    svc.record_notification(pane.ctx, ref, "authority", ACTOR, sent_at=NOW - timedelta(hours=1), now=NOW)
    pane.detail.show_breach(ref)
    dlg = pane.detail.record_notification()
    assert dlg is not None
    qtbot.addWidget(dlg)
    sent = tmp_path / "follow-up.pdf"
    sent.write_bytes(b"%PDF-1.4 follow-up")
    dlg.phase.setCurrentIndex(dlg.phase.findData("follow-up"))
    dlg.case_ref.setText("ICO-2026-0042")
    dlg.file.setText(str(sent))
    assert isinstance(dlg.sent_at, QDateTimeEdit)  # a date-time editor, not ISO text to type
    tomorrow = (NOW + timedelta(days=1)).astimezone(dlg.zone)
    dlg.sent_at.setDateTime(QDateTime(QDate(tomorrow.year, tomorrow.month, tomorrow.day), QTime(9, 0)))
    dlg.save()
    assert "time the notice was sent" in dlg.error.text() and "future" in dlg.error.text()
    here = NOW.astimezone(dlg.zone)
    dlg.sent_at.setDateTime(QDateTime(QDate(here.year, here.month, here.day), QTime(here.hour, here.minute)))
    dlg.save()
    assert dlg.record is not None and dlg.record.phase == "follow-up" and dlg.record.case_reference == "ICO-2026-0042"
    assert pane.detail.notifications.rowCount() == 2
    assert "follow-up.pdf" in pane.detail.notifications.item(1, 3).text()


def test_add_from_search_without_connections_says_why(qtbot: QtBot, pane: BreachesPane,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: shown.append(self.text()))
    pane.table.selectRow(0)
    task = pane.detail.add_from_search("zoe@example.com\n+44 20 7946 0958\n")
    assert task is not None
    qtbot.waitUntil(lambda: bool(shown) and pane.detail.search_button.isEnabled(), timeout=20000)
    assert "no connected databases" in shown[0]


def test_add_from_search_with_the_demo_databases(qtbot: QtBot, pane: BreachesPane) -> None:
    from privdesk.services import discovery

    discovery.seed_demo_connections(pane.ctx)
    pane.table.selectRow(0)
    task = pane.detail.add_from_search("zoe.odegard@example.com\n")
    assert task is not None
    qtbot.waitUntil(lambda: "added" in pane.detail.message.text(), timeout=30000)
    assert pane.detail.affected.rowCount() == 1
    assert pane.detail.affected.item(0, 1).text() == "zoe.odegard@example.com"


def test_became_aware_is_read_in_the_organisation_zone(qtbot: QtBot, pane: BreachesPane) -> None:
    settings.set_setting(pane.ctx, "org.timezone", "Europe/Berlin")
    dlg = pane.new_breach()
    qtbot.addWidget(dlg)
    assert isinstance(dlg, NewBreachDialog)
    assert dlg.findChild(QLabel, "awareZone").text() == "time in Europe/Berlin"  # type: ignore[union-attr]
    dlg.aware.setDateTime(QDateTime(QDate(2026, 11, 21), QTime(8, 15)))
    assert dlg.aware_at().isoformat() == "2026-11-21T08:15:00+01:00"


def _found(qtbot: QtBot, pane: BreachesPane, task: object) -> AffectedReviewDialog:
    """Wait for a search (or CSV read) to finish and its review dialog to open."""
    assert task is not None
    qtbot.waitUntil(lambda: pane.detail.review_dialog is not None and pane.detail.review_dialog.isVisible(),
                    timeout=30000)
    dlg = pane.detail.review_dialog
    assert isinstance(dlg, AffectedReviewDialog)
    qtbot.addWidget(dlg)
    return dlg


def test_add_from_search_lists_a_candidate_apart_and_adds_it_when_ticked(qtbot: QtBot, pane: BreachesPane,
                                                                         tmp_path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    household_crm(pane.ctx, tmp_path)
    pane.table.selectRow(0)
    ref = pane.detail.detail.reference  # type: ignore[union-attr]
    dlg = _found(qtbot, pane, pane.detail.add_from_search(f"{ALICE[1]}\n{HOUSEHOLD_PHONE}\n"))
    assert svc.count_affected(pane.ctx, ref) == 0, "nothing is added before the officer decides"
    assert [dlg.confirmed.item(0, c).text() for c in range(3)] == [*ALICE, "crm customer 1"]  # type: ignore[union-attr]
    cand = dlg.candidates
    assert cand.rowCount() == 1
    assert [cand.item(0, c).text() for c in range(1, 5)] == [  # type: ignore[union-attr]
        *BOB, "crm customer 2", "only the phone matches, nothing else in the row confirms it"]
    assert cand.item(0, 0).checkState() == Qt.CheckState.Unchecked  # type: ignore[union-attr]
    assert dlg.summary.text() == "Adds 1 person; 1 candidate left out, recorded in the breach's timeline with the reason."
    dlg.grab().save(str(tmp_path / "review.png"))

    # tick Bob's box with the mouse, where the style draws it
    option = QStyleOptionViewItem()
    option.rect = cand.visualItemRect(cand.item(0, 0))  # type: ignore[arg-type]
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = cand.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, cand)
    qtbot.mouseClick(cand.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
    assert cand.item(0, 0).checkState() == Qt.CheckState.Checked  # type: ignore[union-attr]
    assert dlg.summary.text() == "Adds 2 people."
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)

    assert sorted(pane.detail.affected.item(i, 1).text() for i in range(2)) == [ALICE[1], BOB[1]]  # type: ignore[union-attr]
    assert pane.detail.affected.rowCount() == 2
    assert pane.detail.tabs.tabText(3) == "Affected people (2)"
    assert pane.detail.message.text() == "2 added, 0 duplicates merged"
    entry = [e for e in svc.history(pane.ctx, ref) if e.action == "affected-add"][-1]
    assert entry.changes["candidates_included"] == (None, 1) and "candidates_left_out" not in entry.changes


def test_csv_of_identifiers_adds_only_the_confirmed_person_when_nothing_is_ticked(qtbot: QtBot, pane: BreachesPane,
                                                                                  tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    household_crm(pane.ctx, tmp_path)
    leaked = tmp_path / "leaked.csv"
    leaked.write_text(f"email,phone\n{ALICE[1]},{HOUSEHOLD_PHONE}\n", encoding="utf-8")
    pane.table.selectRow(0)
    ref = pane.detail.detail.reference  # type: ignore[union-attr]
    dlg = _found(qtbot, pane, pane.detail.add_affected(leaked))
    assert dlg.candidates.item(0, 4).text() == "the phone matches, but the row holds another e-mail"  # type: ignore[union-attr]
    assert pane.detail.search_button.isEnabled() and pane.detail.affected_button.isEnabled()
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    assert [pane.detail.affected.item(0, 1).text()] == [ALICE[1]]  # type: ignore[union-attr]
    assert pane.detail.affected.rowCount() == 1
    assert "1 candidate not added" in pane.detail.message.text()
    assert svc.get_breach(pane.ctx, ref, now=NOW).affected == 1
    timeline = [pane.detail.timeline.item(i).text() for i in range(pane.detail.timeline.count())]  # type: ignore[attr-defined]
    assert "1 affected person added by " in timeline[-1]
    assert timeline[-1].endswith("; left out, not confirmed by the search: crm customer 2 (the phone matches, "
                                 "but the row holds another e-mail)"), timeline


def test_review_leaves_no_gap_above_its_summary(qtbot: QtBot, pane: BreachesPane, tmp_path: Path) -> None:
    household_crm(pane.ctx, tmp_path)
    pane.table.selectRow(0)
    dlg = _found(qtbot, pane, pane.detail.add_from_search(f"{ALICE[1]}\n{HOUSEHOLD_PHONE}\n"))
    qtbot.wait(20)
    dlg.grab().save(str(tmp_path / "review.png"))
    spacing = dlg.box.spacing()
    above = dlg.candidates.geometry().bottom()
    assert dlg.summary.geometry().top() - above <= spacing + 2, (above, dlg.summary.geometry())
    assert dlg.height() == dlg.box.totalHeightForWidth(dlg.width())


def test_review_names_the_connections_not_searched(qtbot: QtBot, pane: BreachesPane, tmp_path: Path) -> None:
    """No candidate to decide on, yet the review opens: a connection could not be searched, so
    the list may be incomplete; the officer may still add, and the timeline records it."""
    import sqlite3
    from contextlib import closing

    from PySide6.QtCore import Qt

    from privdesk.services import discovery

    household_crm(pane.ctx, tmp_path)
    missing = tmp_path / "archive.sqlite"
    discovery.add_connection(pane.ctx, "archive", f"sqlite:///{missing}")
    shop = tmp_path / "shop.sqlite"
    with closing(sqlite3.connect(shop)) as c, c:
        c.execute("CREATE TABLE buyers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT)")
    discovery.add_connection(pane.ctx, "shop", f"sqlite:///{shop}")
    discovery.search(pane.ctx, discovery.make_query(pane.ctx, emails=["x@example.com"]), ["shop"])
    with closing(sqlite3.connect(shop)) as c, c:
        c.execute("DROP TABLE buyers")
    pane.table.selectRow(0)
    ref = pane.detail.detail.reference  # type: ignore[union-attr]
    dlg = _found(qtbot, pane, pane.detail.add_from_search(f"{ALICE[1]}\n"))
    assert svc.count_affected(pane.ctx, ref) == 0, "nothing is added before the officer has read the warning"
    assert not dlg.candidates.isVisible()
    label = dlg.findChild(QLabel, "notSearchedLabel")
    assert label is not None and label.isVisible()
    said = label.text()
    assert "Not every connection could be searched" in said
    assert f"archive: The database file {missing} does not exist" in said and "no such table: buyers" in said
    assert dlg.summary.text() == ("Adds 1 person. 2 connections not searched: the list may be incomplete "
                                  "(recorded in the timeline).")
    assert label.geometry().right() <= dlg.width() and dlg.width() <= 1024 - 20
    dlg.grab().save(str(tmp_path / "review-not-searched.png"))
    assert dlg.add_button.isEnabled()
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    assert [pane.detail.affected.item(0, 1).text()] == [ALICE[1]]  # type: ignore[union-attr]
    assert "Not searched: archive: The database file" in pane.detail.message.text()
    timeline = [pane.detail.timeline.item(i).text() for i in range(pane.detail.timeline.count())]  # type: ignore[attr-defined]
    assert "; not searched, the list may be incomplete: archive: The database file" in timeline[-1]
    assert "shop: Table 'buyers'" in timeline[-1]
