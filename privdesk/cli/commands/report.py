"""``privdesk report``: the compliance report of a period, as a PDF (or CSV) file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from privdesk.cli.commands.dashboard import add_period_options, period_of
from privdesk.cli.common import open_ctx


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="write the period's compliance report (PDF with charts, or CSV)")
    add_period_options(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf",
                   help="the report file; a name ending in .csv writes the figures as CSV")
    p.add_argument("--csv", metavar="OUT.csv", help="also write the same figures as CSV for spreadsheets")
    p.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from privdesk.services.report import report_format, write_report

    report_format(args.output)  # refuse a wrong file name before any work
    if args.csv:
        report_format(args.csv, "csv")
    today, period = period_of(args)
    ctx = open_ctx(args)
    written = [write_report(ctx, period, args.output, today=today)]
    if args.csv:
        written.append(write_report(ctx, period, args.csv, today=today, fmt="csv"))
    for w in written:
        pages = f"{w.pages} page{'s' if w.pages != 1 else ''}, " if w.format == "pdf" else ""
        sys.stdout.write(f"{w.path} ({pages}sha256 {w.sha256})\n")
    return 0
