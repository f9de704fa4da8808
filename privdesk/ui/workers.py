"""One background-work helper for the whole UI (Picard's ``thread.run_task`` is the model).

A :class:`Task` runs a plain function in a :class:`QThreadPool`; the function receives a
:class:`TaskControl` to report progress and to notice cancellation. Results and errors come back
as signals on the GUI thread. Tests pass their own pool (or call ``run_task(..., pool=None)`` to
run synchronously).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("privdesk.ui.workers")


class Cancelled(Exception):
    """Raised inside a task when the user pressed Cancel."""


class TaskControl:
    """Handed to the task function: progress reporting and cooperative cancellation."""

    def __init__(self, signals: TaskSignals) -> None:
        self._signals = signals
        self._cancel = threading.Event()

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._signals.progress.emit(done, total, message)

    def partial(self, item: object) -> None:
        """Stream an intermediate result (a search hit, a finished letter)."""
        self._signals.partial.emit(item)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


class TaskSignals(QObject):
    """Signals:
        progress(int, int, str): done, total, message.
        partial(object): an intermediate result.
        result(object): the return value of the task.
        error(object): the exception the task raised.
        cancelled(): the task stopped because the user cancelled it.
        finished(): always last.
    """

    progress = Signal(int, int, str)
    partial = Signal(object)
    result = Signal(object)
    error = Signal(object)
    cancelled = Signal()
    finished = Signal()


class Task(QRunnable):
    def __init__(self, fn: Callable[[TaskControl], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = TaskSignals()
        self.control = TaskControl(self.signals)
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            value = self.fn(self.control)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:
            if not _is_user_error(exc):
                log.exception("background task failed")
            self.signals.error.emit(exc)
        else:
            if self.control.cancelled:
                self.signals.cancelled.emit()
            else:
                self.signals.result.emit(value)
        finally:
            self.signals.finished.emit()

    def cancel(self) -> None:
        self.control.cancel()


def _is_user_error(exc: BaseException) -> bool:
    from privdesk.errors import PrivDeskError

    return isinstance(exc, PrivDeskError)


_live: set[Task] = set()


def run_task(
    fn: Callable[[TaskControl], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    pool: QThreadPool | None = None,
    start: bool = True,
) -> Task:
    """Run ``fn(control)`` on ``pool`` (the global pool by default) and call back on the GUI thread."""
    task = Task(fn)
    if on_done is not None:
        task.signals.result.connect(on_done)
    if on_error is not None:
        task.signals.error.connect(on_error)
    _live.add(task)
    task.signals.finished.connect(lambda: _live.discard(task))
    if start:
        (pool or QThreadPool.globalInstance()).start(task)
    return task
