"""Fixtures of the GUI tests."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from privdesk.services.context import AppContext
from privdesk.services.demo import seed_profile
from privdesk.services.requests_demo import seed_demo_requests


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread() -> Iterator[None]:
    """As the app does (privdesk.ui.gc_guard): no automatic collection while a GUI test runs, so
    no worker thread ever destroys a Qt object; afterwards collect here, on the GUI thread, so
    no Qt garbage is left for the threads of later tests."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@pytest.fixture(scope="session")
def _queue_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One case database seeded with the profile, officers and demo requests; no keyring use."""
    data = tmp_path_factory.mktemp("queue-template") / "data"
    ctx = AppContext.open(data)
    seed_profile(ctx)
    seed_demo_requests(ctx)
    ctx.close()
    return data


@pytest.fixture
def queue_ctx(_queue_template: Path, tmp_path: Path) -> Iterator[AppContext]:
    """A private copy of the seeded queue: as ``demo_ctx`` without the connected databases,
    seeded once per session instead of once per test."""
    data = tmp_path / "queue-data"
    shutil.copytree(_queue_template, data)
    ctx = AppContext.open(data)
    yield ctx
    ctx.close()
