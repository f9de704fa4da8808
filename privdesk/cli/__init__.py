"""The ``privdesk`` command line: a thin adapter over the services.

Each module in :mod:`privdesk.cli.commands` contributes sub-commands through a ``register``
function, so capabilities add commands without editing this file. Exit codes: 0 success, 2 a
user error (one line on stderr, no traceback), 1 a bug.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from privdesk import __version__
from privdesk.errors import PrivDeskError

log = logging.getLogger("privdesk.cli")


class UserError(PrivDeskError):
    """A mistake on the command line."""


class Parser(argparse.ArgumentParser):
    """argparse that reports mistakes in one line and exits 2, as every PrivDesk error does."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{self.prog}: {message}")


def emit_json(obj: Any) -> None:
    """Print one JSON object; dates and other non-JSON values become strings."""
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def build_parser() -> Parser:
    parser = Parser(prog="privdesk", description="PrivDesk, the privacy officer's workbench.")
    parser.add_argument("--version", action="version", version=f"privdesk {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="keep all data here (or set PRIVDESK_DATA_DIR)")
    parser.add_argument("--db-url", metavar="URL", help="case database URL, e.g. postgresql://host/db (or PRIVDESK_DB_URL)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr too")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    from privdesk.cli import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"privdesk.cli.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        from privdesk.logconfig import setup_logging
        from privdesk.paths import resolve_paths

        paths = resolve_paths(args.data_dir, args.db_url)
        try:
            setup_logging(paths.log_dir, args.verbose)
        except OSError as exc:
            raise UserError(f"Cannot write the log folder {paths.log_dir}: {exc.strerror}.") from exc
        if not args.command:
            args = parser.parse_args([*args_list, "gui"])
        log.debug("command %s", args.command)
        result: int = args.func(args)
        return result
    except PrivDeskError as exc:
        sys.stderr.write(f"privdesk: {exc.message}\n" if not exc.message.startswith("privdesk") else f"{exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("privdesk: interrupted\n")
        return 130
