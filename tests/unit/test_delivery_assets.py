"""The desktop assets in resources/ and the resource helper, frozen and from a checkout."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from privdesk import __version__, paths

ROOT = Path(__file__).resolve().parents[2]
RES = ROOT / "resources"
APP_ID = "org.privdesk.PrivDesk"


def test_desktop_entry_names_the_icon_and_command() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(RES / f"{APP_ID}.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "PrivDesk"
    assert d["Icon"] == APP_ID
    assert d["Exec"].split()[:2] == ["privdesk", "gui"]
    assert "Office" in d["Categories"].split(";")


def test_metainfo_matches_the_app_and_validates() -> None:
    path = RES / f"{APP_ID}.metainfo.xml"
    root = ET.parse(path).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    newest = root.find("releases/release")
    assert newest is not None and newest.get("version") == __version__, "add a <release> for the new version"
    if shutil.which("appstreamcli") is None:
        pytest.skip("appstreamcli is not installed (Debian package appstream)")
    done = subprocess.run(["appstreamcli", "validate", "--no-net", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_icon_svg_and_every_png_size() -> None:
    svg = ET.parse(RES / "icons" / f"{APP_ID}.svg").getroot()
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 256 256"
    for size in (16, 24, 32, 48, 64, 128, 256):
        data = (RES / "icons" / f"{size}x{size}" / f"{APP_ID}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (size, size)


def test_resources_from_a_checkout() -> None:
    assert paths.resource_path("laws").is_dir()
    assert paths.package_path("store", "migrations", "env.py").is_file()
    icon = paths.desktop_asset("icons", "32x32", f"{APP_ID}.png")
    assert icon == RES / "icons" / "32x32" / f"{APP_ID}.png"
    assert paths.desktop_asset("icons", "no-such.png") is None


def test_resources_when_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PyInstaller build: package data under sys._MEIPASS/privdesk, desktop assets beside it."""
    (tmp_path / "privdesk" / "resources" / "laws").mkdir(parents=True)
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / f"{APP_ID}.desktop").write_text("[Desktop Entry]\n")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resource_path("laws", "gdpr.toml") == tmp_path / "privdesk" / "resources" / "laws" / "gdpr.toml"
    assert paths.package_path("store", "migrations") == tmp_path / "privdesk" / "store" / "migrations"
    assert paths.desktop_asset(f"{APP_ID}.desktop") == tmp_path / "resources" / f"{APP_ID}.desktop"
    assert paths.desktop_asset("icons", "x.png") is None

