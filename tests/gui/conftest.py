"""Fixtures of the GUI tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from privdesk.services.context import AppContext
from privdesk.services.demo import seed_profile
from privdesk.services.requests_demo import seed_demo_requests


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
