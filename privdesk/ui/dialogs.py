"""Small dialogs shared by every pane: errors in plain words, the About box."""

from __future__ import annotations

import html
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from privdesk import APP_NAME, __version__
from privdesk.errors import PrivDeskError
from privdesk.services.context import AppContext
from privdesk.ui.icon import app_icon
from privdesk.ui.vocabulary import database_place


def error_text(exc: BaseException) -> str:
    """A user error's sentence; for a bug an apology and a pointer to the log."""
    if isinstance(exc, PrivDeskError):
        return exc.message
    return ("Something went wrong inside PrivDesk. Nothing you entered has been lost; the "
            f"details are in the log file.\n\n{type(exc).__name__}: {exc}")


def error_html(exc: BaseException) -> str:
    """:func:`error_text` in red, for a status label (escaped: messages quote what was typed)."""
    return "<span style='color:#b91c1c'>" + html.escape(error_text(exc)).replace("\n", "<br>") + "</span>"


def show_error(parent: QWidget | None, exc: BaseException, title: str = "PrivDesk") -> None:
    """A user error gets its sentence; a bug gets an apology and a pointer to the log."""
    text = error_text(exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.open()


def ask_yes_no(parent: QWidget | None, title: str, text: str) -> bool:
    """A question whose default answer is No (the safe one)."""
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class AboutDialog(QDialog):
    """Version, Python/Qt versions and where this installation keeps its data."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6 import __version__ as pyside_version

        self.setWindowTitle(self.tr("About PrivDesk"))
        layout = QVBoxLayout(self)
        self.setWindowIcon(app_icon())
        header = QHBoxLayout()
        self.icon_label = QLabel()
        self.icon_label.setObjectName("aboutIcon")
        self.icon_label.setPixmap(app_icon().pixmap(64, 64))
        header.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<h2>{APP_NAME} {__version__}</h2>"
                       "<p>The privacy officer's workbench: rights requests, subject search, "
                       "letters and breaches.</p>")
        title.setObjectName("aboutTitle")
        title.setWordWrap(True)
        header.addWidget(title, 1)
        layout.addLayout(header)
        form = QFormLayout()
        self.version_label = QLabel(__version__)
        self.version_label.setObjectName("aboutVersion")
        form.addRow(self.tr("Version:"), self.version_label)
        form.addRow(self.tr("Data folder:"), _selectable(str(ctx.paths.data_dir)))
        form.addRow(self.tr("Case database:"), _selectable(database_place(ctx.db)))
        form.addRow(self.tr("Log folder:"), _selectable(str(ctx.paths.log_dir)))
        form.addRow(self.tr("Python / Qt:"), QLabel(f"{sys.version.split()[0]} / PySide6 {pyside_version}"))
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)


def _selectable(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
