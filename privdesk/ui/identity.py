"""The current officer in the window: chosen at start, shown in the title and the status bar,
changed only through the chooser (never by a forgotten combo box in one area)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from privdesk import APP_NAME
from privdesk.services import identity
from privdesk.services import settings as settings_svc
from privdesk.services.context import AppContext


class OfficerChooser(QDialog):
    """Who is working: the active officers, the one matched to this computer's account first
    selected. Accepting makes the selection the current officer."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Who is working?"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Everything you do is recorded in the audit trail under the officer "
                               "chosen here, beside the account you are signed in with ({0}).")
                       .format(identity.login(ctx)))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setObjectName("officerList")
        officers = settings_svc.list_officers(ctx)
        preferred = ctx.officer or getattr(identity.matched_officer(ctx), "email", "")
        for o in officers:
            item = QListWidgetItem(f"{o.name} — {o.email}")
            item.setToolTip(f"{o.name} — {o.email} ({o.role})")
            item.setData(Qt.ItemDataRole.UserRole, o.email)
            self.list.addItem(item)
            if o.email == preferred:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            identity.choose(self.ctx, str(item.data(Qt.ItemDataRole.UserRole)))
        super().accept()


class OfficerButton(QToolButton):
    """The status bar's "Officer: Priya Shah"; a click opens the chooser."""

    def __init__(self, window: QMainWindow, ctx: AppContext) -> None:
        super().__init__(window)
        self.window_, self.ctx = window, ctx
        self.setObjectName("officerButton")
        self.setAutoRaise(True)
        self.clicked.connect(self.choose)
        self.login = identity.login(ctx)
        self.refresh()

    def refresh(self) -> None:
        name = identity.display_name(self.ctx)
        chosen = bool(self.ctx.officer)
        self.setText(self.tr("Officer: {0}").format(name) if chosen
                     else self.tr("Officer: none chosen ({0})").format(name))
        self.setToolTip(self.tr("Every change is recorded under this officer, beside the account you "
                                "are signed in with ({0}). Click to change.").format(self.login))
        self.window_.setWindowTitle(f"{APP_NAME} — {name}")

    def choose(self) -> OfficerChooser:
        dlg = OfficerChooser(self.ctx, self.window_)
        dlg.accepted.connect(self.refresh)
        dlg.open()
        return dlg


def install(window: QMainWindow, ctx: AppContext) -> OfficerButton:
    """Show the current officer in ``window``'s title and status bar."""
    button = OfficerButton(window, ctx)
    window.statusBar().addPermanentWidget(button)
    return button
