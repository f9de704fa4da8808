"""``privdesk request``: open, list, show and work rights requests from the command line.

Every action takes ``--as EMAIL`` (who did it, for the audit trail); without it the operating
system's user name is recorded.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from typing import Any

from privdesk.cli.common import actor as _actor
from privdesk.cli.common import open_ctx, terminal_safe, with_actor
from privdesk.services import requests as svc


def _with_actor(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--as`` and ``--expect-version``: for the actions that change one existing request."""
    return with_actor(p, versioned=True)


def register(sub: Any) -> None:
    p = sub.add_parser("request", help="open, list and work rights requests")
    rsub = p.add_subparsers(dest="request_command", metavar="ACTION", required=True)

    add = with_actor(rsub.add_parser("add", help="open a new request; prints its reference"))
    add.add_argument("--type", required=True, help="access, rectification, erasure, restriction, "
                     "objection, opt-out or portability")
    add.add_argument("--law", required=True, help="gdpr, uk-gdpr, ccpa, lgpd, vcdpa, cpa, ...")
    add.add_argument("--received", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--name", required=True, help="the data subject's name")
    add.add_argument("--email", action="append", default=[], help="e-mail (repeatable)")
    add.add_argument("--phone", action="append", default=[], help="phone number (repeatable)")
    add.add_argument("--customer-id", action="append", default=[], help="customer id (repeatable)")
    add.add_argument("--channel", default="email", help="email, web_form, letter or phone")
    add.add_argument("--address", default="", help="postal address")
    add.add_argument("--requester", default="", help="who asks on the subject's behalf")
    add.add_argument("--assign", metavar="OFFICER_EMAIL", help="assign to this officer")
    add.add_argument("--country", default="", help="holiday country for this request (overrides settings)")
    add.add_argument("--subdivision", default="", help="holiday subdivision for this request")
    add.add_argument("--notes", default="")
    add.add_argument("--json", action="store_true", help="print the new request as JSON")
    add.set_defaults(func=_add)

    ls = rsub.add_parser("list", help="list requests (most urgent first)")
    ls.add_argument("--status", action="append", default=[], help="only this status (repeatable)")
    ls.add_argument("--type", action="append", default=[], help="only this type (repeatable)")
    ls.add_argument("--law", action="append", default=[], help="only this law (repeatable)")
    ls.add_argument("--overdue", action="store_true", help="only open requests past their deadline")
    ls.add_argument("--due-within", type=int, metavar="DAYS", help="only open requests due within DAYS")
    ls.add_argument("--open", action="store_true", help="only open requests")
    ls.add_argument("--search", default="", help="free text over reference, subject and e-mail")
    ls.add_argument("--assignee", metavar="OFFICER_EMAIL")
    ls.add_argument("--sort", default="deadline", choices=sorted(svc.SORT_COLUMNS))
    ls.add_argument("--desc", action="store_true")
    ls.add_argument("--limit", type=int, default=None)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)

    show = rsub.add_parser("show", help="everything about one request")
    show.add_argument("reference")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)

    v = _with_actor(rsub.add_parser("verify", help="record the identity check"))
    v.add_argument("reference")
    v.add_argument("--on", metavar="YYYY-MM-DD", help="day the proof of identity arrived (default today)")
    v.add_argument("--failed", action="store_true", help="identity could not be verified")
    v.add_argument("--start", action="store_true", help="only start verification (status verifying)")
    v.set_defaults(func=_verify)

    a = _with_actor(rsub.add_parser("assign", help="assign to an officer ('-' unassigns)"))
    a.add_argument("reference")
    a.add_argument("officer", metavar="OFFICER_EMAIL")
    a.set_defaults(func=_assign)

    e = _with_actor(rsub.add_parser("extend", help="extend the deadline (reason required)"))
    e.add_argument("reference")
    e.add_argument("--reason", required=True)
    e.set_defaults(func=_extend)

    for name, helptext in (("complete", "close as answered"), ("deny", "close as refused")):
        c = _with_actor(rsub.add_parser(name, help=f"{helptext} (reason required)"))
        c.add_argument("reference")
        c.add_argument("--reason", required=True)
        c.add_argument("--outcome", default="", help="what was sent or done")
        c.set_defaults(func=_decide, decision=name)

    w = _with_actor(rsub.add_parser("withdraw", help="the subject withdrew the request"))
    w.add_argument("reference")
    w.add_argument("--reason", default="")
    w.set_defaults(func=_withdraw)

    st = _with_actor(rsub.add_parser("status", help="move to any status the workflow allows"))
    st.add_argument("reference")
    st.add_argument("status")
    st.add_argument("--reason", default="")
    st.set_defaults(func=_status)

    ed = _with_actor(rsub.add_parser("edit", help="correct or complete the subject's details"))
    ed.add_argument("reference")
    ed.add_argument("--name")
    ed.add_argument("--address")
    ed.add_argument("--requester")
    ed.add_argument("--add-email", action="append", default=[])
    ed.add_argument("--add-phone", action="append", default=[])
    ed.add_argument("--add-customer-id", action="append", default=[])
    ed.add_argument("--remove", action="append", default=[], metavar="IDENTIFIER")
    ed.set_defaults(func=_edit)

    pz = _with_actor(rsub.add_parser("pause", help="stop the clock (waiting for a clarification), where the law allows"))
    pz.add_argument("reference")
    pz.add_argument("--reason", required=True)
    pz.add_argument("--on", metavar="YYYY-MM-DD", help="day the clock stopped (default today)")
    pz.set_defaults(func=_pause)
    rs = _with_actor(rsub.add_parser("resume", help="start the clock again (the answer arrived)"))
    rs.add_argument("reference")
    rs.add_argument("--on", metavar="YYYY-MM-DD", help="day the answer arrived (default today)")
    rs.set_defaults(func=_resume)

    n = _with_actor(rsub.add_parser("note", help="add a note"))
    n.add_argument("reference")
    n.add_argument("text")
    n.set_defaults(func=_note)

    at = _with_actor(rsub.add_parser("attach", help="attach a file (copied into the data folder)"))
    at.add_argument("reference")
    at.add_argument("file")
    at.set_defaults(func=_attach)

    m = _with_actor(rsub.add_parser("merge", help="merge a duplicate into another request"))
    m.add_argument("reference", help="the duplicate")
    m.add_argument("into", help="the request that continues")
    m.set_defaults(func=_merge)

    imp = with_actor(rsub.add_parser("import", help="import requests from a CSV file or .eml messages"))
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                     help="CSV column for a field (name, email, phone, type, law, received, ...)")
    imp.add_argument("--law", default="", help="law for rows or messages that do not say")
    imp.add_argument("--type", default="", help="type for rows or messages that do not say")
    imp.add_argument("--channel", default="", help="channel for rows that do not say")
    imp.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    imp.set_defaults(func=_import)

    ex = rsub.add_parser("export", help="write the request log as CSV (record-keeping)")
    ex.add_argument("file")
    ex.add_argument("--status", action="append", default=[])
    ex.set_defaults(func=_export)

    from privdesk.cli.withhold import register_under

    register_under(rsub, with_actor)
    ap = with_actor(rsub.add_parser("appeal", help="open the appeal of a refused request (VCDPA, CPA); prints its reference"))
    ap.add_argument("reference", metavar="REF", help="the refused request")
    ap.add_argument("--received", required=True, metavar="YYYY-MM-DD", help="when the appeal arrived")
    ap.add_argument("--notes", default="", help="what the consumer wrote")
    ap.set_defaults(func=_appeal)


