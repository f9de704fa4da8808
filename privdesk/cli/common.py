"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import sys

from privdesk.services.context import AppContext, os_login


def open_ctx(args: argparse.Namespace) -> AppContext:
    """Open the case database named by the global options (migrating it if older), with the
    officer matched to this computer's account as the current officer."""
    from privdesk.services import identity

    ctx = AppContext.open(args.data_dir, args.db_url, confirm_upgrade=bool(getattr(args, "yes", False)))
    identity.start(ctx)
    args.privdesk_ctx = ctx
    return ctx


def actor(args: argparse.Namespace) -> str:
    """Who acts, for the audit trail: ``--as EMAIL`` if given, else the officer matched to this
    computer's account (set by :func:`open_ctx`), else the account itself. The login is
    recorded beside it in every case."""
    given = str(getattr(args, "actor", None) or "").strip()
    if given:
        return given
    ctx = getattr(args, "privdesk_ctx", None)
    return ctx.actor() if isinstance(ctx, AppContext) else os_login()


def read_secret_stdin() -> str:
    """A password piped on standard input, without its trailing newline."""
    return sys.stdin.readline().rstrip("\r\n")


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def terminal_safe(text: object, keep_newlines: bool = False) -> str:
    """Text from the case database as a terminal may show it: control characters (an escape
    sequence in a web-form name can rewrite the screen or the window title) and bidi overrides
    become visible ``\\x1b`` / ``\\u202e`` codes."""
    out = []
    for ch in str(text):
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in _BIDI or (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 row`` / ``3 rows``: a count with its noun in the right number."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def with_actor(p: argparse.ArgumentParser, versioned: bool = False) -> argparse.ArgumentParser:
    """Add ``--as`` (who acts, for the audit trail); ``versioned`` also adds ``--expect-version``,
    which only means something on a command that changes one existing request."""
    p.add_argument("--as", dest="actor", metavar="EMAIL",
                   help="who is acting, for the audit trail (default: your user name)")
    if versioned:
        p.add_argument("--expect-version", type=int, metavar="N",
                       help="refuse if the request changed since you read version N")
    return p


def include_candidates_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--include-candidates``: take the search's candidate rows too (matched only on a phone or
    a name, or holding another e-mail or customer id); by default only confirmed rows are taken,
    the rule of :func:`privdesk.discovery.ownership.whose_row`. ``what`` says what is taken."""
    p.add_argument("--include-candidates", action="store_true",
                   help=f"{what} too (default: only the rows the search confirms as the person's)")
