"""``privdesk plan``, ``execute`` and ``verify-erasure``: carry out an erasure, rectification or
opt-out in the connected databases (a reviewed plan, a script for the database owner, optional
execution through a write connection, proof by a second search).

The JSON shapes of ``plan REF --json`` and ``verify-erasure REF --json`` are an external contract.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from privdesk.cli.common import count, open_ctx
from privdesk.errors import ValidationError


def register(sub: Any) -> None:
    p = sub.add_parser("plan", help="the change plan of an erasure, rectification or opt-out request")
    p.add_argument("reference", metavar="REF")
    p.add_argument("--json", action="store_true", help='print {"steps": [...], "hash"}')
    p.add_argument("--dry-run", action="store_true",
                   help="count now, read-only, the rows each statement would touch (stale steps flagged)")
    p.add_argument("--sql", action="store_true", help="write the SQL script for the database owner (with -o)")
    p.add_argument("-o", "--output", metavar="FILE.sql", help="where --sql writes (one file per connection)")
    p.add_argument("--rebuild", action="store_true", help="build the plan afresh (after a new search or defaults)")
    p.add_argument("--correct", nargs=4, action="append", default=[],
                   metavar=("CONNECTION", "TABLE", "KEY", "COLUMN=VALUE"),
                   help="rectification: the corrected value of a found row; KEY like id=7 (repeatable)")
    p.add_argument("--as", dest="actor", metavar="EMAIL", help="who is acting, for the audit trail")
    p.set_defaults(func=_plan)

    e = sub.add_parser("execute", help="run a reviewed plan through the write connections",
                       description="Run a reviewed plan through the write connections, one transaction per "
                                   "connection. Run it again after a failure: only the connections not yet done "
                                   "run, once those done are checked to still hold.")
    e.add_argument("reference", metavar="REF")
    e.add_argument("--confirm", required=True, metavar="REF", help="type the request reference to confirm")
    e.add_argument("--handled-outside", metavar="CONNECTION",
                   help="run nothing: record that the plan's part for CONNECTION was handled outside PrivDesk "
                        "(needs --reason; audited, named in the completion letter)")
    e.add_argument("--reason", metavar="TEXT", default="", help="how CONNECTION was handled outside PrivDesk")
    e.add_argument("--json", action="store_true")
    e.add_argument("--as", dest="actor", metavar="EMAIL", help="who is acting, for the audit trail")
    e.set_defaults(func=_execute)

    v = sub.add_parser("verify-erasure", help="search again and record the proof of a carried-out plan")
    v.add_argument("reference", metavar="REF")
    v.add_argument("--json", action="store_true")
    v.add_argument("--as", dest="actor", metavar="EMAIL", help="who is acting, for the audit trail")
    v.set_defaults(func=_verify)


def _actor(args: argparse.Namespace) -> str:
    from privdesk.cli.common import actor

    return actor(args)


def _scalar(text: str) -> Any:
    """``7`` -> 7, anything else stays text (a key or value typed on the command line)."""
    t = text.strip()
    return int(t) if t.lstrip("-").isdigit() and len(t) < 19 else text


def _pairs(text: str, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"{what} {text!r} is not COLUMN=VALUE (e.g. id=7).")
        out[name.strip()] = _scalar(value)
    return out


def _plan(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.cli.commands.connection import ensure_password
    from privdesk.services import erasure as svc

    ctx = open_ctx(args)
    actor = _actor(args)
    if args.sql and not args.output:
        raise ValidationError("--sql needs -o FILE.sql: where to write the script.")
    for conn, table, key, assignment in args.correct:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"--correct {assignment!r} is not COLUMN=VALUE.")
        svc.set_correction(ctx, args.reference, conn, table, _pairs(key, "The key"), {name.strip(): value}, actor)
    view = svc.build_plan(ctx, args.reference, actor, rebuild=args.rebuild)
    if args.sql:
        for f in svc.write_scripts(ctx, args.reference, args.output, actor):
            # a success line goes to stdout; beside --json it must not spoil the JSON
            (sys.stderr if args.json else sys.stdout).write(f"script written to {f}\n")
    if args.dry_run:
        for conn in view.plan.connections:
            ensure_password(ctx, conn)
        dry = svc.dry_run(ctx, args.reference, view)
        if args.json:
            emit_json(dry.to_json())
            return 0
        for s in dry.steps:
            flag = "  STALE" if s.stale else ""
            print(f"{s.index:>3}. {s.action:<7}{s.connection} · {s.table}: {count(s.expected, 'row')} planned, "  # noqa: T201
                  f"{s.found} now{flag}; stays: {s.stays}")
            if s.statement:
                print("     " + s.statement.replace("\n", "\n     "))  # noqa: T201
        if dry.stale:
            sys.stderr.write(f"privdesk: {dry.refusal(view.plan.reference)}\n")
            return 2
        return 0
    if args.json:
        emit_json(view.to_json())
        return 0
    if args.sql:
        return 0
    print(f"Plan for {view.plan.reference} ({view.plan.request_type}), sha256:{view.plan.hash}"  # noqa: T201
          f" — {view.status}{'' if view.current else ', OUT OF DATE: rebuild'}")
    if view.progress:
        print(view.progress)  # noqa: T201
    for i, st in enumerate(view.plan.steps, start=1):
        cols = f" [{', '.join(st.columns)}]" if st.columns else ""
        why = f" — {st.reason}" if st.reason else ""
        print(f"{i:>3}. {st.action:<7}{st.connection} · {st.table}: {count(len(st.rows), 'row')}{cols}{why}")  # noqa: T201
    return 0


def _execute(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.cli.commands.connection import ensure_password
    from privdesk.services import erasure as svc

    ctx = open_ctx(args)
    view = svc.get_plan(ctx, args.reference)
    if args.handled_outside:
        if args.confirm.strip().upper() != view.plan.reference.upper():
            raise ValidationError(f"To record it, confirm by typing the request reference {view.plan.reference} "
                                  "exactly.")
        progress = svc.record_handled_outside(ctx, args.reference, args.handled_outside, args.reason, _actor(args))
        if args.json:
            emit_json({"summary": progress, "connection": args.handled_outside, "state": svc.HANDLED})
        else:
            print(progress)  # noqa: T201
        return 0
    for conn in view.plan.connections:
        ensure_password(ctx, conn)
        w = svc.write_connection_for(ctx, conn)
        if w is not None and view.states.get(conn, {}).get("state") not in svc.DONE_STATES:
            ensure_password(ctx, w.name)
    result = svc.execute(ctx, args.reference, args.confirm, _actor(args))
    if args.json:
        emit_json(result.to_json())
    else:
        for o in result.outcomes:
            through = f" (through {o.through})" if o.through else ""
            rows = "" if o.earlier else f", {count(o.rows, 'row')}"
            print(f"{o.connection}{through}: {o.message}{rows}")  # noqa: T201
        print(result.summary)  # noqa: T201
    if not result.ok:
        sys.stderr.write(f"privdesk: {result.summary} Fix the cause and run the same command again: only the "
                         "connections not yet done run.\n")
        return 2
    return 0


def _verify(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.cli.commands.connection import ensure_password
    from privdesk.services import erasure as svc

    ctx = open_ctx(args)
    for conn in svc.get_plan(ctx, args.reference).plan.connections:
        ensure_password(ctx, conn)
    proof = svc.verify(ctx, args.reference, _actor(args))
    if args.json:
        emit_json(proof)
    else:
        for s in proof["steps"]:
            print(f"{s['action']:<7}{s['connection']} · {s['table']}: {count(s['rows'], 'row')} planned, "  # noqa: T201
                  f"{s['rows_left']} left — {'ok' if s['ok'] else '; '.join(s['problems'])}")
    if not proof["ok"]:
        sys.stderr.write(f"privdesk: the proof found {count(len(proof['problems']), 'problem')}: "
                         f"{json.dumps(proof['problems'][0], ensure_ascii=False)}\n")
        return 2
    return 0
