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
    v.add_argument("--anchor", metavar="FILE", help="also check a checkpoint written by 'audit anchor'")
    v.set_defaults(func=_verify)
    an = asub.add_parser("anchor", help="write a checkpoint of the chain's head to keep outside the database")
    an.add_argument("-o", "--output", required=True, metavar="FILE")
    an.set_defaults(func=_anchor)
    lg = asub.add_parser("log", help="print the latest entries, or those about one request")
    lg.add_argument("reference", nargs="?", help="a request reference such as DSR-2026-0001")
    lg.add_argument("--limit", type=int, default=50)
    lg.add_argument("--json", action="store_true")
    lg.set_defaults(func=_log)


def _verify(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import audit_anchor

    report = audit_anchor.verify_all(open_ctx(args), args.anchor)
    result = report.chain
    if args.json:
        emit_json({"ok": report.ok, "entries": result.entries, "broken_seq": result.broken_seq,
                   "problem": result.problem or (report.problems[0] if report.problems else ""),
                   "problems": report.problems, "documents_checked": report.documents_checked,
                   "records_replayed": report.records_replayed, "anchor_checked": bool(report.anchors_checked)})
    else:
        print(terminal_safe(report.message()))  # noqa: T201
    return 0 if report.ok else 1


def _anchor(args: argparse.Namespace) -> int:
    from privdesk.services import audit_anchor

    anchor = audit_anchor.write_anchor(open_ctx(args), args.output)
    print(f"anchor written: entry {anchor.seq}, hash {anchor.hash} -> {args.output}")  # noqa: T201
    return 0


def _log(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json

    ctx = open_ctx(args)
    if args.reference:
        events = svc.history(ctx, "request", args.reference.strip().upper())
    else:
        events = list(reversed(svc.recent(ctx, args.limit)))
    if args.json:
        emit_json([{"seq": e.seq, "at": e.at, "actor": e.actor, "login": e.login, "entity": e.entity,
                    "entity_id": e.entity_id, "action": e.action,
                    "changes": {k: list(v) for k, v in e.changes.items()}} for e in events])
    else:
        for e in events:
            who = e.who.describe()  # the officer, and the login beside it where they differ
            print(terminal_safe(f"{e.seq:>6}  {e.at[:19]}  {who:<28} {e.entity_id:<15} {e.action:<10} "  # noqa: T201
                                f"{e.describe()}"))
    return 0
