"""``privdesk search``: find every row about a person across the registered databases."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from privdesk.cli.common import include_candidates_option, open_ctx


def register(sub: Any) -> None:
    p = sub.add_parser("search", help="search the connected databases for a subject's rows")
    p.add_argument("--email", action="append", default=[], metavar="E")
    p.add_argument("--phone", action="append", default=[], metavar="P")
    p.add_argument("--name", action="append", default=[], metavar="N")
    p.add_argument("--customer-id", action="append", default=[], metavar="X", dest="customer_id")
    p.add_argument("--connection", action="append", default=[], metavar="NAME",
                   help="search only this connection (repeatable; default: all)")
    p.add_argument("--depth", type=int, default=2, metavar="N",
                   help="follow links (declared foreign keys and accepted links) this many steps "
                        "to rows that refer to the subject's rows (default 2, 0 = off)")
    p.add_argument("--row-cap", type=int, default=200, metavar="N", help="rows per table at most (default 200)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--attach", metavar="REF",
                   help="save the result on this request as its search snapshot (audit-logged)")
    include_candidates_option(p, "with --attach: attach candidate rows")
    p.add_argument("--as", dest="actor", metavar="EMAIL", help="who attaches it (for the audit trail)")
    p.set_defaults(func=_search)


def _search(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.cli.commands.connection import ensure_password
    from privdesk.discovery.search import SearchOptions
    from privdesk.errors import ValidationError
    from privdesk.services import discovery as svc

    if args.row_cap < 1:
        raise ValidationError("--row-cap must be at least 1.")
    ctx = open_ctx(args)
    if args.attach:
        from privdesk.services import requests as rq

        rq.get_request(ctx, args.attach)  # an unknown reference fails before a long search
    query = svc.make_query(ctx, args.email, args.phone, args.name, args.customer_id)
    for name in args.connection or [c.name for c in svc.list_connections(ctx)]:
        ensure_password(ctx, name)
    result = svc.search(ctx, query, args.connection, SearchOptions(depth=args.depth, row_cap=args.row_cap))
    if result.all_failed:  # no answer at all is not "no rows found": nothing to print or attach
        from privdesk.cli import UserError

        raise UserError(_failure_sentence(result))
    if args.attach:
        from privdesk.cli.common import actor
        from privdesk.services import casefile

        snap = svc.make_snapshot(ctx, result, args.depth, args.include_candidates)
        info = casefile.attach_snapshot(ctx, args.attach, snap, actor(args))
        sys.stderr.write(f"privdesk: attached {info.row_count} rows to {info.reference}\n")
        for x in snap.excluded:
            sys.stderr.write(f"privdesk: left out: {x.sentence}\n")
    if args.json:
        emit_json(result.to_json())
        if result.failed_connections:
            sys.stderr.write(f"privdesk: {_failure_sentence(result)}\n")
        return 0
    for m in result.matches:
        print(f"{m.role:<9} {m.connection}/{m.table} {m.key}  {m.reason}")  # noqa: T201
    for x in result.excluded:
        print(f"left out  {x.connection}: {x.sentence}")  # noqa: T201
    for t in result.tables:
        if t.more:
            print(f"{t.connection}/{t.table}: more rows than the cap of {args.row_cap}")  # noqa: T201
    for e in result.errors:
        if not e.whole:
            sys.stderr.write(f"privdesk: {e.connection}: {e.message}\n")
    if result.failed_connections:
        sys.stderr.write(f"privdesk: {_failure_sentence(result)}\n")
    print(f"{len(result.matches)} rows in {result.elapsed_s:.2f} s")  # noqa: T201
    return 0


def _failure_sentence(result: Any) -> str:
    """One plain line naming the connections that could not be searched and why."""
    failed = result.failed_connections
    why = {e.connection: e.message for e in result.errors if e.whole}
    detail = "; ".join(f"{c}: {why[c]}" for c in failed)
    if result.all_failed:
        return (f"Could not search {failed[0]}: {why[failed[0]]}" if len(failed) == 1
                else f"None of the {len(failed)} connections could be searched ({detail})")
    return (f"{len(failed)} of {len(result.connections)} connections could not be searched, so their rows "
            f"are missing ({detail})")
