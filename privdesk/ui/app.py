"""Starting the Qt application: context, main window, and the offscreen screenshot mode."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from privdesk.errors import PrivDeskError

if TYPE_CHECKING:
    from privdesk.services.context import AppContext

log = logging.getLogger("privdesk.ui")


def _ensure_platform(screenshot: bool) -> None:
    """Without a display Qt aborts the process; fall back to the offscreen platform."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return
    if screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        sys.stderr.write("privdesk: no display found (DISPLAY is not set), so the window runs offscreen "
                         "and nothing will be visible. Run PrivDesk from a desktop session, or under "
                         "`xvfb-run`; press Ctrl+C to stop.\n")


# The services (rooms of the lazily re-exporting service packages) the first paint and the
# start-up reminder use, none of which imports Qt (the import contracts keep services Qt-free).
_SERVICES_FOR_FIRST_PAINT = (
    "privdesk.services.identity", "privdesk.services.settings", "privdesk.services.requests.queue",
    "privdesk.services.requests.common", "privdesk.services.dashboard", "privdesk.services.retention",
    "privdesk.services.breaches.reading",
)


def _below_the_ui_first(args: argparse.Namespace) -> AppContext | PrivDeskError:
    """Open the case database and import the services, all before PySide6 is imported.

    Once PySide6 is imported, its feature hook reads the source text of every module imported
    after it (``inspect.getsource``, looking for the word "PySide6"). SQLAlchemy, its SQLite
    dialect and the services are some 300 modules: read for nothing, that was a fifth of the
    window's start-up. A failure to open is returned, to be told in a dialog once Qt is up.
    """
    import importlib

    from privdesk.services.context import AppContext

    try:
        ctx: AppContext | PrivDeskError = AppContext.open(args.data_dir, args.db_url)
    except PrivDeskError as exc:
        ctx = exc
    for name in _SERVICES_FOR_FIRST_PAINT:
        importlib.import_module(name)
    return ctx


def run_gui(args: argparse.Namespace) -> int:
    _ensure_platform(bool(args.screenshot))
    import gc

    # In a process of its own (not a test calling main()), no full passes over the modules being
    # imported, and what start-up built is frozen out of later passes; a caller's objects are not
    # ours to freeze (frozen objects freed later skew the collector's counts).
    own_process = bool(getattr(args, "own_process", False))
    if own_process:
        gc.disable()  # the GarbageCollector below takes over
    opened = _below_the_ui_first(args)
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from privdesk import APP_ID, APP_NAME, __version__
    from privdesk.services.context import AppContext
    from privdesk.store.database import UpgradeNeedsConfirmation

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    from privdesk.ui.icon import ICON_NAME, app_icon

    QApplication.setDesktopFileName(ICON_NAME)  # Wayland matches the window to the .desktop entry
    QApplication.setWindowIcon(app_icon())
    from privdesk.ui.gc_guard import GarbageCollector

    collector = GarbageCollector(app)  # workers must never collect the GUI's objects
    try:
        if isinstance(opened, UpgradeNeedsConfirmation) and not args.screenshot:
            answer = QMessageBox.question(None, APP_NAME, opened.message + "\n\nHave you made the backup?")
            if answer != QMessageBox.StandardButton.Yes:
                return 2
            opened = AppContext.open(args.data_dir, args.db_url, confirm_upgrade=True)
        if isinstance(opened, PrivDeskError):
            raise opened
        ctx = opened
    except PrivDeskError as exc:
        if args.screenshot:
            raise
        QMessageBox.critical(None, APP_NAME, exc.message)
        return 2

    from privdesk.services import identity
    from privdesk.ui.main_window import MainWindow

    if identity.start(ctx, getattr(args, "officer", "") or "") is None and not args.screenshot:
        from privdesk.services.settings import list_officers
        from privdesk.ui.identity import OfficerChooser

        if list_officers(ctx):  # several officers and none is this account: ask who is working
            OfficerChooser(ctx).exec()
    window = MainWindow(ctx)
    if own_process:
        gc.freeze()  # what start-up built lives as long as the window: the collector's passes skip it
    if getattr(args, "area", None):
        if args.area not in window.area_keys():
            raise PrivDeskError(f"There is no area {args.area!r}; areas: {', '.join(window.area_keys())}.")
        window.show_area(args.area)
    if args.screenshot:
        width, height = getattr(args, "size", None) or (1280, 800)
        window.setMinimumSize(min(width, window.minimumWidth()), min(height, window.minimumHeight()))
        window.resize(width, height)
        window.show()
        # let start-up work in the pool (dashboard figures, counts) finish before the picture
        for _ in range(5):
            app.processEvents()
            QThreadPool.globalInstance().waitForDone(5000)
            app.processEvents()
        out = Path(args.screenshot)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out), "PNG"):
            raise PrivDeskError(f"Could not write the screenshot to {out}.")
        window.close()
        collector.stop()
        ctx.close()
        return 0
    window.show()
    window.build_remaining_later(300)  # the other areas after the first paint, not before it
    # Qt's event loop never returns to Python's signal handlers: let Ctrl+C in the terminal quit.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    QTimer.singleShot(0, lambda: log.info("window shown"))
    code = app.exec()
    collector.stop()
    ctx.close()
    return int(code)
