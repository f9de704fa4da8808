"""The one prompt for a connection's password that no keyring holds (the server refused a login
without one, or no keyring backend works, as on a headless Linux machine): the Search area, the
connections dialog and the breach search all ask with it. What is typed is kept for this session
only (:func:`privdesk.services.discovery.set_password`), never in a log, the case database or an
export."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from privdesk.discovery.errors import PasswordNeeded
from privdesk.services import discovery as svc


def ask_password(parent: QWidget, need: PasswordNeeded, given: Callable[[], None] | None = None,
                 cancelled: Callable[[], None] | None = None) -> QInputDialog:
    """Open (not exec: the event loop keeps running) the prompt for ``need.connection``; the
    password typed is remembered for the session before ``given`` runs."""
    dlg = QInputDialog(parent)
    dlg.setObjectName("passwordDialog")
    dlg.setWindowTitle(dlg.tr("Password for {0}").format(need.connection))
    dlg.setLabelText(need.message)
    dlg.setTextEchoMode(QLineEdit.EchoMode.Password)

    def got(text: str) -> None:
        svc.set_password(need.connection, text, session_only=True)
        if given is not None:
            given()

    dlg.textValueSelected.connect(got)
    if cancelled is not None:
        dlg.rejected.connect(cancelled)
    dlg.open()
    return dlg


def ask_in_turn(parent: QWidget, needs: Sequence[PasswordNeeded],
                done: Callable[[list[str], list[str]], None],
                shown: Callable[[QInputDialog], None] | None = None) -> None:
    """Ask for each connection's password, one prompt after the other, then call
    ``done(typed, cancelled)`` with the connections of each kind; ``shown`` hears of each prompt
    opened (a widget keeps it, so tests and the officer's next click find it)."""
    typed: list[str] = []
    cancelled: list[str] = []

    def step(i: int) -> None:
        if i == len(needs):
            done(typed, cancelled)
            return

        def answered(into: list[str]) -> Callable[[], None]:
            def next_one() -> None:
                into.append(needs[i].connection)
                step(i + 1)
            return next_one

        dlg = ask_password(parent, needs[i], answered(typed), answered(cancelled))
        if shown is not None:
            shown(dlg)

    step(0)
