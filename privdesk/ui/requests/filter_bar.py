"""The queue's filter bar: free text, status, type, law, assignee, due within N days, overdue.

It only builds a :class:`RequestQuery`; the model hands it to the database. Typing is debounced
so a fast typist does not run a query per key.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QSpinBox, QWidget

from privdesk.domain.laws import law_ids
from privdesk.domain.requests import RequestType, Status
from privdesk.services import requests as svc
from privdesk.ui.requests.queue_model import law_label, status_label, type_label

ANY = "__any__"
OPEN = "__open__"
UNASSIGNED = -1


class FilterBar(QWidget):
    """Signals:
        changed(object): the new :class:`RequestQuery` (sort fields left at their defaults).
    """

    changed = Signal(object)

    def __init__(self, officers: list[tuple[int, str]], parent: QWidget | None = None,
                 debounce_ms: int = 250) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QLineEdit()
        self.text.setObjectName("filterText")
        self.text.setPlaceholderText(self.tr("Search reference, name or e-mail  (Ctrl+F)"))
        self.text.setToolTip(self.text.placeholderText())  # the whole hint where the field is narrow
        self.text.setClearButtonEnabled(True)
        layout.addWidget(self.text, 3)

        self.status = QComboBox()
        self.status.setObjectName("filterStatus")
        self.status.addItem(self.tr("Open requests"), OPEN)
        self.status.addItem(self.tr("All statuses"), ANY)
        for s in Status:
            self.status.addItem(self.tr(status_label(s.value)), s.value)
        layout.addWidget(self.status, 1)

        self.type = QComboBox()
        self.type.setObjectName("filterType")
        self.type.addItem(self.tr("All types"), ANY)
        for t in RequestType:
            self.type.addItem(self.tr(type_label(t.value)), t.value)
        layout.addWidget(self.type, 1)

        self.law = QComboBox()
        self.law.setObjectName("filterLaw")
        self.law.addItem(self.tr("All laws"), ANY)
        for lid in law_ids():
            self.law.addItem(law_label(lid), lid)
        layout.addWidget(self.law, 1)

        self.assignee = QComboBox()
        self.assignee.setObjectName("filterAssignee")
        self.set_officers(officers)
        layout.addWidget(self.assignee, 1)

        self.due_check = QCheckBox(self.tr("Due within"))
        self.due_check.setObjectName("filterDueCheck")
        self.due_days = QSpinBox()
        self.due_days.setObjectName("filterDueDays")
        self.due_days.setRange(0, 365)
        self.due_days.setValue(7)
        self.due_days.setSuffix(self.tr(" days"))
        self.due_days.setEnabled(False)
        layout.addWidget(self.due_check)
        layout.addWidget(self.due_days)
        self.overdue = QCheckBox(self.tr("Overdue only"))
        self.overdue.setObjectName("filterOverdue")
        layout.addWidget(self.overdue)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._emit)
        self.text.textChanged.connect(lambda _t: self._timer.start())
        for combo in (self.status, self.type, self.law, self.assignee):
            combo.currentIndexChanged.connect(self._emit)
        self.due_check.toggled.connect(self.due_days.setEnabled)
        self.due_check.toggled.connect(self._emit)
        self.due_days.valueChanged.connect(self._emit)
        self.overdue.toggled.connect(self._emit)

    def set_officers(self, officers: list[tuple[int, str]]) -> None:
        current = self.assignee.currentData()
        self.assignee.blockSignals(True)
        self.assignee.clear()
        self.assignee.addItem(self.tr("Anyone"), None)
        self.assignee.addItem(self.tr("Unassigned"), UNASSIGNED)
        for oid, name in officers:
            self.assignee.addItem(name, oid)
        i = self.assignee.findData(current)
        self.assignee.setCurrentIndex(max(i, 0))
        self.assignee.blockSignals(False)

    def query(self) -> svc.RequestQuery:
        status = self.status.currentData()
        rtype = self.type.currentData()
        law = self.law.currentData()
        who = self.assignee.currentData()
        return svc.RequestQuery(
            text=self.text.text().strip(),
            statuses=() if status in (ANY, OPEN) else (status,),
            open_only=status == OPEN,
            types=() if rtype == ANY else (rtype,),
            laws=() if law == ANY else (law,),
            assignee_id=who if isinstance(who, int) and who != UNASSIGNED else None,
            unassigned=who == UNASSIGNED,
            due_within=self.due_days.value() if self.due_check.isChecked() else None,
            overdue=self.overdue.isChecked(),
        )

    def reset(self) -> None:
        """Back to "all requests, no filter" without emitting (the dashboard's drill-down)."""
        widgets = (self.text, self.status, self.type, self.law, self.assignee, self.due_check, self.overdue)
        for w in widgets:
            w.blockSignals(True)
        self._timer.stop()
        self.text.clear()
        self.status.setCurrentIndex(self.status.findData(ANY))
        for combo in (self.type, self.law, self.assignee):
            combo.setCurrentIndex(0)
        self.due_check.setChecked(False)
        self.due_days.setEnabled(False)
        self.overdue.setChecked(False)
        for w in widgets:
            w.blockSignals(False)

    def flush(self) -> None:
        """Apply pending typing now (Enter in the search box, tests)."""
        if self._timer.isActive():
            self._timer.stop()
            self._emit()

    def focus_text(self) -> None:
        self.text.setFocus()
        self.text.selectAll()

    def _emit(self) -> None:
        self.changed.emit(self.query())
