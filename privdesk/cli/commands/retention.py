"""``privdesk retention``: anonymise PrivDesk's own expired cases.

    privdesk retention run [--dry-run] [--json] [--today YYYY-MM-DD]
    privdesk retention show [--json]
    privdesk retention set TYPE|breach YEARS
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from privdesk.cli.common import open_ctx


def register(sub: Any) -> None:
    from privdesk.cli.common import with_actor as _with_actor
    from privdesk.domain.retention import UPGRADE_BACKUP_DAYS

    p = sub.add_parser("retention", help="anonymise closed cases whose retention period ended")
    rsub = p.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    r = _with_actor(rsub.add_parser("run", help="anonymise expired cases (statistics and a tombstone stay) and delete upgrade backups "
                                        "and the copies kept before a restore (backups/before-restore-*) over "
                                        f"{UPGRADE_BACKUP_DAYS} days old"))
    r.add_argument("--dry-run", action="store_true", help="only list what would be anonymised or deleted")
    r.add_argument("--json", action="store_true")
    r.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    r.set_defaults(func=_run)
    sh = rsub.add_parser("show", help="the retention period of each request type and of breach records")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=_show)
    st = _with_actor(rsub.add_parser("set", help="set the years a closed case is kept"))
    st.add_argument("kind", help="a request type (access, erasure, ...) or 'breach'")
    st.add_argument("years")
    st.set_defaults(func=_set)


def _run(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.cli.common import actor as _actor
    from privdesk.services import retention

    result = retention.run(open_ctx(args), _actor(args), dry_run=args.dry_run, today=args.today)
    if args.json:
        emit_json(result.to_json())
        return 0
    verb = "would anonymise" if result.dry_run else "anonymised"
    for c in result.cases:
        print(f"{verb} {c.reference} ({c.type}, closed {c.closed}, kept until {c.expired_on})")  # noqa: T201
    print(f"{len(result.cases)} cases {verb}")  # noqa: T201
    for line in result.backup_lines():
        print(line)  # noqa: T201
    return 0


def _show(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import retention

    ctx = open_ctx(args)
    years = retention.periods(ctx)
    last = retention.last_run(ctx)
    if args.json:
        emit_json({"years": years, "last_run": last.isoformat() if last else None})
        return 0
    for kind, n in years.items():
        print(f"{kind:<15}{n} years after closing")  # noqa: T201
    print(f"last run: {last or 'never'}")  # noqa: T201
    return 0


def _set(args: argparse.Namespace) -> int:
    from privdesk.cli.common import actor as _actor
    from privdesk.services import retention

    years = retention.set_period(open_ctx(args), args.kind, args.years, _actor(args))
    print(f"{args.kind}: kept {years} years after closing")  # noqa: T201
    return 0
