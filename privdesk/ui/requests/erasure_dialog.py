"""Review a request's change plan (erasure, rectification, opt-out) before anything changes: each
step with its statement and the rows it would touch now, stale steps in red; then save the script
for the database owner, execute through the write connections (after typing the reference), or
search again for the proof. Every database round trip runs in a worker; the GUI never waits."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.errors import PrivDeskError
from privdesk.services import erasure
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import error_html
from privdesk.ui.workers import Task, run_task

COLUMNS = ("Step", "Connection", "Table", "Action", "Rows planned", "Rows now", "Columns", "Why / what stays")
STALE = QColor("#fde2e2")
ACTION_LABELS = {"delete": "Delete", "mask": "Mask", "update": "Update", "keep": "Keep"}


class ErasurePlanDialog(QDialog):
    """Signals:
        changed(): the plan was rebuilt, executed or verified (the case file has new entries).
    """

    changed = Signal()

    def __init__(self, ctx: AppContext, reference: str, actor: Callable[[], str],
                 parent: QWidget | None = None, request_type: str = "") -> None:
        super().__init__(parent)
        self.ctx, self.reference, self.actor = ctx, reference, actor
        self.request_type = request_type
        self.view: erasure.PlanView | None = None
        self.dry: erasure.DryRun | None = None
        self.proof: dict[str, Any] | None = None
        self._task: Task | None = None
        self.setWindowTitle(self.tr("Change plan for {0}").format(reference))
        self.resize(1100, 680)
        layout = QVBoxLayout(self)
        self.header = QLabel()
        self.header.setObjectName("planHeader")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.header)

        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("planSteps")
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_statement)
        split.addWidget(self.table)
        self.statement = QPlainTextEdit()
        self.statement.setObjectName("planStatement")
        self.statement.setReadOnly(True)
        self.statement.setPlaceholderText(self.tr("Select a step to see its SQL statement."))
        split.addWidget(self.statement)
        split.setSizes([420, 160])
        layout.addWidget(split, 1)

        self.message = QLabel()
        self.message.setObjectName("planMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        row = QHBoxLayout()
        self.refresh_button = QPushButton(self.tr("Dry run again"))
        self.refresh_button.setToolTip(self.tr("Count now, read-only, the rows each statement would touch"))
        self.refresh_button.clicked.connect(lambda: self.load())
        self.rebuild_button = QPushButton(self.tr("Rebuild plan"))
        self.rebuild_button.setToolTip(self.tr("Build the plan afresh from the latest attached search and the "
                                               "tables' defaults"))
        self.rebuild_button.clicked.connect(lambda: self.load(rebuild=True))
        self.correct_button = QPushButton(self.tr("Correct a value…"))
        self.correct_button.setObjectName("correctValue")
        self.correct_button.setToolTip(self.tr("Rectification: type the corrected value of a found row"))
        self.correct_button.setVisible(request_type == "rectification")
        self.correct_button.clicked.connect(lambda: self.correct())
        self.script_button = QPushButton(self.tr("Save SQL script…"))
        self.script_button.setObjectName("saveScript")
        self.script_button.setToolTip(self.tr("One script per database for its owner: one transaction, every "
                                              "row count checked"))
        self.script_button.clicked.connect(lambda: self.save_script())
        self.confirm = QLineEdit()
        self.confirm.setObjectName("confirmReference")
        self.confirm.setPlaceholderText(self.tr("Type {0} to execute").format(reference))
        self.confirm.setMinimumWidth(240)
        self.confirm.textChanged.connect(lambda _t: self._update_buttons())
        self.execute_button = QPushButton(self.tr("Execute"))
        self.execute_button.setObjectName("executePlan")
        self.execute_button.setToolTip(self.tr("Run the plan through each database's write connection"))
        self.execute_button.clicked.connect(lambda: self.execute())
        self.verify_button = QPushButton(self.tr("Verify (search again)"))
        self.verify_button.setObjectName("verifyPlan")
        self.verify_button.clicked.connect(lambda: self.verify())
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        for w in (self.refresh_button, self.rebuild_button, self.correct_button, self.script_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.confirm)
        for b in (self.execute_button, self.verify_button, close):
            row.addWidget(b)
        layout.addLayout(row)
        self._busy = False
        self._update_buttons()

    # -- loading -------------------------------------------------------------------------------
    def load(self, rebuild: bool = False) -> Task:
        """Build (or reuse) the plan and dry-run it in a worker."""
        ctx, ref, actor = self.ctx, self.reference, self.actor()

        def work(_c: Any) -> tuple[erasure.PlanView, erasure.DryRun]:
            view = erasure.build_plan(ctx, ref, actor, rebuild=rebuild)
            return view, erasure.dry_run(ctx, ref, view)

        self.message.setText(self.tr("Building the plan and counting the rows now (read-only)…"))
        return self._run(work, self._loaded)

    def _loaded(self, value: tuple[erasure.PlanView, erasure.DryRun]) -> None:
        self.view, self.dry = value
        plan = self.view.plan
        self.header.setText(self.tr("<b>{0}</b> · {1} · {2} steps · plan sha256 <code>{3}</code> · {4}").format(
            plan.reference, plan.request_type, len(plan.steps), plan.hash[:16], self.view.status))
        self.table.setRowCount(len(self.dry.steps))
        for r, s in enumerate(self.dry.steps):
            step = plan.steps[s.index - 1]
            values = (str(s.index), s.connection, s.table, ACTION_LABELS.get(s.action, s.action), str(s.expected),
                      str(s.found), ", ".join(step.columns), step.reason or s.stays)
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setToolTip(s.stays if c == len(COLUMNS) - 1 else v)
                if s.stale:
                    item.setBackground(QBrush(STALE))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        if self.dry.stale:
            self.message.setText(error_html(PrivDeskError(self.dry.refusal(plan.reference))))
        else:
            self.message.setText(self.tr("Counts match the attached search. Save the script for the database "
                                         "owner, or type the reference and execute."))
        self.changed.emit()
        self._update_buttons()

    def _show_statement(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.dry is None:
            self.statement.clear()
            return
        s = self.dry.steps[rows[0].row()]
        self.statement.setPlainText(s.statement or self.tr("No statement: these rows are kept ({0}).")
                                    .format(s.stays))

    # -- actions -------------------------------------------------------------------------------
    def correct(self) -> QDialog:
        """Open the correction form; saving it rebuilds the plan with the new value."""
        from privdesk.ui.requests.correction_dialog import CorrectionDialog

        dlg = CorrectionDialog(self.ctx, self.reference, self.actor, self)
        dlg.accepted.connect(lambda: self.load())
        dlg.open()
        return dlg

    def save_script(self, path: str | None = None) -> list[Path] | None:
        if self.view is None:
            return None
        if path is None:
            suggested = str(Path.home() / f"{self.reference}-plan.sql")
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the SQL script"), suggested, "SQL (*.sql)")
            if not path:
                return None
        try:
            written = erasure.write_scripts(self.ctx, self.reference, path, self.actor())
        except PrivDeskError as exc:
            self._error(exc)
            return None
        self.message.setText(self.tr("Saved {0}; recorded in the case file. After the database owner ran it, "
                                     "press Verify.").format(", ".join(p.name for p in written)))
        self.changed.emit()
        return written

    def execute(self) -> Task | None:
        if not self.execute_button.isEnabled():
            return None
        ctx, ref, actor, typed = self.ctx, self.reference, self.actor(), self.confirm.text()
        self.message.setText(self.tr("Executing through the write connections…"))
        return self._run(lambda _c: erasure.execute(ctx, ref, typed, actor), self._executed)

    def _executed(self, result: erasure.Execution) -> None:
        lines = [html.escape(f"{o.connection}: {o.message} ({o.rows} rows)") for o in result.outcomes]
        colour = "#166534" if result.ok else "#b91c1c"
        self.message.setText(f"<span style='color:{colour}'>" + "<br>".join(lines) + "</span>")
        self.confirm.clear()
        self.changed.emit()
        if result.ok:
            self.verify()

    def verify(self) -> Task:
        ctx, ref, actor = self.ctx, self.reference, self.actor()
        self.message.setText(self.tr("Searching again for the proof…"))
        return self._run(lambda _c: erasure.verify(ctx, ref, actor), self._verified)

    def _verified(self, proof: dict[str, Any]) -> None:
        self.proof = proof
        if proof["ok"]:
            kept = len(proof["remaining"])
            self.message.setText(self.tr("<span style='color:#166534'>Proof recorded: the plan's state holds; "
                                         "{0} rows remain, each with its reason.</span>").format(kept))
        else:
            self.message.setText(error_html(PrivDeskError("\n".join(proof["problems"][:5]))))
        self.changed.emit()

    # -- helpers -------------------------------------------------------------------------------
    def _run(self, fn: Callable[[Any], Any], done: Callable[[Any], None]) -> Task:
        self._busy = True
        self._update_buttons()

        def finished(value: Any) -> None:
            self._busy = False
            done(value)
            self._update_buttons()

        def failed(exc: BaseException) -> None:
            self._busy = False
            self._error(exc)
            self._update_buttons()

        self._task = run_task(fn, on_done=finished, on_error=failed)
        return self._task

    def _error(self, exc: BaseException) -> None:
        self.message.setText(error_html(exc))

    def _update_buttons(self) -> None:
        ready = self.view is not None and not self._busy
        runnable = ready and self.dry is not None and not self.dry.stale and self.view is not None \
            and self.view.status not in (erasure.EXECUTED, erasure.VERIFIED)
        for b in (self.refresh_button, self.rebuild_button, self.correct_button):
            b.setEnabled(not self._busy)
        self.script_button.setEnabled(bool(runnable))
        self.execute_button.setEnabled(bool(runnable) and self.confirm.text().strip().upper()
                                       == self.reference.upper())
        self.verify_button.setEnabled(ready and self.view is not None)
