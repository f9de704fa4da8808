"""``privdesk demo``: seed the demo organisation (idempotent)."""

from __future__ import annotations

import argparse
import gc
from typing import Any

from privdesk.cli.common import open_ctx


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="seed the demo organisation and data (safe to run twice)")
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    # The seeder pulls in every service: load it only to run it, and as ``main`` does for the
    # command's own imports, keep the collector off while it loads and freeze what it loaded, so
    # the seeding's full collections do not walk every service module again.
    own = getattr(args, "own_process", False)
    if own:
        gc.disable()
    try:
        from privdesk.services.demo import seed_demo

        ctx = open_ctx(args)
    finally:
        if own:
            gc.freeze()
            gc.enable()
    for line in seed_demo(ctx):
        print(line)  # noqa: T201
    return 0
