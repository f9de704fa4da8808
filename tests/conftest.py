"""Shared fixtures: headless Qt, an isolated data directory and case database per test, an
in-memory keyring, and the real database servers the suite starts itself (tests/servers.py)."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The command lines the tests start (``python -m privdesk ...``) share one bytecode cache outside
# the tree, so each does not compile the whole app again where PYTHONDONTWRITEBYTECODE is set.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX", os.path.join(os.path.realpath(
    os.environ.get("TMPDIR", "/tmp")), f"privdesk-test-pycache-{os.getuid()}"))

from collections.abc import Iterator
from pathlib import Path

import pytest

from privdesk.services.context import AppContext
from tests.keyring_backend import MemoryKeyring

pytest_plugins = ["tests.servers"]


@pytest.fixture(autouse=True)
def _isolate_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may touch the user's real data directory, log folder or keyring."""
    import keyring

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("PRIVDESK_DATA_DIR", raising=False)
    monkeypatch.delenv("PRIVDESK_DB_URL", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)
    from privdesk.domain.laws import use_organisation_laws

    use_organisation_laws(None, small_agent=False)  # the organisation's law files are per data directory


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory with a freshly migrated case database, made once per session."""
    data = tmp_path_factory.mktemp("migrated-template") / "data"
    AppContext.open(data).close()
    return data


@pytest.fixture
def ctx(data_dir: Path, _migrated_template: Path) -> Iterator[AppContext]:
    """A migrated SQLite case database in a temporary data directory: a private copy of the
    session's template (running every migration for each of several hundred tests took ~20 s)."""
    shutil.copytree(_migrated_template, data_dir, dirs_exist_ok=True)
    context = AppContext.open(data_dir)
    yield context
    context.close()


@pytest.fixture
def demo_ctx(ctx: AppContext) -> AppContext:
    from privdesk.services.demo import seed_demo

    seed_demo(ctx)
    return ctx
