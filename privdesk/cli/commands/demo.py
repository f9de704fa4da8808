"""``privdesk demo``: seed the demo organisation (idempotent)."""

from __future__ import annotations

import argparse
from typing import Any

from privdesk.cli.common import open_ctx


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="seed the demo organisation and data (safe to run twice)")
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    # the seeder pulls in every service: load it only to run it
    from privdesk.services.demo import seed_demo

    for line in seed_demo(open_ctx(args)):
        print(line)  # noqa: T201
    return 0
