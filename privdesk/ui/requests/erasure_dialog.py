"""Review a request's change plan (erasure, rectification, opt-out) before anything changes: each
step with its statement and the rows it would touch now, stale steps in red; then save the script
for the database owner, execute through the write connections (after typing the reference), or
search again for the proof. Every database round trip runs in a worker; the GUI never waits."""

from __future__ import annotations

import dataclasses
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
DONE = QColor("#dcfce7")  # steps of a connection the plan already ran on
DONE_LABELS = {"committed": "carried out", "handled outside": "handled outside"}
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
        self.outside_button = QPushButton(self.tr("Handled outside…"))
        self.outside_button.setObjectName("handledOutside")
        self.outside_button.setToolTip(self.tr("Record, with the reason, that a connection not yet done was handled "
                                               "outside PrivDesk (audited; named in the completion letter)"))
        self.outside_button.clicked.connect(lambda: self.handled_outside())
        self.verify_button = QPushButton(self.tr("Verify (search again)"))
        self.verify_button.setObjectName("verifyPlan")
        self.verify_button.clicked.connect(lambda: self.verify())
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        for w in (self.refresh_button, self.rebuild_button, self.correct_button, self.script_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.confirm)
        for b in (self.execute_button, self.outside_button, self.verify_button, close):
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
        status = self.tr("partly carried out") if self.view.status == erasure.PARTIAL else self.view.status
        self.header.setText(self.tr("<b>{0}</b> · {1} · {2} steps · plan sha256 <code>{3}</code> · {4}").format(
            plan.reference, plan.request_type, len(plan.steps), plan.hash[:16], status))
        self.table.setRowCount(len(self.dry.steps))
        for r, s in enumerate(self.dry.steps):
            step = plan.steps[s.index - 1]
            now = self.tr(DONE_LABELS.get(s.done, s.done)) if s.done else str(s.found)
            values = (str(s.index), s.connection, s.table, ACTION_LABELS.get(s.action, s.action), str(s.expected),
                      now, ", ".join(step.columns), step.reason or s.stays)
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setToolTip(s.stays if c == len(COLUMNS) - 1 else v)
                if s.stale:
                    item.setBackground(QBrush(STALE))
                elif s.done:
                    item.setBackground(QBrush(DONE))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        progress = self._progress_html(self.view.progress, self.view.status)
        if self.dry.stale:
            self.message.setText(progress + error_html(PrivDeskError(self.dry.refusal(plan.reference))))
        elif self.view.status == erasure.PARTIAL or self.dry.done:
            self.message.setText(progress + html.escape(self.tr(
                "The connections not yet done still match the plan: type the reference and execute to carry it "
                "out on them only, or record one as handled outside PrivDesk.")))
        else:
            self.message.setText(progress + self.tr("Counts match the attached search. Save the script for the "
                                                    "database owner, or type the reference and execute."))
        self.changed.emit()
        self._update_buttons()

    def _show_statement(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.dry is None:
            self.statement.clear()
            return
        s = self.dry.steps[rows[0].row()]
        if s.done:
            self.statement.setPlainText(self.tr("Already {0} on {1}; its statements never run again.").format(
                self.tr(DONE_LABELS.get(s.done, s.done)), s.connection))
            return
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
        lines = [html.escape(f"{o.connection}: {o.message}" + ("" if o.earlier else f" ({o.rows} rows)"))
                 for o in result.outcomes]
        colour = "#166534" if result.ok else "#b91c1c"
        tail = "" if result.ok else "<br>" + html.escape(self.tr(
            "Fix the cause and execute again: only the connections not yet done run."))
        self.message.setText(f"<span style='color:{colour}'><b>{html.escape(result.summary)}</b><br>"
                             + "<br>".join(lines) + tail + "</span>")
        self.confirm.clear()
        self.changed.emit()
        if result.ok:
            if self.view is not None:  # no round trip on the GUI thread: every connection is done now
                self.view = dataclasses.replace(self.view, status=erasure.EXECUTED)
            self.verify()
        else:
            self.load()  # the table shows what is done; the message says what is not, and why

    def handled_outside(self, connection: str | None = None, reason: str | None = None) -> str | None:
        """Record a connection not yet done as handled outside PrivDesk (asks which and why)."""
        from PySide6.QtWidgets import QInputDialog

        if self.view is None:
            return None
        states = self.view.states
        left = [c for c in erasure.writable(self.view.plan)
                if states.get(c, {}).get("state") not in (*erasure.DONE_STATES, erasure.STARTED)]
        if connection is None:
            if not left:
                return None
            connection, ok = QInputDialog.getItem(self, self.tr("Handled outside PrivDesk"),
                                                  self.tr("Which connection was handled outside PrivDesk?"),
                                                  left, 0, False)
            if not ok:
                return None
        if reason is None:
            reason, ok = QInputDialog.getText(self, self.tr("Handled outside PrivDesk"), self.tr(
                "How was {0} handled? (audited, and named in the completion letter)").format(connection))
            if not ok:
                return None
        try:
            progress = erasure.record_handled_outside(self.ctx, self.reference, connection, reason, self.actor())
        except PrivDeskError as exc:
            self._error(exc)
            return None
        self.changed.emit()
        self.load()
        return progress

    def _progress_html(self, progress: str, status: str) -> str:
        if not progress:
            return ""
        colour = "#166534" if status in (erasure.EXECUTED, erasure.VERIFIED) else "#b45309"
        return f"<p style='color:{colour}'><b>{html.escape(progress)}</b></p>"

    def verify(self) -> Task:
        ctx, ref, actor = self.ctx, self.reference, self.actor()
        self.message.setText(self.tr("Searching again for the proof…"))
        return self._run(lambda _c: erasure.verify(ctx, ref, actor), self._verified)

    def _verified(self, proof: dict[str, Any]) -> None:
        self.proof = proof
        if self.view is not None:
            self.view = dataclasses.replace(self.view, status=erasure.VERIFIED if proof["ok"] else erasure.UNVERIFIED)
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
        partial = self.view is not None and self.view.status == erasure.PARTIAL
        started = self.view is not None and any(st.get("state") for st in self.view.states.values())
        self.execute_button.setText(self.tr("Execute the rest") if partial else self.tr("Execute"))
        self.outside_button.setVisible(bool(started) and self.view is not None
                                       and self.view.status not in (erasure.EXECUTED, erasure.VERIFIED))
        self.outside_button.setEnabled(ready)
        self.verify_button.setEnabled(ready and self.view is not None and not partial)
        self.verify_button.setToolTip(self.tr("The proof follows when every connection is done") if partial
                                      else self.tr("Search again and record the proof"))