def _appeal(args: argparse.Namespace) -> int:
    from privdesk.services.requests.legal import open_appeal

    d = open_appeal(open_ctx(args), args.reference, args.received, _actor(args), args.notes)
    print(f"{d.reference} (appeal of {args.reference.strip().upper()}, due {d.deadline.isoformat()})")  # noqa: T201
    return 0


def _row_json(r: svc.RequestRow, today: date) -> dict[str, Any]:
    return {"reference": r.reference, "subject": r.subject_name, "email": r.primary_email or None,
            "type": r.type, "law": r.law, "received": r.received.isoformat(),
            "due": r.deadline.isoformat(), "days_left": r.days_left(today) if r.is_open else None,
            "status": r.status,
            "assignee": r.assignee_name or None, "paused": r.paused}


def _print_detail(d: svc.RequestDetail, as_json: bool, ctx: Any = None) -> None:
    from privdesk.cli import emit_json
    from privdesk.services.requests.legal import detail_json

    data = detail_json(ctx, d) if ctx is not None else d.to_json()
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v.get("filename", v)) if isinstance(v, dict) else str(v) for v in value)
        shown = terminal_safe(value, keep_newlines=True).replace(chr(10), chr(10) + " " * 18)
        print(f"{key:<18}{shown}")  # noqa: T201


