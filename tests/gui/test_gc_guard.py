"""Garbage collection happens on the GUI thread only while the window is up."""

from __future__ import annotations

import gc
import threading
import weakref

from pytestqt.qtbot import QtBot

from privdesk.ui.gc_guard import GarbageCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collects_cycles_from_the_timer_not_automatically(qtbot: QtBot) -> None:
    gc.enable()
    collector = GarbageCollector(interval_ms=20)
    collections: list[str] = []  # the thread of every finished collection

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            collections.append(threading.current_thread().name)

    try:
        assert not gc.isenabled(), "automatic collection would run in whichever thread allocates"
        gc.collect()
        marker = Cycle()
        gone = weakref.ref(marker)
        gc.callbacks.append(seen)
        del marker
        # Twice the threshold of unreachable cycles (they cannot be freed without a collection):
        # far past it, so frees elsewhere cannot pull the count back under the threshold.
        for _ in range(2 * gc.get_threshold()[0]):
            Cycle()
        assert gc.get_count()[0] > collector.threshold[0]
        assert collections == [] and gone() is not None, "allocating must not have collected"
        # Only the timer collects now; it fires every 20 ms, the long timeout only absorbs load.
        qtbot.waitUntil(lambda: gone() is None, timeout=15000)
    finally:
        gc.callbacks.remove(seen)
        collector.stop()
    assert collections and set(collections) == {threading.main_thread().name}
    assert gc.isenabled()
