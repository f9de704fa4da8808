"""Letters from a request's detail: preview inside the app (QtPdf), save, record, reopen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot

from privdesk.services import casefile
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.demo import seed_profile
from privdesk.ui.requests.detail_pane import DetailPane
from privdesk.ui.requests.letters_dialog import LettersDialog

ACTOR = "dpo@northwind.example"


def open_request(ctx: AppContext, rtype: str = "access") -> str:
    seed_profile(ctx)
    return rq.open_request(ctx, rq.NewRequest(type=rtype, law="gdpr", received=date.today(), name="Дмитрий Иванов",
                                              emails=("dmitri@example.ru",)), actor=ACTOR).reference


def test_preview_save_and_documents_list(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    ref = open_request(ctx)
    pane = DetailPane(ctx, lambda: ACTOR)
    qtbot.addWidget(pane)
    pane.load(ref)
    assert pane.documents.count() == 0
    assert "No search attached" in pane.snapshot_label.text()
    assert not pane.export_button.isEnabled()

    dlg = pane.open_letters()
    assert isinstance(dlg, LettersDialog)
    dlg.open_after_save = False
    qtbot.addWidget(dlg)
    dlg.select("acknowledgement")
    qtbot.waitUntil(lambda: dlg.pdf_bytes is not None, timeout=10000)
    assert dlg.document.status() == QPdfDocument.Status.Ready
    assert dlg.document.pageCount() >= 1
    assert "Дмитрий Иванов" in dlg.document.getAllText(0).text()
    assert dlg.save_button.isEnabled()
    assert "AES" in dlg.findChild(type(dlg.message), "encryptionLabel").text()

    out = tmp_path / "ack.pdf"
    doc = dlg.save(str(out))
    assert doc is not None and out.exists()
    assert pane.documents.count() == 1
    assert "acknowledgement: ack.pdf" in pane.documents.item(0).text()
    assert Path(pane.documents.item(0).data(256)).read_bytes() == out.read_bytes()


def test_a_letter_that_does_not_fit_says_why(qtbot: QtBot, ctx: AppContext) -> None:
    ref = open_request(ctx, "erasure")
    dlg = LettersDialog(ctx, ref, lambda: ACTOR, open_after_save=False)
    qtbot.addWidget(dlg)
    dlg.select("export")
    qtbot.waitUntil(lambda: "erasure" in dlg.message.text().lower() or "export" in dlg.message.text().lower()
                    and "Preparing" not in dlg.message.text(), timeout=10000)
    assert dlg.pdf_bytes is None
    assert not dlg.save_button.isEnabled()
    assert dlg.save("/tmp/never.pdf") is None
    assert casefile.list_documents(ctx, ref) == []


def test_verification_choices_change_what_the_letter_asks_for(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    """Issue 10 point 7: the officer picks what to ask for; the ID document is not ticked by default."""
    ref = open_request(ctx)
    dlg = LettersDialog(ctx, ref, lambda: ACTOR, open_after_save=False)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.select("verification")
    assert dlg.asks_box.isVisible()
    assert dlg.asks["reply"].isChecked() and dlg.asks["account"].isChecked()
    assert not dlg.asks["id-document"].isChecked()
    qtbot.waitUntil(lambda: dlg.pdf_bytes is not None, timeout=10000)
    assert "identity document" not in dlg.document.getAllText(0).text()

    dlg.asks["reply"].setChecked(False)
    dlg.asks["account"].setChecked(False)
    dlg.asks["id-document"].setChecked(True)
    qtbot.waitUntil(lambda: dlg.pdf_bytes is not None and "identity document" in dlg.document.getAllText(0).text(),
                    timeout=10000)
    assert "registered with us" not in dlg.document.getAllText(0).text()
    doc = dlg.save(str(tmp_path / "verify.pdf"))
    assert doc is not None
    dlg.select("acknowledgement")
    assert not dlg.asks_box.isVisible()


def test_preview_warns_when_settings_name_no_authority(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    """Issue: a GDPR letter without an authority in Settings; the officer learns it before saving."""
    from privdesk.services.settings import set_setting

    ref = open_request(ctx)
    rq.deny(ctx, ref, "The request is manifestly unfounded.", ACTOR)
    set_setting(ctx, "authority.name", "")
    dlg = LettersDialog(ctx, ref, lambda: ACTOR, open_after_save=False)
    qtbot.addWidget(dlg)
    dlg.select("acknowledgement")
    qtbot.waitUntil(lambda: dlg.pdf_bytes is not None, timeout=10000)
    assert "supervisory authority" not in dlg.message.text()  # the acknowledgement names none anyway
    dlg.select("denial")
    qtbot.waitUntil(lambda: dlg.pdf_bytes is not None and dlg.save_button.isEnabled(), timeout=20000)
    assert "Settings name no supervisory authority" in dlg.message.text()
    assert dlg.save_button.isEnabled()  # warned, not refused: the letter gives the Art. 77 route
    set_setting(ctx, "authority.name", "CNIL")
    dlg.select("acknowledgement")
    qtbot.waitUntil(lambda: dlg.pdf_bytes is not None, timeout=10000)
    dlg.select("denial")
    qtbot.waitUntil(lambda: dlg.pdf_bytes is not None and dlg.save_button.isEnabled(), timeout=20000)
    assert "supervisory authority" not in dlg.message.text()