def _add(args: argparse.Namespace) -> int:
    ctx = open_ctx(args)
    assignee = svc.officer_id_by_email(ctx, args.assign) if args.assign else None
    new = svc.NewRequest(
        type=args.type, law=args.law, received=args.received, name=args.name,
        emails=tuple(args.email), phones=tuple(args.phone), customer_ids=tuple(args.customer_id),
        channel=args.channel, address=args.address, requester=args.requester, notes=args.notes,
        assignee_id=assignee, holiday_country=args.country, holiday_subdivision=args.subdivision)
    result = svc.open_request(ctx, new, _actor(args))
    for dup in result.duplicates:
        sys.stderr.write(f"privdesk: possible duplicate of open request {dup.reference} "
                         f"({dup.status}); merge with 'privdesk request merge {result.reference} "
                         f"{dup.reference}'\n")
    if args.json:
        _print_detail(result.request, True)
    else:
        print(result.reference)  # noqa: T201
    return 0


def _list(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.domain.requests import RequestType, Status

    ctx = open_ctx(args)
    q = svc.RequestQuery(
        text=args.search, statuses=tuple(Status.parse(s).value for s in args.status),
        types=tuple(RequestType.parse(t).value for t in args.type),
        laws=tuple(_law_id(lw) for lw in args.law),
        assignee_id=svc.officer_id_by_email(ctx, args.assignee) if args.assignee else None,
        due_within=args.due_within, overdue=args.overdue, open_only=args.open,
        sort=args.sort, descending=args.desc)
    today = date.today()
    rows = svc.list_requests(ctx, q, limit=args.limit, today=today)
    if args.json:
        emit_json([_row_json(r, today) for r in rows])
        return 0
    try:
        for r in rows:
            left = r.days_left(today)
            when = ("closed" if not r.is_open else "paused" if r.paused
                    else f"{-left}d overdue" if left < 0 else f"{left}d left")
            print(f"{r.reference:<15} {r.deadline.isoformat()}  {when:<12} {r.status:<12} "  # noqa: T201
                  f"{r.type:<13} {r.law:<8} {terminal_safe(r.subject_name)}  {terminal_safe(r.assignee_name)}")
        sys.stdout.flush()
    except BrokenPipeError:
        # `privdesk request list | head`: the reader has gone; that is not an error.
        # https://docs.python.org/3/library/signal.html#note-on-sigpipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


def _law_id(text: str) -> str:
    from privdesk.domain.laws import get_law

    return get_law(text).id


def _show(args: argparse.Namespace) -> int:
    ctx = open_ctx(args)
    _print_detail(svc.get_request(ctx, args.reference), args.json, ctx)
    return 0


def _verify(args: argparse.Namespace) -> int:
    ctx = open_ctx(args)
    if args.start:
        d = svc.start_verification(ctx, args.reference, _actor(args), args.expect_version)
    else:
        d = svc.verify_identity(ctx, args.reference, _actor(args), on=args.on, failed=args.failed,
                                expected_version=args.expect_version)
    print(f"{d.reference} {d.status}, identity {d.verification}, due {d.deadline.isoformat()}")  # noqa: T201
    return 0


def _assign(args: argparse.Namespace) -> int:
    ctx = open_ctx(args)
    officer = None if args.officer == "-" else svc.officer_id_by_email(ctx, args.officer)
    d = svc.assign(ctx, args.reference, officer, _actor(args), args.expect_version)
    print(f"{d.reference} assigned to {d.assignee_name}" if d.assignee_name  # noqa: T201
          else f"{d.reference}: Unassigned")
    return 0


def _extend(args: argparse.Namespace) -> int:
    d = svc.extend(open_ctx(args), args.reference, args.reason, _actor(args), args.expect_version)
    print(f"{d.reference} extended; now due {d.deadline.isoformat()}")  # noqa: T201
    return 0


def _decide(args: argparse.Namespace) -> int:
    fn = svc.complete if args.decision == "complete" else svc.deny
    d = fn(open_ctx(args), args.reference, args.reason, _actor(args), outcome=args.outcome,
           expected_version=args.expect_version)
    print(f"{d.reference} {d.status} by {d.decided_by}")  # noqa: T201
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    d = svc.withdraw(open_ctx(args), args.reference, _actor(args), args.reason, args.expect_version)
    print(f"{d.reference} {d.status}")  # noqa: T201
    return 0


def _status(args: argparse.Namespace) -> int:
    d = svc.change_status(open_ctx(args), args.reference, args.status, _actor(args), args.reason,
                          args.expect_version)
    print(f"{d.reference} {d.status}")  # noqa: T201
    return 0


def _edit(args: argparse.Namespace) -> int:
    d = svc.update_subject(open_ctx(args), args.reference, _actor(args), name=args.name,
                           address=args.address, requester=args.requester, add_emails=args.add_email,
                           add_phones=args.add_phone, add_customer_ids=args.add_customer_id,
                           remove=args.remove, expected_version=args.expect_version)
    print(terminal_safe(f"{d.reference} {d.subject_name}: {', '.join(i.value for i in d.identifiers)}"))  # noqa: T201
    return 0


def _pause(args: argparse.Namespace) -> int:
    d = svc.pause_clock(open_ctx(args), args.reference, args.reason, _actor(args), on=args.on,
                        expected_version=args.expect_version)
    print(f"{d.reference} clock stopped since {d.paused_since}")  # noqa: T201
    return 0


def _resume(args: argparse.Namespace) -> int:
    d = svc.resume_clock(open_ctx(args), args.reference, _actor(args), on=args.on,
                         expected_version=args.expect_version)
    print(f"{d.reference} clock running; due {d.deadline.isoformat()}")  # noqa: T201
    return 0


def _note(args: argparse.Namespace) -> int:
    svc.add_note(open_ctx(args), args.reference, args.text, _actor(args), args.expect_version)
    return 0


def _attach(args: argparse.Namespace) -> int:
    d = svc.attach_file(open_ctx(args), args.reference, args.file, _actor(args),
                        expected_version=args.expect_version)
    a = d.attachments[-1]
    print(f"{a.filename} sha256:{a.sha256}")  # noqa: T201
    return 0


def _merge(args: argparse.Namespace) -> int:
    d = svc.merge_duplicate(open_ctx(args), args.reference, args.into, _actor(args), args.expect_version)
    print(f"{args.reference.upper()} merged into {d.reference}")  # noqa: T201
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from privdesk.cli import UserError
    from privdesk.services import intake

    ctx = open_ctx(args)
    mapping: dict[str, str] = {}
    for item in args.map:
        field, sep, column = item.partition("=")
        if not sep or not field.strip():
            raise UserError(f"--map {item!r}: write it as FIELD=COLUMN, e.g. --map email='E-mail address'.")
        mapping[field.strip()] = column.strip()
    paths = [Path(f) for f in args.files]
    eml = [p for p in paths if p.suffix.lower() == ".eml"]
    csvs = [p for p in paths if p.suffix.lower() != ".eml"]
    if eml and csvs:
        raise UserError("Import CSV files and .eml messages in separate runs.")
    defaults = intake.ImportDefaults(law=args.law, type=args.type, channel=args.channel)
    if eml:
        result = intake.import_eml(ctx, eml, _actor(args), defaults, dry_run=args.dry_run)
    else:
        if len(csvs) != 1:
            raise UserError("Import one CSV file at a time.")
        result = intake.import_csv(ctx, csvs[0], _actor(args), mapping or None, defaults,
                                   dry_run=args.dry_run)
    for ref in result.references:
        print(ref)  # noqa: T201
    for note in result.notes:
        sys.stderr.write(f"privdesk: {note}\n")
    if args.dry_run:
        print(f"{result.rows} rows checked, nothing written")  # noqa: T201
    return 0


def _export(args: argparse.Namespace) -> int:
    from privdesk.domain.requests import Status

    q = svc.RequestQuery(statuses=tuple(Status.parse(s).value for s in args.status))
    n = svc.export_log(open_ctx(args), args.file, q)
    print(f"{n} requests written to {args.file}")  # noqa: T201
    return 0
