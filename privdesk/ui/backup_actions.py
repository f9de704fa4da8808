"""File menu's Back Up and Restore: the backup service in a worker, with a modal progress dialog.

Restoring replaces the data every open area shows, so after a restore the window says so and
closes; the next start opens the restored data (and upgrades its schema if it is older).

Signals:
    done(str): a sentence for the status bar once a backup or restore finished.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QProgressDialog

from privdesk.domain.retention import UPGRADE_BACKUP_DAYS
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import show_error
from privdesk.ui.workers import Task, TaskControl, run_task

if TYPE_CHECKING:  # the backup service loads when the menu is used, not before the first paint
    from privdesk.services import backup as svc


class BackupActions(QObject):
    """The two File menu actions and the jobs behind them."""

    done = Signal(str)

    def __init__(self, window: QMainWindow, ctx: AppContext, pool: QThreadPool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.pool = pool
        self.task: Task | None = None
        self.progress: QProgressDialog | None = None
        self.backup_action = QAction(self.tr("&Back Up…"), window)
        self.backup_action.setObjectName("backupAction")
        self.backup_action.triggered.connect(lambda: self.back_up())
        self.restore_action = QAction(self.tr("&Restore from Backup…"), window)
        self.restore_action.setObjectName("restoreAction")
        self.restore_action.triggered.connect(lambda: self.restore())

    def back_up(self, path: Path | None = None) -> Task | None:
        """Ask where (unless given), then write the archive in a worker; the window keeps working."""
        from privdesk.services import backup as svc

        if path is None:
            if self.ctx.paths.sqlite_path is None:
                show_error(self.window, svc.backup_refusal(self.ctx.paths))
                return None
            chosen, _ = QFileDialog.getSaveFileName(
                self.window, self.tr("Back up the case data"),
                str(Path.home() / f"privdesk-backup-{date.today().isoformat()}.zip"), self.tr("Backup (*.zip)"))
            if not chosen:
                return None
            path = Path(chosen)
        target = path

        def job(control: TaskControl) -> svc.BackupResult:
            return svc.backup(self.ctx.paths, target, progress=control.progress)

        return self._start(job, self.tr("Backing up…"), self._backed_up)

    def restore(self, path: Path | None = None, replace: bool | None = None) -> Task | None:
        """Ask for the archive and, when data would be replaced, for confirmation; then restore."""
        from privdesk.services import backup as svc

        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self.window, self.tr("Restore from a backup"),
                                                    str(Path.home()), self.tr("Backup (*.zip)"))
            if not chosen:
                return None
            path = Path(chosen)
        if replace is None:
            replace = False
            if svc.holds_case_data(self.ctx.paths):
                answer = QMessageBox.question(
                    self.window, self.tr("Replace the case data?"),
                    self.tr("Restoring replaces the requests, breaches, documents, attachments and law files in {0}. "
                            "The current data is kept in its backups folder (before-restore-…) until the "
                            "retention run after it is over {1} days old. PrivDesk closes when the "
                            "restore is done.").format(self.ctx.paths.data_dir, UPGRADE_BACKUP_DAYS))
                if answer != QMessageBox.StandardButton.Yes:
                    return None
                replace = True
        archive, replacing = path, replace
        self.ctx.db.dispose()  # our pooled connections would otherwise hold the old pages

        def job(control: TaskControl) -> svc.RestoreResult:
            return svc.restore(self.ctx.paths, archive, replace=replacing, progress=control.progress)

        return self._start(job, self.tr("Restoring…"), self._restored)

    def _start(self, job: object, label: str, on_done: object) -> Task:
        self.backup_action.setEnabled(False)
        self.restore_action.setEnabled(False)
        self.progress = QProgressDialog(label, "", 0, 0, self.window)
        self.progress.setCancelButton(None)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(300)
        self.task = run_task(job, on_done, self._failed, pool=self.pool)  # type: ignore[arg-type]
        self.task.signals.progress.connect(self._progressed)
        self.task.signals.finished.connect(self._finished)
        return self.task

    def _progressed(self, done: int, total: int, _message: str) -> None:
        if self.progress is not None:
            self.progress.setMaximum(total)
            self.progress.setValue(done)

    def _finished(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None
        self.backup_action.setEnabled(True)
        self.restore_action.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        show_error(self.window, exc)

    def _backed_up(self, result: svc.BackupResult) -> None:
        self.done.emit(self.tr("Backup written to {0} ({1} files)").format(result.archive, result.files))

    def _restored(self, result: svc.RestoreResult) -> None:
        text = self.tr("Restored {0} files from the backup made {1}.").format(result.files, result.created)
        if result.kept is not None:
            text += " " + self.tr("The data it replaced is kept in {0}; the retention run deletes it once it is "
                                  "over {1} days old.").format(result.kept, UPGRADE_BACKUP_DAYS)
        self.done.emit(text)
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Restore finished"),
                          text + "\n\n" + self.tr("PrivDesk closes now; start it again to work on the restored data."),
                          QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("restoreDoneBox")
        box.finished.connect(lambda _code: self.window.close())
        box.open()
