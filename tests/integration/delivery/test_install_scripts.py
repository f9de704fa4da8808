"""packaging/install.sh and uninstall.sh on a stand-in release folder: the user's standard places,
and an uninstall that removes exactly what the install created."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
APP_ID = "org.privdesk.PrivDesk"


def _release(tmp: Path) -> Path:
    """The tarball's layout, with a shell script standing in for the frozen binary."""
    rel = tmp / "privdesk-0.1.0-linux-x86_64"
    (rel / "privdesk" / "_internal").mkdir(parents=True)
    app = rel / "privdesk" / "privdesk"
    app.write_text("#!/bin/sh\necho 'privdesk 0.1.0'\n")
    app.chmod(0o755)
    (rel / "privdesk" / "_internal" / "lib.so").write_bytes(b"\0")
    shutil.copytree(ROOT / "resources", rel / "resources")
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy(ROOT / "packaging" / script, rel / script)
    return rel


def _tree(home: Path) -> set[str]:
    return {str(p.relative_to(home)) + ("/" if p.is_dir() and not p.is_symlink() else "") for p in home.rglob("*")}


def _run(script: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    return subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, check=False)


def test_install_puts_app_menu_entry_and_icons_in_place_and_uninstall_removes_exactly_them(tmp_path: Path) -> None:
    rel = _release(tmp_path)
    home = tmp_path / "home"
    # things the user had before: an existing applications folder with another entry, and data
    (home / ".local" / "share" / "applications").mkdir(parents=True)
    (home / ".local" / "share" / "applications" / "other.desktop").write_text("[Desktop Entry]\n")
    (home / ".local" / "share" / "privdesk").mkdir()
    (home / ".local" / "share" / "privdesk" / "privdesk.sqlite3").write_bytes(b"cases")
    before = _tree(home)

    done = _run(rel / "install.sh", home)
    assert done.returncode == 0, done.stderr
    local = home / ".local"
    assert (local / "bin" / "privdesk").resolve() == local / "lib" / "privdesk" / "privdesk"
    assert subprocess.run([local / "bin" / "privdesk", "--version"], capture_output=True, text=True).stdout.strip() == "privdesk 0.1.0"
    desktop = (local / "share" / "applications" / f"{APP_ID}.desktop").read_text()
    assert f'Exec="{local}/bin/privdesk" gui' in desktop
    assert (local / "share" / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png").is_file()
    assert (local / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (local / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert "installed" in done.stdout

    # a second install replaces the first one cleanly
    again = _run(rel / "install.sh", home)
    assert again.returncode == 0, again.stderr

    done = _run(local / "lib" / "privdesk" / "uninstall.sh", home)
    assert done.returncode == 0, done.stderr
    assert _tree(home) == before
    assert (home / ".local" / "share" / "privdesk" / "privdesk.sqlite3").read_bytes() == b"cases"


def test_uninstall_keeps_a_folder_the_user_added_a_file_to(tmp_path: Path) -> None:
    rel = _release(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    assert _run(rel / "install.sh", home).returncode == 0
    mine = home / ".local" / "share" / "icons" / "hicolor" / "48x48" / "apps" / "mine.png"
    mine.write_bytes(b"png")
    assert _run(rel / "uninstall.sh", home).returncode == 0
    assert mine.read_bytes() == b"png"
    assert not (home / ".local" / "share" / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png").exists()
    assert not (home / ".local" / "lib" / "privdesk").exists()
    assert not (home / ".local" / "bin").exists()


def test_install_refuses_a_foreign_folder_in_its_place(tmp_path: Path) -> None:
    rel = _release(tmp_path)
    home = tmp_path / "home"
    (home / ".local" / "lib" / "privdesk").mkdir(parents=True)
    (home / ".local" / "lib" / "privdesk" / "notes.txt").write_text("mine")
    done = _run(rel / "install.sh", home)
    assert done.returncode == 2
    assert "not a PrivDesk install" in done.stderr
    assert (home / ".local" / "lib" / "privdesk" / "notes.txt").read_text() == "mine"
