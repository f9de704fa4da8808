"""Python's garbage collector runs only on the GUI thread while the window is up.

Automatic collection starts in whichever thread happens to allocate; when a worker thread
collects a reference cycle that holds a Qt object owned by the GUI thread, Qt destroys it from
the wrong thread and the process can crash (seen here: a segfault inside a PDF worker). The
usual remedy in PyQt/PySide applications: disable automatic collection and collect from a timer
on the GUI thread, with the same generation thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GarbageCollector(QObject):
    """Collects on the GUI thread every ``interval_ms`` when the thresholds say it is time."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        g0, g1, g2 = gc.get_count()
        if g0 > self.threshold[0]:
            gc.collect(0)
            if g1 > self.threshold[1]:
                gc.collect(1)
                if g2 > self.threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
