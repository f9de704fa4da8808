"""Render the application icon's PNG sizes from its SVG with Qt's QSvgRenderer.

Run: ``python packaging/render_icons.py`` after editing ``resources/icons/org.privdesk.PrivDesk.svg``
(commit the PNGs); ``--check`` only verifies that every size exists with the right dimensions, as
``packaging/build.sh`` does before a build.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
APP_ID = "org.privdesk.PrivDesk"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return ICONS / f"{size}x{size}" / f"{APP_ID}.png"


def render() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / f"{APP_ID}.svg"))
    if not renderer.isValid():
        raise SystemExit("the SVG icon does not parse")
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        out = png_path(size)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG"):
            raise SystemExit(f"cannot write {out}")
        print(out.relative_to(ROOT))


def check() -> None:
    import struct

    for size in SIZES:
        path = png_path(size)
        if not path.exists():
            raise SystemExit(f"{path.relative_to(ROOT)} is missing: run python packaging/render_icons.py")
        width, height = struct.unpack(">II", path.read_bytes()[16:24])
        if (width, height) != (size, size):
            raise SystemExit(f"{path.relative_to(ROOT)} is {width}x{height}, not {size}x{size}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true")
    check() if ap.parse_args().check else render()
