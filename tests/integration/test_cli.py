"""The command line over the same services: exit codes, one-line errors, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from privdesk import __version__
from privdesk.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"privdesk {__version__}"


def test_settings_set_and_show_json(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    d = str(data_dir)
    assert run(capsys, "--data-dir", d, "settings", "set", "org.name", "Acme Privacy BV")[0] == 0
    assert run(capsys, "--data-dir", d, "officer", "add", "Eva de Vries", "eva@acme.example", "--role", "manager")[0] == 0
    code, out, _ = run(capsys, "--data-dir", d, "settings", "show", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["org.name"] == "Acme Privacy BV"
    assert shown["officers"] == [{"name": "Eva de Vries", "email": "eva@acme.example", "role": "manager"}]
    assert shown["logo"] is False


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["settings", "set", "org.email", "not-an-email"], "not an e-mail address"),
        (["settings", "set", "no.such.key", "x"], "not a setting"),
        (["settings", "set", "logo", "/nonexistent/logo.png"], "Cannot read the logo"),
        (["frobnicate"], "invalid choice"),
        (["settings"], "required"),
        (["officer", "add", "X", "bad"], "not an e-mail address"),
        (["officer", "remove", "ghost@example.com"], "no officer"),
    ],
)
def test_user_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], data_dir: Path, args: list[str], needle: str
) -> None:
    code, out, err = run(capsys, "--data-dir", str(data_dir), *args)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_demo_twice_is_idempotent(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    assert run(capsys, "--data-dir", str(data_dir), "demo")[0] == 0
    assert run(capsys, "--data-dir", str(data_dir), "demo")[0] == 0
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "officer", "list", "--json")
    assert code == 0 and len(json.loads(out)) == 4


def test_log_file_written_without_personal_data(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    run(capsys, "--data-dir", str(data_dir), "officer", "add", "Dmitri Ivanov", "dmitri@example.ru")
    log = (data_dir / "logs" / "privdesk.log").read_text()
    assert "officer" in log
    assert "dmitri@example.ru" not in log and "Dmitri" not in log


def test_gui_screenshot_subprocess(tmp_path: Path) -> None:
    """`privdesk gui --screenshot` renders the real window offscreen and exits 0."""
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    d = str(tmp_path / "data")
    subprocess.run([sys.executable, "-m", "privdesk", "--data-dir", d, "demo"], check=True, env=env,
                   capture_output=True, timeout=120)
    proc = subprocess.run([sys.executable, "-m", "privdesk", "--data-dir", d, "gui", "--screenshot", str(shot)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    from PySide6.QtGui import QImage

    img = QImage(str(shot))
    assert img.width() >= 900 and img.height() >= 600
    colours = {img.pixel(x, y) for x in range(0, img.width(), 37) for y in range(0, img.height(), 37)}
    assert len(colours) > 5, "the screenshot is blank"


def test_output_piped_into_a_reader_that_stops_early_gives_no_traceback(data_dir: Path) -> None:
    """Found by QA: `privdesk law list | head -3` ended in a BrokenPipeError traceback."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "privdesk", "--data-dir", str(data_dir), "law", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before PrivDesk writes anything
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
