"""The application icon, from the PNG sizes rendered from ``resources/icons/*.svg``.

PNGs rather than the SVG so the window needs no QtSvg at start-up; found through
:func:`privdesk.paths.desktop_asset`, so a checkout and the frozen build both have it.
"""

from __future__ import annotations

import functools

from PySide6.QtGui import QIcon

ICON_NAME = "org.privdesk.PrivDesk"
SIZES = (16, 24, 32, 48, 64, 128, 256)


@functools.cache
def app_icon() -> QIcon:
    """PrivDesk's icon in every rendered size; the themed icon (installed by install.sh) otherwise."""
    from privdesk.paths import desktop_asset

    icon = QIcon()
    for size in SIZES:
        path = desktop_asset("icons", f"{size}x{size}", f"{ICON_NAME}.png")
        if path is not None:
            icon.addFile(str(path))
    if icon.isNull():
        icon = QIcon.fromTheme(ICON_NAME)
    return icon
