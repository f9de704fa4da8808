"""``privdesk dashboard``: the manager's figures, as text or one JSON object.

``--json`` keys ``open``, ``overdue``, ``due_within_7_days``, ``extended``, ``closed``,
``on_time_rate``, ``median_days_to_close`` and ``by_officer`` are an external contract: keep them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from privdesk.cli.common import open_ctx
from privdesk.domain.periods import PRESETS, Period, parse_day, period_between, preset


def add_period_options(p: argparse.ArgumentParser) -> None:
    """``--from``/``--to`` or ``--period``, and ``--as-of``; shared with ``privdesk report``."""
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day of the period")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day of the period (default: today)")
    p.add_argument("--period", choices=[k for k, _ in PRESETS], metavar="NAME",
                   help=f"a named period instead of --from/--to: {', '.join(k for k, _ in PRESETS)}")
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                   help="count open and overdue requests as on this day (default: today)")


def period_of(args: argparse.Namespace) -> tuple[date, Period]:
    from privdesk.cli import UserError

    today = parse_day(args.as_of, "as-of") if args.as_of else date.today()
    if args.period:
        if args.start or args.end:
            raise UserError("Give either --period or --from/--to, not both.")
        return today, preset(args.period, today)
    return today, period_between(args.start, args.end, today)


def register(sub: Any) -> None:
    p = sub.add_parser("dashboard", help="open, overdue, on-time rate and workload, for a period")
    add_period_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_dashboard)


def _dashboard(args: argparse.Namespace) -> int:
    from privdesk.services.dashboard import dashboard

    today, period = period_of(args)
    d = dashboard(open_ctx(args), today=today, period=period)
    if args.json:
        from privdesk.cli import emit_json

        emit_json(d.to_json())
        return 0
    out = [f"Period {period.describe()}, as of {today.isoformat()}"]
    out += [f"  {label}: {value}" for _k, label, value, _raw in d.summary_rows()]
    out.append("  Workload (open / overdue / due soon):")
    out += [f"    {w.officer}: {w.open} / {w.overdue} / {w.due_soon}" for w in d.workload]
    if d.breach_clock is not None:
        out.append(f"  Nearest breach deadline: {d.breach_clock.text()}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0
