"""Dialogs of the Breaches area: recording a breach, and the batch of individual notices."""

from __future__ import annotations

import getpass
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

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
    QPlainTextEdit,
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
from privdesk.ui.workers import Task, TaskControl, run_task


def current_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class NewBreachDialog(QDialog):
    """The breach record as an authority's form asks for it; errors keep the input.

    Signals:
        recorded(object): the new :class:`BreachDetail`.
    """

    recorded = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, now: datetime | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.now = now
        self.setWindowTitle(self.tr("Record a breach"))
        self.setMinimumWidth(620)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit | QPlainTextEdit] = {}

        def line(key: str, label: str, placeholder: str = "", text: str = "") -> QLineEdit:
            w = QLineEdit(text)
            w.setObjectName(f"field:{key}")
            w.setPlaceholderText(placeholder)
            self.fields[key] = w
            form.addRow(self.tr(label), w)
            return w

        def block(key: str, label: str, placeholder: str = "") -> QPlainTextEdit:
            w = QPlainTextEdit()
            w.setObjectName(f"field:{key}")
            w.setPlaceholderText(placeholder)
            w.setFixedHeight(56)
            self.fields[key] = w
            form.addRow(self.tr(label), w)
            return w

        zone = svc.local_zone()
        now_local = datetime.now(zone).replace(second=0, microsecond=0)
        line("title", "Title", "e.g. Payroll file e-mailed to the wrong recipient")
        line("aware", "Became aware", "YYYY-MM-DDTHH:MM+01:00", now_local.isoformat(timespec="minutes"))
        self.nature: dict[str, QCheckBox] = {}
        row = QHBoxLayout()
        for n in dom.Nature:
            cb = QCheckBox(n.value.capitalize())
            cb.setObjectName(f"nature:{n.value}")
            self.nature[n.value] = cb
            row.addWidget(cb)
        self.nature["confidentiality"].setChecked(True)
        form.addRow(self.tr("Nature"), row)
        block("description", "What happened")
        line("data_categories", "Data categories", "health, contact, credentials, … (special ones are flagged)")
        line("subject_categories", "Subject categories", "customers, employees, children, …")
        line("subjects_approx", "People (approx.)")
        line("records_approx", "Records (approx.)")
        block("consequences", "Likely consequences")
        block("measures", "Measures taken")
        line("measures_proposed", "Measures proposed")
        self.risk = QComboBox()
        self.risk.setObjectName("field:risk")
        for r in dom.Risk:
            self.risk.addItem(r.label.capitalize(), r.value)
        self.risk.setCurrentIndex(1)
        form.addRow(self.tr("Risk"), self.risk)
        line("risk_reasoning", "Risk reasoning")
        line("regimes", "Regimes", "gdpr, uk-gdpr, lgpd, california (empty: from the default law)")
        line("exemptions", "Art. 34(3) exceptions", "unintelligible, measures, disproportionate")
        line("exemption_reasoning", "Why the exception applies")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("errorLabel")
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.result_detail: svc.BreachDetail | None = None

    def _text(self, key: str) -> str:
        w = self.fields[key]
        return w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()

    def save(self) -> None:
        values: dict[str, Any] = {k: self._text(k) for k in self.fields}
        values["nature"] = ",".join(k for k, cb in self.nature.items() if cb.isChecked())
        values["risk"] = self.risk.currentData()
        try:
            detail = svc.add_breach(self.ctx, dom.BreachInput(**values), current_actor(), now=self.now)
        except PrivDeskError as exc:
            self.error.setText(exc.message)
            return
        self.result_detail = detail
        self.recorded.emit(detail)
        self.accept()


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
        self.reasons = QPlainTextEdit()
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
            return notices.notify_subjects(ctx, ref, current_actor(), out_dir=out, combined=combined,
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
        self.status.setText(self.tr("{0} in {1:.1f} s. Manifest: {2}").format(result.message(), result.seconds, where))
        for f in result.failed:
            self.failures.addItem(f"{f.name or f.person_id}: {f.error}")
        self.finished_batch.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._running(False)
        text = exc.message if isinstance(exc, PrivDeskError) else f"{type(exc).__name__}: {exc}"
        self.status.setText(text)
