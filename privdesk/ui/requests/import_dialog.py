"""The CSV import dialog: map columns to fields, preview every row with its error, import all or
nothing. The mapping starts from a guess made from the header names."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.domain.laws import law_ids
from privdesk.domain.requests import RequestType
from privdesk.errors import PrivDeskError
from privdesk.services import intake
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import show_error
from privdesk.ui.requests.queue_model import law_label, type_label

NOT_MAPPED = ""
_PREVIEW_FIELDS = ("name", "email", "phone", "type", "law", "received")


class ImportDialog(QDialog):
    """Signals:
        imported(object): the :class:`ImportResult` once the rows are written.
    """

    imported = Signal(object)

    def __init__(self, ctx: AppContext, path: str | Path, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = Path(path)
        self.actor = actor
        self.result_value: intake.ImportResult | None = None
        self.preview_value: intake.CsvPreview | None = None
        self.setWindowTitle(self.tr("Import requests from {0}").format(self.path.name))
        self.resize(900, 560)
        self.headers, _rows = intake.read_csv(self.path)
        guess = intake.guess_mapping(self.headers)

        layout = QVBoxLayout(self)
        mapping_box = QGroupBox(self.tr("Which column holds what"))
        grid = QGridLayout(mapping_box)
        self.combos: dict[str, QComboBox] = {}
        for n, field in enumerate(intake.FIELDS):
            combo = QComboBox()
            combo.setObjectName(f"map_{field}")
            combo.addItem(self.tr("(not in the file)"), NOT_MAPPED)
            for h in self.headers:
                combo.addItem(h, h)
            combo.setCurrentIndex(max(combo.findData(guess.get(field, NOT_MAPPED)), 0))
            combo.currentIndexChanged.connect(self.refresh)
            self.combos[field] = combo
            grid.addWidget(QLabel(self.tr(intake.FIELD_LABELS[field]) + ":"), n // 3, (n % 3) * 2)
            grid.addWidget(combo, n // 3, (n % 3) * 2 + 1)
        layout.addWidget(mapping_box)

        defaults = QHBoxLayout()
        defaults.addWidget(QLabel(self.tr("Law when a row has none:")))
        self.default_law = QComboBox()
        self.default_law.setObjectName("defaultLaw")
        self.default_law.addItem(self.tr("(organisation default)"), "")
        for lid in law_ids():
            self.default_law.addItem(law_label(lid), lid)
        defaults.addWidget(self.default_law)
        defaults.addWidget(QLabel(self.tr("Type when a row has none:")))
        self.default_type = QComboBox()
        self.default_type.setObjectName("defaultType")
        for t in RequestType:
            self.default_type.addItem(type_label(t.value), t.value)
        defaults.addWidget(self.default_type)
        defaults.addStretch(1)
        layout.addLayout(defaults)
        self.default_law.currentIndexChanged.connect(self.refresh)
        self.default_type.currentIndexChanged.connect(self.refresh)

        self.summary = QLabel()
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget()
        self.table.setObjectName("importPreview")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)  # the file's line number is the first column
        layout.addWidget(self.table, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("importButton")
        self.buttons.accepted.connect(self.do_import)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.refresh()

    def mapping(self) -> dict[str, str]:
        return {f: str(c.currentData()) for f, c in self.combos.items() if c.currentData()}

    def defaults(self) -> intake.ImportDefaults:
        return intake.ImportDefaults(law=str(self.default_law.currentData() or ""),
                                     type=str(self.default_type.currentData() or ""))

    def refresh(self) -> None:
        """Re-check every row with the current mapping; Import only when all rows are good."""
        self.table.clear()
        try:
            preview = intake.preview_csv(self.ctx, self.path, self.mapping(), self.defaults())
        except PrivDeskError as exc:
            self.preview_value = None
            self.summary.setText(exc.message)
            self.summary.setStyleSheet("color:#b91c1c;")
            self.table.setRowCount(0)
            self.import_button.setEnabled(False)
            return
        self.preview_value = preview
        columns = ["Line", *[intake.FIELD_LABELS[f] for f in _PREVIEW_FIELDS], "Problem"]
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in columns])
        self.table.setRowCount(len(preview.rows))
        bad = QBrush(QColor("#fee2e2"))
        for r, row in enumerate(preview.rows):
            cells = [str(row.line), *[row.values.get(f, "") for f in _PREVIEW_FIELDS], row.error]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if row.error:
                    item.setBackground(bad)
                    item.setToolTip(row.error)
                self.table.setItem(r, c, item)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        errors = len(preview.errors)
        if errors:
            self.summary.setText(self.tr("{0} of {1} rows have a problem. Fix the file or the mapping; "
                                         "nothing is imported while any row is wrong.")
                                 .format(errors, len(preview.rows)))
            self.summary.setStyleSheet("color:#b91c1c;")
        else:
            self.summary.setText(self.tr("All {0} rows can be imported.").format(len(preview.rows)))
            self.summary.setStyleSheet("color:#166534;")
        self.import_button.setEnabled(preview.ok)

    def do_import(self) -> None:
        try:
            self.result_value = intake.import_csv(self.ctx, self.path, self.actor, self.mapping(), self.defaults())
        except PrivDeskError as exc:
            show_error(self, exc)
            self.refresh()
            return
        self.imported.emit(self.result_value)
        self.accept()


def first_error_row(preview: intake.CsvPreview) -> int | None:
    for i, row in enumerate(preview.rows):
        if row.error:
            return i
    return None

