"""``privdesk audit``: check the hash chain and read the trail."""

from __future__ import annotations

import argparse
from typing import Any

from privdesk.cli.common import open_ctx, terminal_safe
from privdesk.services import audit as svc


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="verify or read the audit trail")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = asub.add_parser("verify", help="check that no entry was altered or deleted (exit 1 if one was)")
    v.add_argument("--json", action="store_true", help="print one JSON object")
    v.set_defaults(func=_verify)
    lg = asub.add_parser("log", help="print the latest entries, or those about one request")
    lg.add_argument("reference", nargs="?", help="a request reference such as DSR-2026-0001")
    lg.add_argument("--limit", type=int, default=50)
    lg.add_argument("--json", action="store_true")
    lg.set_defaults(func=_log)


def _verify(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json

    result = svc.verify(open_ctx(args))
    if args.json:
        emit_json({"ok": result.ok, "entries": result.entries, "broken_seq": result.broken_seq,
                   "problem": result.problem})
    else:
        print(result.message())  # noqa: T201
    return 0 if result.ok else 1


def _log(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json

    ctx = open_ctx(args)
    if args.reference:
        events = svc.history(ctx, "request", args.reference.strip().upper())
    else:
        events = list(reversed(svc.recent(ctx, args.limit)))
    if args.json:
        emit_json([{"seq": e.seq, "at": e.at, "actor": e.actor, "entity": e.entity,
                    "entity_id": e.entity_id, "action": e.action,
                    "changes": {k: list(v) for k, v in e.changes.items()}} for e in events])
    else:
        for e in events:
            print(terminal_safe(f"{e.seq:>6}  {e.at[:19]}  {e.actor:<28} {e.entity_id:<15} {e.action:<10} "  # noqa: T201
                                f"{e.describe()}"))
    return 0
