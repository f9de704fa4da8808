"""``privdesk gui``: the desktop window."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help="open the PrivDesk window (the default)")
    p.add_argument("--screenshot", metavar="FILE.png",
                   help="render the main window offscreen to a PNG after start-up, then exit")
    p.add_argument("--area", metavar="AREA", help="open on this area (requests, search, settings, ...)")
    p.set_defaults(func=_gui)


def _gui(args: argparse.Namespace) -> int:
    from privdesk.ui.app import run_gui

    return run_gui(args)
