"""The ``privdesk`` command line: a thin adapter over the services.

The parser knows every command from the :data:`COMMANDS` table without importing it; only the
module of the command being run is imported, so ``privdesk --version`` or ``privdesk deadline``
never pays for the database, PDF or Qt layers. The other commands get a placeholder sub-parser
that carries their help line, which is all ``privdesk --help`` needs.

Adding a command:

1. Write ``privdesk/cli/commands/NAME.py`` with ``register(sub)`` that calls
   ``sub.add_parser(NAME, help=HELP)`` and sets ``func`` (import heavy things inside ``func``).
2. Add ``"NAME": ("NAME", HELP)`` to :data:`COMMANDS`, in the position where ``--help`` should list
   it (one module may register several commands: give each its own row with the same module).
   ``tests/integration/test_cli_startup.py`` fails until the table and ``register`` agree.

Exit codes: 0 success, 2 a user error (one line on stderr, no traceback), 1 a bug.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from privdesk import __version__
from privdesk.errors import PrivDeskError

log = logging.getLogger("privdesk.cli")

#: command name -> (module in :mod:`privdesk.cli.commands`, help line shown by ``privdesk --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("audit", "verify or read the audit trail"),
    "backup": ("backup", "write the case database, documents, attachments, law files and the erasure masking key to one archive (safe while the window runs)"),
    "restore": ("backup", "check a backup archive and restore it into the data folder"),
    "breach": ("breach", "the breach register: record breaches, affected people and notices"),
    "connection": ("connection", "company databases to search for a subject"),
    "dashboard": ("dashboard", "open, overdue, on-time rate and workload, for a period"),
    "deadline": ("deadline", "compute the due dates of a request under a law (does not open the case database)"),
    "demo": ("demo", "seed the demo organisation and data (safe to run twice)"),
    "gui": ("gui", "open the PrivDesk window (the default)"),
    "law": ("law", "the law files: list, show every rule with its citation, add your own"),
    "letter": ("letter", "write a letter for a request as a PDF"),
    "export": ("letter", "write the portability file of a request's latest attached search"),
    "documents": ("letter", "list the documents generated for a request"),
    "plan": ("plan", "the change plan of an erasure, rectification or opt-out request"),
    "execute": ("plan", "run a reviewed plan through the write connections"),
    "verify-erasure": ("plan", "search again and record the proof of a carried-out plan"),
    "report": ("report", "write the period's compliance report (PDF with charts, or CSV)"),
    "request": ("request", "open, list and work rights requests"),
    "retention": ("retention", "anonymise closed cases whose retention period ended"),
    "ropa": ("ropa", "the record of processing activities (Art. 30) and its table mapping"),
    "search": ("search", "search the connected databases for a subject's rows"),
    "settings": ("settings", "show or change the organisation profile"),
    "officer": ("settings", "list, add or remove officers"),
}

#: The command run when none is given.
DEFAULT_COMMAND = "gui"

# Global options that take a value (the token after them is not the command).
_VALUE_OPTIONS = ("--data-dir", "--db-url")


class UserError(PrivDeskError):
    """A mistake on the command line."""


class Parser(argparse.ArgumentParser):
    """argparse that reports mistakes in one line and exits 2, as every PrivDesk error does."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{self.prog}: {message}")


def emit_json(obj: Any) -> None:
    """Print one JSON object; dates and other non-JSON values become strings."""
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def command_in(argv: Sequence[str]) -> str | None:
    """The command word of a command line: the first token that is not a global option or its value."""
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            return next(tokens, None)
        if not token.startswith("-") or token == "-":
            return token
        # argparse accepts unambiguous prefixes (--data DIR); "--opt=value" carries its own value.
        if token.startswith("--") and "=" not in token and any(o.startswith(token) for o in _VALUE_OPTIONS):
            next(tokens, None)
    return None


def build_parser(command: str | None = None) -> Parser:
    """The parser with ``command``'s real sub-parsers; every other command is a help-only placeholder.

    ``command=None`` registers the default command; ``"*"`` imports and registers every command
    (the tests use it to check :data:`COMMANDS` against the modules).
    """
    parser = Parser(prog="privdesk", description="PrivDesk, the privacy officer's workbench.")
    parser.add_argument("--version", action="version", version=f"privdesk {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="keep all data here (or set PRIVDESK_DATA_DIR)")
    parser.add_argument("--db-url", metavar="URL", help="case database URL, e.g. postgresql://host/db (or PRIVDESK_DB_URL)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr too")
    parser.add_argument("--yes", action="store_true",
                        help="upgrade a case database on a server (after backing it up yourself)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    wanted = COMMANDS.get(command or DEFAULT_COMMAND, (None, ""))[0]
    for name, (module_name, help_text) in COMMANDS.items():
        if name in sub.choices:
            continue  # registered together with an earlier command of the same module
        if command == "*" or module_name == wanted:
            importlib.import_module(f"privdesk.cli.commands.{module_name}").register(sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _stdout_to_devnull() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's last flush is silent
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's capture)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Importing a command's modules (SQLAlchemy above all) allocates a few hundred thousand
    # long-lived objects, and the collector's full passes over them cost 0.1 s of each start
    # without ever finding garbage. Collect nothing while importing, then move what was imported
    # into the permanent generation (gc.freeze) so later passes skip it; the command itself runs
    # with collection on as usual. Only in a process of its own: a caller's (a test's) objects
    # are not ours to freeze.
    own_process = argv is None
    if own_process:
        gc.disable()
    try:
        parser = build_parser(command_in(args_list))
        args = parser.parse_args(args_list)
        from privdesk.logconfig import setup_logging
        from privdesk.paths import resolve_paths

        paths = resolve_paths(args.data_dir, args.db_url)
        try:
            setup_logging(paths.log_dir, args.verbose)
        except OSError as exc:
            raise UserError(f"Cannot write the log folder {paths.log_dir}: {exc.strerror}.") from exc
        if not args.command:
            args = parser.parse_args([*args_list, DEFAULT_COMMAND])
        log.debug("command %s", args.command)
        args.own_process = own_process  # the window freezes its start-up objects only in its own process
        if own_process:
            gc.freeze()
            gc.enable()
        result: int = args.func(args)
        sys.stdout.flush()  # a reader that went away (privdesk ... | head) shows here, not at exit
        return result
    except BrokenPipeError:
        _stdout_to_devnull()
        return 141  # as a program killed by SIGPIPE: the reader needed no more
    except PrivDeskError as exc:
        sys.stderr.write(f"privdesk: {exc.message}\n" if not exc.message.startswith("privdesk") else f"{exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("privdesk: interrupted\n")
        return 130
    except Exception as exc:  # a bug: one redacted line here, the traceback (redacted) in the log
        return _internal_error(exc)
    finally:
        if own_process:
            gc.enable()


def _internal_error(exc: Exception) -> int:
    """Report a bug without printing what its exception carries (SQL parameters, a note's text,
    e-mail addresses): the log file gets the redacted traceback."""
    from privdesk.logconfig import redact

    log.error("unexpected error", exc_info=exc)
    lines = str(exc).strip().splitlines()
    first = redact(lines[0])[:200] if lines else ""
    sys.stderr.write(f"privdesk: internal error ({type(exc).__name__}){': ' + first if first else ''}; "
                     "the details are in privdesk.log.\n")
    return 1
