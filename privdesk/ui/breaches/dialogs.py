"""Dialogs of the Breaches area: recording a breach (``record_dialog``), the batch of individual
notices, and a notification sent outside PrivDesk."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from privdesk.domain import breach as dom
from privdesk.errors import PrivDeskError
from privdesk.services import breach_notices as notices
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from privdesk.ui.breaches.record_dialog import NewBreachDialog, moment_editor, moment_of, zone_name
from privdesk.ui.forms import multiline
from privdesk.ui.workers import Task, TaskControl, run_task


def _form_with_footer(dialog: QDialog, form: QFormLayout, save: Callable[[], object]) -> QLabel:
    """Lay out ``form`` with an error line (what was wrong, in red; the input stays) and
    Save/Cancel; returns the error label."""
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    error = QLabel()
    error.setObjectName("errorLabel")
    error.setStyleSheet("color: #b91c1c;")
    error.setWordWrap(True)
    layout.addWidget(error)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(save)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return error

class BatchNoticesDialog(QDialog):
    """Writes every affected person's notice in the background, with progress and Cancel.

    Signals:
        finished_batch(object): the :class:`BatchResult`.
    """

    finished_batch = Signal(object)

    def __init__(self, ctx: AppContext, reference: str, parent: QWidget | None = None,
                 pool: QThreadPool | None = None, now: datetime | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.reference, self.pool, self.now = ctx, reference, pool, now
        self.task: Task | None = None
        self.cancel_event = threading.Event()
        self.batch_result: notices.BatchResult | None = None
        self.setWindowTitle(self.tr("Notices to individuals – {0}").format(reference))
        self.setMinimumWidth(560)
        form = QFormLayout()
        self.folder = QLineEdit()
        self.folder.setObjectName("folderEdit")
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form.addRow(self.tr("One PDF per person in"), row)
        self.combined = QCheckBox(self.tr("Also one combined PDF for printing (combined.pdf)"))
        self.combined.setObjectName("combinedCheck")
        form.addRow("", self.combined)
        self.processes = QSpinBox()
        self.processes.setObjectName("processesSpin")
        self.processes.setRange(1, max(1, os.cpu_count() or 1))
        self.processes.setValue(1)
        form.addRow(self.tr("Worker processes"), self.processes)
        self.reasons = multiline()
        self.reasons.setObjectName("reasonsEdit")
        self.reasons.setFixedHeight(50)
        self.reasons.setPlaceholderText(self.tr("Reasons for the delay (required when the notice is late)"))
        form.addRow(self.tr("Delay reasons"), self.reasons)
        self.pending_only = QCheckBox(self.tr("Only people not notified yet"))
        self.pending_only.setObjectName("pendingOnly")
        form.addRow("", self.pending_only)
        layout = QVBoxLayout(self)
        count = svc.count_affected(ctx, reference)
        intro = QLabel(self.tr("{0:,} affected people. Files are written with owner-only permissions, "
                               "with manifest.csv for a mail merge.").format(count))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setObjectName("batchProgress")
        self.progress.setRange(0, max(1, count))
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.status = QLabel()
        self.status.setObjectName("batchStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.failures = QListWidget()
        self.failures.setObjectName("failureList")
        self.failures.setMaximumHeight(90)
        layout.addWidget(self.failures)
        buttons = QHBoxLayout()
        buttons.addStretch()
        self.start_button = QPushButton(self.tr("Write notices"))
        self.start_button.setObjectName("startButton")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.reject)
        for b in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the notices"))
        if folder:
            self.folder.setText(folder)

    def start(self) -> Task | None:
        folder = self.folder.text().strip()
        if not folder:
            self.status.setText(self.tr("Choose a folder for the notices first."))
            return None
        out = Path(folder)
        combined = out / "combined.pdf" if self.combined.isChecked() else None
        reasons = self.reasons.toPlainText()
        processes = self.processes.value()
        pending = self.pending_only.isChecked()
        self.cancel_event.clear()
        ctx, ref, event, now = self.ctx, self.reference, self.cancel_event, self.now

        def job(control: TaskControl) -> notices.BatchResult:
            return notices.notify_subjects(ctx, ref, ctx.actor(), out_dir=out, combined=combined,
                                           progress=control.progress, cancel=event, processes=processes,
                                           delay_reasons=reasons, only_pending=pending, now=now)

        self._running(True)
        self.failures.clear()
        self.status.setText(self.tr("Writing notices…"))
        self.task = run_task(job, self._done, self._failed, pool=self.pool)
        self.task.signals.progress.connect(self._progress)
        return self.task

    def cancel(self) -> None:
        # Only our own event: TaskControl.cancel() would drop the partial result (the notices
        # already written must still be recorded and shown).
        self.cancel_event.set()
        self.status.setText(self.tr("Cancelling after the notices in progress…"))

    def _running(self, running: bool) -> None:
        for w in (self.start_button, self.close_button, self.folder, self.combined, self.processes,
                  self.reasons, self.pending_only):
            w.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _progress(self, done: int, total: int, _message: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.status.setText(self.tr("{0:,} of {1:,} notices").format(done, total))

    def _done(self, result: notices.BatchResult) -> None:
        self.batch_result = result
        self._running(False)
        self.progress.setValue(result.written + len(result.failed))
        where = result.manifest or result.combined
        self.status.setText(result.note or self.tr("{0} in {1:.1f} s. Manifest: {2}").format(
            result.message(), result.seconds, where))
        for f in result.failed:
            self.failures.addItem(f"{f.name or f.person_id}: {f.error}")
        self.finished_batch.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._running(False)
        text = exc.message if isinstance(exc, PrivDeskError) else f"{type(exc).__name__}: {exc}"
        self.status.setText(text)


class RecordNotificationDialog(QDialog):
    """Records a notice sent outside PrivDesk (a follow-up through the authority's portal, the
    Attorney General's sample copy, a public communication), with the file sent and its hash."""

    def __init__(self, ctx: AppContext, detail: svc.BreachDetail, parent: QWidget | None = None,
                 now: datetime | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.detail, self.now = ctx, detail, now
        self.record: svc.NotificationRecord | None = None
        self.setWindowTitle(self.tr("Record a notification – {0}").format(detail.reference))
        self.setMinimumWidth(520)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("kindCombo")
        for k in dom.NoticeKind:
            self.kind.addItem(k.label, k.value)
        self.phase = QComboBox()
        self.phase.setObjectName("phaseCombo")
        for ph in dom.Phase:
            self.phase.addItem(ph.value.capitalize(), ph.value)
        zone = detail.zone
        self.zone = zone
        self.sent_at = moment_editor((now or datetime.now(zone)).astimezone(zone), "sentAtEdit")
        sent_row = QHBoxLayout()
        sent_row.addWidget(self.sent_at)
        sent_row.addWidget(QLabel(self.tr("time in {0}").format(zone_name(zone))), 1)
        self.recipient = QLineEdit()
        self.recipient.setObjectName("recipientEdit")
        self.recipient.setPlaceholderText(self.tr("default: the authority in Settings, or the law's"))
        self.case_ref = QLineEdit()
        self.case_ref.setObjectName("caseRefEdit")
        self.file = QLineEdit()
        self.file.setObjectName("fileEdit")
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.count = QSpinBox()
        self.count.setObjectName("countSpin")
        self.count.setRange(1, 10_000_000)
        self.reasons = multiline()
        self.reasons.setObjectName("reasonsEdit")
        self.reasons.setFixedHeight(50)
        form.addRow(self.tr("To"), self.kind)
        form.addRow(self.tr("Phase"), self.phase)
        form.addRow(self.tr("Sent at"), sent_row)
        form.addRow(self.tr("Recipient"), self.recipient)
        form.addRow(self.tr("Authority's case reference"), self.case_ref)
        form.addRow(self.tr("Document sent"), file_row)
        form.addRow(self.tr("People told"), self.count)
        form.addRow(self.tr("Reasons for a delay"), self.reasons)
        self.error = _form_with_footer(self, form, self.save)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("The document sent"))
        if chosen:
            self.file.setText(chosen)

    def save(self) -> None:
        from privdesk.services.breach_notices import sha256_file

        path = Path(self.file.text().strip()) if self.file.text().strip() else None
        try:
            sha = sha256_file(path) if path is not None else ""
        except OSError as exc:
            self.error.setText(self.tr("Cannot read {0}: {1}").format(path, exc.strerror))
            return
        try:
            self.record = svc.record_notification(
                self.ctx, self.detail.reference, self.kind.currentData(), self.ctx.actor(),
                sent_at=moment_of(self.sent_at, self.zone), phase=self.phase.currentData(), recipient=self.recipient.text(),
                document_file=path.name if path else "", document_sha256=sha,
                delay_reasons=self.reasons.toPlainText(), case_reference=self.case_ref.text(),
                count=self.count.value(), now=self.now)
        except PrivDeskError as exc:
            self.error.setText(exc.message)
            return
        self.accept()


__all__ = ["BatchNoticesDialog", "NewBreachDialog", "RecordNotificationDialog"]
