"""The Register area: the record of processing activities (Art. 30), its mapping onto the
connected tables with the officer's to-do of unmapped personal data, and the retention of
PrivDesk's own cases.

Widgets only call :mod:`privdesk.services.ropa` and :mod:`privdesk.services.retention`; the
retention run, which deletes files, runs in a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from privdesk.domain.retention import UPGRADE_BACKUP_DAYS
from privdesk.domain.ropa import SAFEGUARDS, Activity
from privdesk.errors import PrivDeskError
from privdesk.services import retention, ropa
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import show_error
from privdesk.ui.workers import run_task

#: (field, label, multi-line list?) in the order of Art. 30(1).
_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("name", "Name", False),
    ("purposes", "Purposes (one a line)", True),
    ("lawful_basis", "Lawful basis (Art. 6)", False),
    ("special_condition", "Art. 9 condition", False),
    ("subject_categories", "Data subjects (one a line)", True),
    ("data_categories", "Personal data (one a line)", True),
    ("recipients", "Recipients (one a line)", True),
    ("transfers", "Transfers (COUNTRY: safeguard)", True),
    ("retention", "Retention", True),
    ("source", "Source, if not the subject", True),
    ("automated_decisions", "Automated decisions, logic", True),
    ("systems", "Systems (one a line)", True),
    ("security_measures", "Security measures", True),
)
_TODO = QColor("#fff4e5")




class ActivityEditor(QWidget):
    """The register on the left, the selected activity's fields on the right.

    Signals:
        changed(): an activity was saved, deleted or imported.
    """

    changed = Signal()

    def __init__(self, ctx: AppContext, actor: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor = ctx, actor
        self.current: int | None = None
        self.list = QListWidget()
        self.list.setObjectName("activities")
        self.list.currentItemChanged.connect(self._show_selected)
        self.inputs: dict[str, QLineEdit | QPlainTextEdit] = {}
        form = QFormLayout()
        for key, label, multi in _FIELDS:
            box: QLineEdit | QPlainTextEdit
            if multi:
                box = QPlainTextEdit()
                box.setTabChangesFocus(True)
                box.setFixedHeight(58)
            else:
                box = QLineEdit()
            box.setObjectName(key)
            if key == "transfers":
                box.setToolTip(self.tr("One a line, e.g. \"United States: sccs\". Safeguards: {0}.").format(
                    ", ".join(SAFEGUARDS)))
            self.inputs[key] = box
            form.addRow(self.tr(label), box)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton(self.tr("New activity"))
        self.new_button.clicked.connect(self.new)
        self.delete_button = QPushButton(self.tr("Delete"))
        self.delete_button.clicked.connect(self._confirm_delete)
        self.import_button = QPushButton(self.tr("Import CSV…"))
        self.import_button.clicked.connect(self._import)
        self.export_button = QPushButton(self.tr("Export…"))
        self.export_button.clicked.connect(self._export)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.delete_button, self.import_button, self.export_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addLayout(form)
        rl.addWidget(self.error)
        rl.addLayout(buttons)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(right)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(scroll)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.reload()

    def reload(self, select: int | None = None) -> None:
        self.activities = {a.id: a for a in ropa.list_activities(self.ctx) if a.id is not None}
        self.list.blockSignals(True)
        self.list.clear()
        for a in self.activities.values():
            item = QListWidgetItem(a.name if a.tables else self.tr("{0} (no tables)").format(a.name))
            item.setData(Qt.ItemDataRole.UserRole, a.id)
            item.setToolTip(item.text())
            self.list.addItem(item)
            if a.id == select:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        # Wide enough for the names (within reason), not a horizontal scroll bar under six words.
        fits = self.list.sizeHintForColumn(0) + 2 * self.list.frameWidth() + 12
        self.list.setMinimumWidth(min(max(fits, 160), 300))
        if select is None and self.list.count():
            self.list.setCurrentRow(0)
        elif select is not None:
            self._fill(self.activities.get(select))

    def _show_selected(self, item: QListWidgetItem | None, _prev: QListWidgetItem | None = None) -> None:
        self._fill(self.activities.get(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None)

    def _fill(self, a: Activity | None) -> None:
        self.current = a.id if a else None
        self.error.clear()
        values = a.to_json() if a else {}
        for key, box in self.inputs.items():
            v = values.get(key, "")
            if key == "transfers":
                text = "\n".join(t.to_cell() for t in a.transfers) if a else ""
            elif isinstance(v, list):
                text = "\n".join(str(x) for x in v)
            else:
                text = str(v or "")
            if isinstance(box, QLineEdit):
                box.setText(text)
            else:
                box.setPlainText(text)
        self.delete_button.setEnabled(a is not None)

    def values(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, box in self.inputs.items():
            text = box.text() if isinstance(box, QLineEdit) else box.toPlainText()
            multi = next(m for k, _l, m in _FIELDS if k == key)
            out[key] = [line for line in text.splitlines() if line.strip()] if multi and key not in (
                "retention", "source", "automated_decisions", "security_measures") else text
        return out

    def new(self) -> None:
        self.list.clearSelection()
        self._fill(None)
        self.inputs["name"].setFocus()

    def save(self) -> bool:
        """Validate and store; on an error the typed text stays and the reason shows below."""
        try:
            a = ropa.save_activity(self.ctx, self.values(), self.actor(), self.current)
        except PrivDeskError as exc:
            self.error.setText(exc.message)
            return False
        self.reload(select=a.id)
        self.changed.emit()
        return True

    def _confirm_delete(self) -> None:
        a = self.activities.get(self.current) if self.current is not None else None
        if a is None:
            return
        answer = QMessageBox.question(self, self.tr("Delete activity"), self.tr(
            "Delete \"{0}\" from the register? Its {1} table mappings go with it; the audit trail keeps "
            "the record.").format(a.name, len(a.tables)))
        if answer == QMessageBox.StandardButton.Yes:
            self.delete()

    def delete(self) -> None:
        if self.current is None:
            return
        try:
            ropa.delete_activity(self.ctx, self.current, self.actor())
        except PrivDeskError as exc:
            show_error(self, exc)
            return
        self.reload()
        self.changed.emit()

    def _import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import the register"), "", "CSV (*.csv)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> ropa.ImportReport | None:
        try:
            report = ropa.import_register(self.ctx, path, self.actor())
        except PrivDeskError as exc:
            show_error(self, exc)
            return None
        lines = [self.tr("{0} added, {1} updated, {2} refused.").format(
            len(report.created), len(report.updated), len(report.refused))]
        lines += [self.tr("Line {0} ({1}): {2}").format(r.line, r.name or "—", r.reason) for r in report.refused]
        lines += [self.tr("Mapping not made: {0}").format(n) for n in report.skipped_mappings]
        self.error.setText("\n".join(lines))
        self.reload()
        self.changed.emit()
        return report

    def _export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the register"), "register.pdf",
                                              "PDF (*.pdf);;CSV (*.csv)")
        if path:
            try:
                ropa.export_register(self.ctx, path, self.actor())
            except PrivDeskError as exc:
                show_error(self, exc)


class MappingTab(QWidget):
    """Each connection's tables with their activities; unmapped personal data highlighted.

    Signals:
        changed(): a mapping was added or removed.
    """

    changed = Signal()
    COLUMNS = ("Connection", "Table", "Personal data", "Activities")

    def __init__(self, ctx: AppContext, actor: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor = ctx, actor
        self.todo = QLabel()
        self.todo.setObjectName("todo")
        self.todo.setWordWrap(True)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.activity = QComboBox()
        self.activity.setObjectName("activity")
        self.map_button = QPushButton(self.tr("Map selected tables"))
        self.map_button.clicked.connect(lambda: self.map_selected(remove=False))
        self.unmap_button = QPushButton(self.tr("Unmap"))
        self.unmap_button.clicked.connect(lambda: self.map_selected(remove=True))
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Activity:")))
        row.addWidget(self.activity, 1)
        row.addWidget(self.map_button)
        row.addWidget(self.unmap_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.todo)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        cov = ropa.coverage(self.ctx)
        self.coverage = cov
        self.table.setRowCount(0)
        for t in cov.tables:
            r = self.table.rowCount()
            self.table.insertRow(r)
            personal = ", ".join(t.personal_columns) or (self.tr("rows of a person (foreign key)") if t.dependent else "—")
            acts = ", ".join(t.activities) or (self.tr("NOT MAPPED") if t.personal else "")
            for c, text in enumerate((t.connection, t.table, personal, acts)):
                item = QTableWidgetItem(text)
                if t.personal and not t.activities:
                    item.setBackground(QBrush(_TODO))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        n = len(cov.unmapped)
        text = (self.tr("To do: {0} holding personal data not covered by any processing activity; the export "
                        "letter falls back to generic text for people found there.").format(
                            self.tr("1 table") if n == 1 else self.tr("{0} tables").format(n)) if n
                else self.tr("Every table holding personal data is mapped to an activity."))
        if cov.not_introspected:
            text += " " + self.tr("Not yet read (open their map in Search → Connections): {0}.").format(
                ", ".join(cov.not_introspected))
        self.todo.setText(text)
        self.todo.setStyleSheet("color: #9a3412; font-weight: bold;" if n else "color: #166534;")
        current = self.activity.currentText()
        self.activity.clear()
        self.activity.addItems([a.name for a in ropa.list_activities(self.ctx)])
        if current:
            self.activity.setCurrentText(current)

    def map_selected(self, remove: bool = False) -> int:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        name = self.activity.currentText()
        if not rows or not name:
            return 0
        done = 0
        for r in rows:
            cov = self.coverage.tables[r]
            conn, table = cov.connection, cov.table
            try:
                ropa.map_table(self.ctx, conn, table, name, self.actor(), remove=remove)
                done += 1
            except PrivDeskError as exc:
                show_error(self, exc)
                break
        self.reload()
        self.changed.emit()
        return done


class RetentionTab(QWidget):
    """Years each closed case is kept, the monthly reminder, and the anonymisation run."""

    def __init__(self, ctx: AppContext, actor: Callable[[], str], pool: QThreadPool | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.pool = ctx, actor, pool
        self.reminder = QLabel()
        self.reminder.setObjectName("reminder")
        self.reminder.setWordWrap(True)
        self.spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        for kind, years in retention.periods(ctx).items():
            spin = QSpinBox()
            spin.setRange(1, 100)
            spin.setSuffix(self.tr(" years after closing"))
            spin.setValue(years)
            spin.setObjectName(f"years:{kind}")
            spin.setMaximumWidth(220)
            self.spins[kind] = spin
            form.addRow(self.tr("Breach records") if kind == "breach" else kind.capitalize(), spin)
        self.save_button = QPushButton(self.tr("Save periods"))
        self.save_button.clicked.connect(self.save)
        self.preview_button = QPushButton(self.tr("Show expired cases"))
        self.preview_button.clicked.connect(lambda: self.start(dry_run=True))
        self.run_button = QPushButton(self.tr("Anonymise expired cases"))
        self.run_button.clicked.connect(lambda: self.start(dry_run=False))
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setObjectName("result")
        buttons = QHBoxLayout()
        for b in (self.save_button, self.preview_button, self.run_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reminder)
        layout.addLayout(form)
        self.backups_note = QLabel(self.tr(
            "The run also deletes the automatic backups made before a PrivDesk upgrade, and the copies of "
            "the case data a restore replaced (backups/before-restore-…), once they are over {0} days old: "
            "they still hold the cases it anonymises. Younger ones are kept in case an upgrade fails or a "
            "restore was a mistake. Your own backup archives are never touched.").format(UPGRADE_BACKUP_DAYS))
        self.backups_note.setObjectName("backups_note")
        self.backups_note.setWordWrap(True)
        layout.addWidget(self.backups_note)
        layout.addLayout(buttons)
        layout.addWidget(self.result, 1)
        self.update_reminder()

    def update_reminder(self, today: date | None = None) -> None:
        last = retention.last_run(self.ctx)
        due = retention.reminder_due(self.ctx, today)
        self.reminder.setText(
            self.tr("Monthly retention check due (last run: {0}). Anonymise the cases kept longer than the "
                    "periods below.").format(last or self.tr("never")) if due
            else self.tr("Last retention run: {0}.").format(last))
        self.reminder.setStyleSheet("color: #9a3412; font-weight: bold;" if due else "")

    def save(self) -> None:
        try:
            for kind, spin in self.spins.items():
                retention.set_period(self.ctx, kind, spin.value(), self.actor())
        except PrivDeskError as exc:
            show_error(self, exc)

    def start(self, dry_run: bool) -> None:
        self.run_button.setEnabled(False)
        self.preview_button.setEnabled(False)
        actor = self.actor()
        run_task(lambda _c: retention.run(self.ctx, actor, dry_run=dry_run), self._done, self._failed,
                 pool=self.pool)

    def _done(self, result: retention.RunResult) -> None:
        verb = self.tr("would be anonymised") if result.dry_run else self.tr("anonymised")
        lines = [f"{c.reference} ({c.type}, closed {c.closed}, kept until {c.expired_on}) {verb}" for c in result.cases]
        lines.append(self.tr("{0} cases {1}.").format(len(result.cases), verb))
        lines.extend(result.backup_lines())
        self.result.setPlainText("\n".join(lines))
        self.run_button.setEnabled(True)
        self.preview_button.setEnabled(True)
        self.update_reminder()

    def _failed(self, exc: BaseException) -> None:
        self.run_button.setEnabled(True)
        self.preview_button.setEnabled(True)
        show_error(self, exc)


class RopaPane(QWidget):
    """The Register area: activities, mapping (with the to-do count in its tab) and retention."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.editor = ActivityEditor(ctx, ctx.actor)
        self.mapping = MappingTab(ctx, ctx.actor)
        self.retention = RetentionTab(ctx, ctx.actor, pool)
        self.tabs.addTab(self.editor, self.tr("Activities"))
        self.tabs.addTab(self.mapping, "")
        self.tabs.addTab(self.retention, self.tr("Retention"))
        self.editor.changed.connect(self.mapping.reload)
        self.mapping.changed.connect(lambda: self.editor.reload(self.editor.current))
        self.mapping.changed.connect(self._count)
        self.editor.changed.connect(self._count)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self._count()

    def todo_count(self) -> int:
        return len(self.mapping.coverage.unmapped)

    def _count(self) -> None:
        n = self.todo_count()
        self.tabs.setTabText(1, self.tr("Mapping ({0} to do)").format(n) if n else self.tr("Mapping"))
