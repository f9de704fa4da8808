"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import sys

from privdesk.services.context import AppContext


def open_ctx(args: argparse.Namespace) -> AppContext:
    """Open the case database named by the global options (migrating it if older)."""
    return AppContext.open(args.data_dir, args.db_url)


def read_secret_stdin() -> str:
    """A password piped on standard input, without its trailing newline."""
    return sys.stdin.readline().rstrip("\r\n")
