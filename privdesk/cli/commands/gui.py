"""``privdesk gui``: the desktop window."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help="open the PrivDesk window (the default)")
    p.add_argument("--screenshot", metavar="FILE.png",
                   help="render the main window offscreen to a PNG after start-up, then exit")
    p.add_argument("--area", metavar="AREA", help="open on this area (requests, search, settings, ...)")
    p.add_argument("--size", metavar="WxH", default="1280x800", type=_size,
                   help="window size for --screenshot (default 1280x800)")
    p.add_argument("--as", dest="officer", metavar="EMAIL",
                   help="the current officer (default: the officer matching your user name, else you are asked)")
    p.set_defaults(func=_gui)


def _size(text: str) -> tuple[int, int]:
    """``1024x768`` as (1024, 768); argparse turns the ValueError into a one-line error."""
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or not (320 <= int(w) <= 8000 and 240 <= int(h) <= 8000):
        raise argparse.ArgumentTypeError(f"size must look like 1280x800, not {text!r}")
    return int(w), int(h)


def _gui(args: argparse.Namespace) -> int:
    from privdesk.ui.app import run_gui

    return run_gui(args)
