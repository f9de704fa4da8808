"""The Settings area: organisation profile, officers and letterhead logo."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk.domain.holiday_places import countries, regions
from privdesk.domain.profile import OFFICER_ROLES, SETTINGS, known_laws
from privdesk.errors import PrivDeskError
from privdesk.services import settings as svc
from privdesk.services.context import AppContext
from privdesk.ui.dialogs import ask_yes_no, show_error
from privdesk.ui.forms import multiline
from privdesk.ui.vocabulary import law_name

_GROUPS = {
    "org": "Organisation",
    "dpo": "Data protection officer",
    "authority": "Supervisory authority (GDPR letters)",
    "default_law": "Requests",
    "holidays": "Requests",
    "ccpa": "What the law asks of the organisation",
    "lgpd": "What the law asks of the organisation",
}


class SettingsPane(QWidget):
    """Edits the profile in place; Save validates everything and keeps the text on error.

    Signals:
        saved(): the profile was written to the case database.
    """

    saved = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.fields: dict[str, QLineEdit | QPlainTextEdit | QComboBox] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        heading = QLabel(self.tr("<h2>Settings</h2>The organisation profile every letter uses."))
        layout.addWidget(heading)

        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout.addLayout(columns)
        forms: dict[str, QFormLayout] = {}
        for spec in SETTINGS:
            group = _GROUPS[spec.key.split(".")[0]]
            if group not in forms:
                box = QGroupBox(self.tr(group))
                forms[group] = QFormLayout(box)
                (left if group in ("Organisation", "Requests") else right).addWidget(box)
            widget: QLineEdit | QPlainTextEdit | QComboBox
            if spec.multiline:
                widget = multiline()
                widget.setFixedHeight(64)
                widget.setTabChangesFocus(True)
            elif spec.key == "default_law":
                widget = QComboBox()
                widget.addItem("", "")
                for law in known_laws():
                    widget.addItem(law_name(law), law)
            elif spec.key in ("holidays.country", "holidays.subdivision"):
                widget = place_combo(spec.key == "holidays.country")
            elif spec.key == "org.timezone":
                widget = QLineEdit()
                widget.setPlaceholderText(self.tr("this computer's zone"))
                widget.setToolTip(self.tr(spec.help))
                from zoneinfo import available_timezones

                zones = QCompleter(sorted(available_timezones()), widget)
                zones.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
                zones.setFilterMode(Qt.MatchFlag.MatchContains)
                widget.setCompleter(zones)
            else:
                widget = QLineEdit()
                if spec.help:
                    widget.setPlaceholderText(spec.help)
            widget.setObjectName(f"setting:{spec.key}")
            self.fields[spec.key] = widget
            forms[group].addRow(self.tr(spec.label) + ":", widget)

        logo_box = QGroupBox(self.tr("Letterhead logo"))
        logo_layout = QHBoxLayout(logo_box)
        self.logo_preview = QLabel(self.tr("No logo"))
        self.logo_preview.setFixedSize(160, 64)
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_preview.setStyleSheet("border: 1px dashed palette(mid);")
        logo_layout.addWidget(self.logo_preview)
        choose = QPushButton(self.tr("Choose image…"))
        choose.clicked.connect(self.choose_logo)
        clear = QPushButton(self.tr("Remove"))
        clear.clicked.connect(lambda: self.apply_logo(None))
        logo_layout.addWidget(choose)
        logo_layout.addWidget(clear)
        logo_layout.addStretch()
        right.addWidget(logo_box)
        right.addStretch()

        officers_box = QGroupBox(self.tr("Officers"))
        ol = QVBoxLayout(officers_box)
        self.officers = QTableWidget(0, 3)
        self.officers.setObjectName("officersTable")
        self.officers.setHorizontalHeaderLabels([self.tr("Name"), self.tr("E-mail"), self.tr("Role")])
        header = self.officers.horizontalHeader()  # the e-mail takes the room, name and role what they need
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.officers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.officers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.officers.verticalHeader().hide()
        self.officers.setMinimumHeight(140)
        ol.addWidget(self.officers)
        add_row = QHBoxLayout()
        self.new_name = QLineEdit(placeholderText=self.tr("Name"))
        self.new_email = QLineEdit(placeholderText=self.tr("E-mail"))
        self.new_role = QComboBox()
        self.new_role.addItems(list(OFFICER_ROLES))
        add_btn = QPushButton(self.tr("Add officer"))
        add_btn.setObjectName("addOfficer")
        add_btn.clicked.connect(self.add_officer)
        remove_btn = QPushButton(self.tr("Remove selected"))
        remove_btn.clicked.connect(self.remove_selected_officer)
        for w in (self.new_name, self.new_email, self.new_role, add_btn, remove_btn):
            add_row.addWidget(w)
        ol.addLayout(add_row)
        left.addWidget(officers_box)
        left.addStretch()
        self.remove_button = remove_btn
        self.officers.itemSelectionChanged.connect(self._officer_selection)
        self._officer_selection()
        #: asks before removing officers; tests replace it
        self.confirm: Callable[[str, str], bool] = lambda title, text: ask_yes_no(self, title, text)
        country = self.fields["holidays.country"]
        if isinstance(country, QComboBox):
            country.currentIndexChanged.connect(lambda _i: self._fill_regions())
        from privdesk.ui.law_view import LawFilesView

        self.law_files = LawFilesView(ctx)
        layout.addWidget(self.law_files)  # every rule of each law with its citation (issue 10)

        bar = QHBoxLayout()
        bar.setContentsMargins(9, 4, 9, 4)  # off the window's edge, as the page above
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        bar.addWidget(self.message, 1)
        self.revert_button = QPushButton(self.tr("Revert"))
        self.revert_button.clicked.connect(self.load)
        self.save_button = QPushButton(self.tr("Save settings"))
        self.save_button.setObjectName("saveSettings")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.revert_button)
        bar.addWidget(self.save_button)
        outer.addLayout(bar)
        self.load()

    # -- data ---------------------------------------------------------------------------------
    def load(self) -> None:
        values = svc.get_settings(self.ctx)
        for key, widget in self.fields.items():
            _set_text(widget, values.get(key, ""))
        self._fill_regions(values.get("holidays.subdivision", ""))
        self._load_officers()
        self._show_logo(svc.get_logo(self.ctx))
        self.message.clear()

    def values(self) -> dict[str, str]:
        return {key: _get_text(w) for key, w in self.fields.items()}

    def save(self) -> bool:
        try:
            svc.update_settings(self.ctx, self.values())
        except PrivDeskError as exc:
            self.message.setText(f"<span style='color:#b00020'>{exc.message}</span>")
            show_error(self, exc, self.tr("Settings not saved"))
            return False
        self.message.setText(self.tr("Settings saved."))
        self.saved.emit()
        return True

    def _load_officers(self) -> None:
        officers = svc.list_officers(self.ctx)
        self.officers.setRowCount(len(officers))
        for row, o in enumerate(officers):
            for col, text in enumerate((o.name, o.email, o.role)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)  # a long address is still cut off in a narrow window
                item.setData(Qt.ItemDataRole.UserRole, o.email)
                self.officers.setItem(row, col, item)

    def add_officer(self) -> None:
        try:
            svc.add_officer(self.ctx, self.new_name.text(), self.new_email.text(), self.new_role.currentText())
        except PrivDeskError as exc:
            show_error(self, exc, self.tr("Officer not added"))
            return
        self.new_name.clear()
        self.new_email.clear()
        self._load_officers()

    def _officer_selection(self) -> None:
        chosen = bool(self.officers.selectedIndexes())
        self.remove_button.setEnabled(chosen)
        self.remove_button.setToolTip(self.tr("Remove the selected officers from the list (their past work "
                                              "stays in the audit trail)") if chosen
                                      else self.tr("Select an officer in the list first."))

    def remove_selected_officer(self) -> bool:
        rows = sorted({i.row() for i in self.officers.selectedIndexes()})
        items = [it for it in (self.officers.item(r, 0) for r in rows) if it is not None]
        if not items:
            return False
        names = ", ".join(it.text() for it in items)
        if not self.confirm(self.tr("Remove officers"),
                            self.tr("Remove {0}? They can no longer be chosen or assigned; what they did "
                                    "stays in the audit trail.").format(names)):
            return False
        for item in items:
            svc.remove_officer(self.ctx, str(item.data(Qt.ItemDataRole.UserRole)))
        self._load_officers()
        return True

    def _fill_regions(self, keep: str = "") -> None:
        """The region list follows the chosen holiday country."""
        country, region = self.fields["holidays.country"], self.fields["holidays.subdivision"]
        if not isinstance(country, QComboBox) or not isinstance(region, QComboBox):
            return
        keep = keep or str(region.currentData() or "")
        region.blockSignals(True)
        region.clear()
        region.addItem(self.tr("Whole country"), "")
        for code, name in regions(str(country.currentData() or "")):
            region.addItem(name, code)
        region.setCurrentIndex(max(region.findData(keep), 0))
        region.blockSignals(False)

    def choose_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a logo"), "", "Images (*.png *.jpg *.jpeg)")
        if path:
            from pathlib import Path

            self.apply_logo(Path(path))

    def apply_logo(self, path: object) -> None:
        from pathlib import Path

        try:
            svc.set_logo(self.ctx, Path(str(path)) if path else None)
        except PrivDeskError as exc:
            show_error(self, exc, self.tr("Logo not changed"))
            return
        self._show_logo(svc.get_logo(self.ctx))

    def _show_logo(self, data: bytes | None) -> None:
        if not data:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText(self.tr("No logo"))
            return
        pm = QPixmap()
        pm.loadFromData(data)
        self.logo_preview.setPixmap(pm.scaled(self.logo_preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation))


def place_combo(country: bool) -> QComboBox:
    """Holiday country (by name) or region (filled when a country is chosen)."""
    combo = QComboBox()
    if country:
        combo.addItem("", "")
        for code, name in countries():
            combo.addItem(f"{name} ({code})", code)
    else:
        combo.addItem("Whole country", "")
    return combo


def _set_text(w: QLineEdit | QPlainTextEdit | QComboBox, text: str) -> None:
    if isinstance(w, QComboBox):
        idx = w.findData(text)
        if idx < 0 and text:
            w.addItem(text.upper(), text)
            idx = w.count() - 1
        w.setCurrentIndex(max(idx, 0))
    elif isinstance(w, QPlainTextEdit):
        w.setPlainText(text)
    else:
        w.setText(text)


def _get_text(w: QLineEdit | QPlainTextEdit | QComboBox) -> str:
    if isinstance(w, QComboBox):
        return str(w.currentData() or "")
    if isinstance(w, QPlainTextEdit):
        return w.toPlainText()
    return w.text()
