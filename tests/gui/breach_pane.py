"""The Breaches area as the window shows it, for the breach window tests."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from privdesk.services.context import AppContext
from privdesk.ui.breaches import BreachesPane


def shown_pane(qtbot: QtBot, ctx: AppContext, now: datetime) -> BreachesPane:
    """The area on its own thread pool, at the window's size, its clocks read at ``now``."""
    p = BreachesPane(ctx, pool=QThreadPool())
    qtbot.addWidget(p)
    p.resize(1100, 760)
    p.set_now(now)
    p.show()
    qtbot.waitExposed(p)
    return p
