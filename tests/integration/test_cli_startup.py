"""Start-up: the parser knows every command without importing it, and cheap commands stay cheap.

The import boundary is checked in a fresh interpreter (its ``sys.modules`` after the command ran)
because the test process itself has long since imported Qt, reportlab and Alembic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from privdesk.cli import COMMANDS, build_parser, command_in

HEAVY = ("PySide6", "reportlab", "alembic")

# Runs the CLI like the ``privdesk`` script, then reports every module it imported on stderr.
_PROBE = """
import json, sys
order = []
class Recorder:  # first on the meta path: sees every module found, by import statement or importlib
    @staticmethod
    def find_spec(name, path=None, target=None):
        order.append(name)
sys.meta_path.insert(0, Recorder)
from privdesk.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stderr.write("\\nORDER " + json.dumps(order) + "\\n")
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""


def _subcommand_help(parser: object) -> dict[str, str | None]:
    sub = next(a for a in parser._actions if a.dest == "command")  # type: ignore[attr-defined]
    return {action.dest: action.help for action in sub._choices_actions}


def test_command_table_agrees_with_the_modules() -> None:
    """Every module's ``register`` adds exactly the commands the table names, with the same help."""
    registered = _subcommand_help(build_parser("*"))
    assert registered == {name: help_text for name, (_module, help_text) in COMMANDS.items()}
    assert list(registered) == list(COMMANDS), "--help lists commands in the table's order"


@pytest.mark.parametrize("command", [None, "deadline", "letter", "officer"])
def test_help_lists_every_command_whichever_is_imported(command: str | None) -> None:
    assert build_parser(command).format_help() == build_parser("*").format_help()


def test_only_the_command_being_run_gets_its_real_parser() -> None:
    parser = build_parser("deadline")
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sub.choices["deadline"]._defaults.get("func") is not None
    assert sub.choices["request"]._defaults.get("func") is None


@pytest.mark.parametrize(("argv", "expected"), [
    ([], None),
    (["--version"], None),
    (["-v", "deadline", "--law", "gdpr"], "deadline"),
    (["--data-dir", "/tmp/x", "request", "list"], "request"),
    (["--data", "/tmp/x", "request"], "request"),
    (["--db-url=sqlite:///x.db", "officer", "list"], "officer"),
    (["--db-url", "gui", "demo"], "demo"),
    (["--", "search"], "search"),
])
def test_command_word(argv: list[str], expected: str | None) -> None:
    assert command_in(argv) == expected


