"""Letters for one request: pick a kind, preview it inside the app, then save (optionally with a
password) and open it with the system viewer. Rendering runs in a worker; the GUI never waits."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from privdesk.documents.model import DEFAULT_ASKS, LETTER_KINDS, VERIFICATION_ASKS
from privdesk.errors import PrivDeskError
from privdesk.services import casefile, letter_checks
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import error_html, show_error
from privdesk.ui.vocabulary import count
from privdesk.ui.workers import Task, run_task

KIND_LABELS = {
    "acknowledgement": "Acknowledgement of receipt",
    "verification": "Identity-verification request",
    "extension": "Extension notice",
    "export": "Data-export letter (access / portability)",
    "completion": "Completion confirmation",
    "denial": "Denial with reasons",
}

ASK_LABELS = {
    "reply": "Reply from the registered e-mail",
    "account": "Account details",
    "id-document": "ID document (reasonable doubts only)",
}


class LettersDialog(QDialog):
    """Signals:
        generated(object): a :class:`casefile.DocumentInfo` was saved and recorded.
    """

    generated = Signal(object)

    def __init__(self, ctx: AppContext, reference: str, actor: Callable[[], str],
                 parent: QWidget | None = None, open_after_save: bool = True) -> None:
        super().__init__(parent)
        self.ctx, self.reference, self.actor = ctx, reference, actor
        self.open_after_save = open_after_save
        self.pdf_bytes: bytes | None = None
        self._task: Task | None = None
        self.setWindowTitle(self.tr("Letters for {0}").format(reference))
        self.resize(1100, 760)
        layout = QHBoxLayout(self)

        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("<b>Letter</b>")))
        self.kinds = QListWidget()
        self.kinds.setObjectName("letterKinds")
        self.kinds.setFixedWidth(300)
        for kind in LETTER_KINDS:
            item = QListWidgetItem(self.tr(KIND_LABELS[kind]))
            item.setData(Qt.ItemDataRole.UserRole, kind)
            self.kinds.addItem(item)
        self.kinds.currentItemChanged.connect(lambda *_: self.preview())
        left.addWidget(self.kinds)
        self.message = QLabel()
        self.message.setObjectName("letterMessage")
        self.message.setWordWrap(True)
        self.message.setFixedWidth(300)
        left.addWidget(self.message)
        # What the verification letter asks for: GDPR Art. 12(6) allows more only on reasonable
        # doubts, so the proportionate choices are ticked and the ID document is not.
        self.asks_box = QGroupBox(self.tr("Ask the requester for"))
        self.asks_box.setObjectName("verificationAsks")
        asks_layout = QVBoxLayout(self.asks_box)
        self.asks: dict[str, QCheckBox] = {}
        for key, description in VERIFICATION_ASKS.items():
            box = QCheckBox(self.tr(ASK_LABELS[key]))
            box.setToolTip(self.tr(description))
            box.setObjectName(f"ask-{key}")
            box.setChecked(key in DEFAULT_ASKS)
            box.toggled.connect(lambda *_: self.preview())
            asks_layout.addWidget(box)
            self.asks[key] = box
        self.asks_box.setFixedWidth(300)
        self.asks_box.setVisible(False)
        left.addWidget(self.asks_box)
        left.addStretch()
        self.protect = QCheckBox(self.tr("Protect with a password"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Password to open the PDF"))
        self.password.setEnabled(False)
        self.protect.toggled.connect(self.password.setEnabled)
        strength = QLabel(self.tr("Encryption: {0}").format(casefile.PASSWORD_ENCRYPTION))
        strength.setObjectName("encryptionLabel")
        strength.setStyleSheet("color: #4b5563;")
        left.addWidget(self.protect)
        left.addWidget(self.password)
        left.addWidget(strength)
        self.save_button = QPushButton(self.tr("Save and open…"))
        self.save_button.setObjectName("saveLetter")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(lambda: self.save())
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        left.addLayout(buttons)
        layout.addLayout(left)

        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("letterPreview")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        layout.addWidget(self.view, 1)
        self._buffer: QBuffer | None = None

    def current_kind(self) -> str | None:
        item = self.kinds.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def select(self, kind: str) -> None:
        self.kinds.setCurrentRow(list(LETTER_KINDS).index(kind))

    def chosen_asks(self) -> tuple[str, ...]:
        """The ticked verification choices, or the default when none is ticked."""
        return tuple(k for k, box in self.asks.items() if box.isChecked()) or DEFAULT_ASKS

    def preview(self) -> Task | None:
        kind = self.current_kind()
        if kind is None:
            return None
        self.asks_box.setVisible(kind == "verification")
        asks = self.chosen_asks()
        if self._task is not None:
            self._task.cancel()
        self.save_button.setEnabled(False)
        self.pdf_bytes = None
        self.message.setText(self.tr("Preparing the preview…"))
        ctx, ref = self.ctx, self.reference

        def shown(pdf: bytes) -> None:
            self._show(kind, pdf)

        def failed(exc: BaseException) -> None:
            if self._task is task:  # a preview replaced meanwhile does not speak over the current one
                self._failed(exc)

        task = run_task(lambda _c: casefile.preview_letter(ctx, kind, ref, asks=asks), on_done=shown,
                        on_error=failed)
        self._task = task
        return task

    def _show(self, kind: str, pdf: bytes) -> None:
        if kind != self.current_kind():
            return
        self.pdf_bytes = pdf
        self.document.close()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        text = self.tr("{0}. Check the preview, then save.").format(count(self.document.pageCount(), "page"))
        item = self.kinds.currentItem()
        kind = str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""
        try:
            warnings = letter_checks.letter_warnings(self.ctx, kind, svc.get_request(self.ctx, self.reference))
        except PrivDeskError:
            warnings = []
        if warnings:  # a letter that contradicts the record or lacks a profile fact: say so before it is saved
            text = "<span style='color:#92400e'>⚠ " + html.escape(" ".join(warnings)) + "</span><br>" + text
        self.message.setText(text)
        self.save_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.document.close()
        self.pdf_bytes = None
        self.message.setText(error_html(exc))

    def save(self, path: str | None = None) -> casefile.DocumentInfo | None:
        kind = self.current_kind()
        if kind is None or self.pdf_bytes is None:
            return None
        if path is None:
            suggested = str(Path.home() / f"{self.reference}-{kind}.pdf")
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the letter"), suggested, "PDF (*.pdf)")
            if not path:
                return None
        password = self.password.text() if self.protect.isChecked() else None
        try:
            doc = casefile.generate_letter(self.ctx, kind, self.reference, path, self.actor(), password=password,
                                           asks=self.chosen_asks())
        except PrivDeskError as exc:
            show_error(self, exc, self.tr("Letter not saved"))
            return None
        self.message.setText(self.tr("Saved {0} and recorded it on the request.").format(doc.filename))
        self.generated.emit(doc)
        if self.open_after_save:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return doc
