"""Garbage collection happens on the GUI thread only while the window is up."""

from __future__ import annotations

import gc

from pytestqt.qtbot import QtBot

from privdesk.ui.gc_guard import GarbageCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collects_cycles_from_the_timer_not_automatically(qtbot: QtBot) -> None:
    gc.enable()
    collector = GarbageCollector(interval_ms=20)
    try:
        assert not gc.isenabled(), "automatic collection would run in whichever thread allocates"
        gc.collect()
        marker = Cycle()
        alive = [marker]
        gc.callbacks.append(lambda phase, info: alive.append(phase))
        del marker
        for _ in range(gc.get_threshold()[0] + 10):
            Cycle()  # allocations that would have triggered an automatic collection
        qtbot.waitUntil(lambda: "stop" in alive, timeout=2000)
    finally:
        gc.callbacks.pop()
        collector.stop()
    assert gc.isenabled()