def _run_probe(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRIVDESK_DATA_DIR": str(data_dir)}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def _imported(args: list[str], data_dir: Path) -> tuple[set[str], str]:
    proc = _run_probe(args, data_dir)
    listing = proc.stderr.rsplit("MODULES ", 1)[-1]
    return set(json.loads(listing)), proc.stdout


def _import_order(args: list[str], data_dir: Path) -> list[str]:
    """The modules the command imported, in the order it imported them."""
    proc = _run_probe(args, data_dir)
    return list(json.loads(proc.stderr.rsplit("ORDER ", 1)[-1].split("\n", 1)[0]))


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def test_version_imports_almost_nothing(data_dir: Path) -> None:
    modules, out = _imported(["--version"], data_dir)
    assert out.startswith("privdesk ")
    assert not _heavy(modules)
    assert not {m for m in modules if m.split(".")[0] in ("sqlalchemy", "holidays")}
    # only the default command's tiny module (it imports Qt inside its function)
    assert {m for m in modules if m.startswith("privdesk.cli.commands.")} <= {"privdesk.cli.commands.gui"}


def test_deadline_imports_no_qt_pdf_or_alembic(data_dir: Path) -> None:
    modules, out = _imported(["deadline", "--law", "gdpr", "--received", "2026-01-31", "--json"], data_dir)
    assert '"due": "2026-03-02"' in out
    assert "privdesk.cli.commands.deadline" in modules
    assert not _heavy(modules)
    assert not {m for m in modules if m.startswith("privdesk.cli.commands.") and not m.endswith("deadline")}


def test_request_list_on_a_current_database_skips_alembic(data_dir: Path) -> None:
    _imported(["request", "list", "--json"], data_dir)  # first start: creates the schema (Alembic)
    modules, out = _imported(["request", "list", "--json"], data_dir)
    assert out.strip() == "[]"
    assert not _heavy(modules)


def test_window_start_up_leaves_pdf_charts_and_alembic_for_later(data_dir: Path, tmp_path: Path) -> None:
    """The first paint needs the queue only: no reportlab, QtPdf, QtCharts, Alembic or demo seeder."""
    _imported(["--version"], data_dir)
    _imported(["request", "list", "--json"], data_dir)  # the schema exists before the window opens
    shot = tmp_path / "window.png"
    modules, _out = _imported(["gui", "--screenshot", str(shot)], data_dir)
    assert shot.stat().st_size > 10_000
    assert "PySide6.QtWidgets" in modules and "privdesk.ui.requests.pane" in modules
    late = {m for m in modules if m.split(".")[0] in ("reportlab", "alembic")
            or m in ("PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtCharts", "privdesk.services.demo",
                     "privdesk.documents.layout", "privdesk.ui.dashboard_pane", "privdesk.ui.search_pane",
                     "privdesk.services.casefile", "privdesk.discovery.search",
                     "privdesk.ui.requests.detail_pane", "privdesk.services.backup")}
    assert not late


def test_window_imports_the_layers_below_the_ui_before_qt(data_dir: Path, tmp_path: Path) -> None:
    """PySide6's feature hook reads the source of every module imported after it: the case
    database, SQLAlchemy and the services the first paint uses are imported before PySide6."""
    _imported(["request", "list", "--json"], data_dir)  # the schema exists before the window opens
    order = _import_order(["gui", "--screenshot", str(tmp_path / "window.png")], data_dir)
    qt = order.index("PySide6")
    assert "sqlalchemy.orm" in order[:qt] and "privdesk.services.requests.queue" in order[:qt]
    late = [m for m in order[qt:] if m.split(".")[0] == "sqlalchemy"
            or m.startswith(("privdesk.services.", "privdesk.store.", "privdesk.domain."))]
    assert not late, f"imported after PySide6 (add them to ui/app.py's _SERVICES_FOR_FIRST_PAINT): {late}"


def test_breaches_area_leaves_the_pdf_layout_for_the_first_notice(data_dir: Path, tmp_path: Path) -> None:
    """The Breaches area is built in the background after the first paint: reportlab (~0.15 s of
    a frozen GUI thread) loads with the first notice written, not with the area."""
    _imported(["request", "list", "--json"], data_dir)
    modules, _out = _imported(["gui", "--area", "breaches", "--screenshot", str(tmp_path / "b.png")], data_dir)
    assert "privdesk.ui.breaches.pane" in modules or any(m.startswith("privdesk.ui.breaches") for m in modules)
    assert "privdesk.services.breach_notices" in modules
    assert not {m for m in modules if m.split(".")[0] == "reportlab"}


_AREAS_PROBE = """
import argparse, importlib, json, sys
from privdesk.ui import app
ctx = app._below_the_ui_first(argparse.Namespace(data_dir=sys.argv[1], db_url=None))
from PySide6.QtWidgets import QApplication
qapp = QApplication([])
from privdesk.ui.main_window import MainWindow
win = MainWindow(ctx)
win.show()
qapp.processEvents()
late = {}
for area in win.areas:
    if area.key in win._built:
        continue
    for name in area.services:
        importlib.import_module(name)
    before = set(sys.modules)
    win.page(area.key)
    late[area.key] = sorted(m for m in set(sys.modules) - before
                            if m.startswith("privdesk.") and not m.startswith("privdesk.ui."))
print(json.dumps(late))
"""


def test_each_area_names_the_services_its_page_imports(data_dir: Path) -> None:
    """The window imports the areas' services in a worker (with the holiday calendar) before it
    builds them after the first paint; a module below the UI an area's page imports but does not
    name would make the GUI thread wait for it again (the Search area took 0.25-0.35 s, 0.11 s
    with its services loaded first)."""
    _imported(["request", "list", "--json"], data_dir)  # the schema exists before the window opens
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", _AREAS_PROBE, str(data_dir)], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    late = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(late) == {"search", "breaches", "dashboard", "register", "settings"}
    assert not {key: mods for key, mods in late.items() if mods}, (
        f"imported by building the area but not in its Area.services (ui/areas.py): {late}")
