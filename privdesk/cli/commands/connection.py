"""``privdesk connection``: register, test and review the company databases to search."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from privdesk.cli.common import actor as cli_actor
from privdesk.cli.common import open_ctx, read_secret_stdin
from privdesk.discovery.errors import ConnectionFailed, PasswordNeeded
from privdesk.errors import ValidationError

T = TypeVar("T")


def register(sub: Any) -> None:
    p = sub.add_parser("connection", help="company databases to search for a subject")
    csub = p.add_subparsers(dest="connection_command", metavar="ACTION", required=True)

    add = csub.add_parser("add", help="register a database (NAME URL); the password goes to the keyring")
    add.add_argument("name")
    add.add_argument("url", help="e.g. postgresql://user@host/db, mysql://user@host/db, sqlite:////path/file.db")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--options", metavar="JSON", help='options as JSON, e.g. {"statement_timeout_s": 20}')
    add.add_argument("--write-for", metavar="READ_CONNECTION",
                     help="a write connection for that database: the only way PrivDesk executes a change plan")
    add.set_defaults(func=_add)

    ls = csub.add_parser("list", help="list registered connections")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)

    test = csub.add_parser("test", help="connect read-only and report within 5 s")
    test.add_argument("name")
    test.add_argument("--json", action="store_true")
    test.set_defaults(func=_test)

    rm = csub.add_parser("remove", help="forget a connection, its map and its saved password (and its write connection)")
    rm.add_argument("name")
    rm.add_argument("--as", dest="actor", metavar="EMAIL", help="who removes it (for the audit trail)")
    rm.set_defaults(func=_remove)

    mp = csub.add_parser("map", help="show the identifier map (which columns hold which identifiers)")
    mp.add_argument("name")
    mp.add_argument("--json", action="store_true")
    mp.add_argument("--refresh", action="store_true", help="introspect the database again")
    mp.set_defaults(func=_map)

    ov = csub.add_parser("override", help="set the identifier kind of a column (KIND 'none': not an "
                                          "identifier; 'auto': automatic again)")
    ov.add_argument("name")
    ov.add_argument("table")
    ov.add_argument("column")
    ov.add_argument("kind")
    ov.set_defaults(func=_override)

    lk = csub.add_parser("links", help="links between tables: declared, proposed, accepted, rejected; "
                                       "accept, reject or add them")
    lk.add_argument("name")
    lk.add_argument("--json", action="store_true")
    lk.add_argument("--accept", action="append", default=[], metavar="ID", help="accept a proposed link (repeatable)")
    lk.add_argument("--reject", action="append", default=[], metavar="ID", help="reject a link (repeatable)")
    lk.add_argument("--add", nargs=2, action="append", default=[], metavar=("FROM_TABLE.COL", "TO_TABLE.COL"),
                    help="add a link by hand: FROM_TABLE.COL refers to TO_TABLE.COL")
    lk.add_argument("--accept-all", action="store_true", help="accept every proposal (at least --min-score)")
    lk.add_argument("--min-score", type=float, default=None, metavar="S",
                    help="with --accept-all: only proposals scoring at least S (0 to 1)")
    lk.add_argument("--as", dest="actor", metavar="EMAIL", help="who decides (for the audit trail)")
    lk.set_defaults(func=_links)

    role = csub.add_parser("role", help="override a table's role: person, personal, catalogue ('auto': automatic)")
    role.add_argument("name")
    role.add_argument("table")
    role.add_argument("role")
    role.add_argument("--as", dest="actor", metavar="EMAIL", help="who decides (for the audit trail)")
    role.set_defaults(func=_role)

    imp = csub.add_parser("import-dataset", help="read a fides dataset file (YAML) into the map and links")
    imp.add_argument("name")
    imp.add_argument("file")
    imp.add_argument("--as", dest="actor", metavar="EMAIL", help="who imports (for the audit trail)")
    imp.set_defaults(func=_import_dataset)

    exp = csub.add_parser("export-dataset", help="write the map and links as a fides dataset file (YAML)")
    exp.add_argument("name")
    exp.add_argument("-o", "--output", required=True, metavar="FILE.yml")
    exp.set_defaults(func=_export_dataset)

    ex = csub.add_parser("exclude", help="leave a table out of searches (--include to undo)")
    ex.add_argument("name")
    ex.add_argument("table")
    ex.add_argument("--include", action="store_true")
    ex.set_defaults(func=_exclude)

    er = csub.add_parser("erasure", help="what erasure and opt-out do with a table's rows (saved per connection)")
    er.add_argument("name")
    er.add_argument("table")
    er.add_argument("--action", choices=("delete", "mask", "keep", "auto"), help="erasure: delete, mask or keep")
    er.add_argument("--mask", action="append", default=[], metavar="COLUMN=STRATEGY",
                    help="null, hash, random or fixed:TEXT (repeatable)")
    er.add_argument("--reason", default="", help="why rows are kept or masked, e.g. a retention duty")
    er.add_argument("--optout", choices=("delete", "update"), help="opt-out: delete the row or set columns")
    er.add_argument("--optout-set", action="append", default=[], metavar="COLUMN=VALUE")
    er.add_argument("--clear", action="store_true", help="forget the table's settings")
    er.add_argument("--as", dest="actor", metavar="EMAIL", help="who is acting, for the audit trail")
    er.set_defaults(func=_erasure)


def _add(args: argparse.Namespace) -> int:
    from privdesk.services import discovery as svc

    password = read_secret_stdin() if args.password_stdin else None
    options: dict[str, Any] = {}
    if args.options:
        try:
            options = json.loads(args.options)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"--options is not valid JSON: {exc.msg}.") from exc
        if not isinstance(options, dict):
            raise ValidationError("--options must be a JSON object.")
    if args.write_for:
        options["write_for"] = args.write_for
    info = svc.add_connection(open_ctx(args), args.name, args.url, password, options)
    if info.warning:
        sys.stderr.write(f"privdesk: {info.warning}\n")
    print(f"Connection {info.name!r} added: {info.url}")  # noqa: T201
    return 0


def _list(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import discovery as svc

    conns = svc.list_connections(open_ctx(args))
    if args.json:
        emit_json([c.to_json() for c in conns])
    else:
        for c in conns:
            print(f"{c.name:<24}{c.url}")  # noqa: T201
    return 0


def ensure_password(ctx: Any, name: str) -> None:
    """Without a keyring, ask for the password on the terminal (kept for this process only)."""
    from privdesk.services import discovery as svc

    try:
        svc.require_password(ctx, name)
    except PasswordNeeded as exc:
        ask_password(exc)


def ask_password(exc: PasswordNeeded) -> None:
    """Ask on the terminal for the password a server refused a login without, and keep it for
    this process only (never the keyring, never a log); without a terminal, re-raise ``exc``
    (the one-line message and exit 2 of any user error: a script must not hang on a prompt)."""
    from privdesk.services import discovery as svc

    if not sys.stdin.isatty():
        raise exc
    sys.stderr.write(f"privdesk: {exc.message}\n")
    svc.set_password(exc.connection, getpass.getpass(f"Password for {exc.connection}: "), session_only=True)


def with_passwords(run: Callable[[], T]) -> T:
    """``run()``, asking for a connection's password each time it stops because a server
    refused a login without one (:func:`ask_password`), then running it again. For commands
    that search only when their input calls for it, so nobody is asked for nothing."""
    asked: set[str] = set()
    while True:
        try:
            return run()
        except PasswordNeeded as exc:
            if exc.connection in asked:  # kept for the session, yet asked again: do not loop
                raise
            asked.add(exc.connection)
            ask_password(exc)


def _test(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import discovery as svc

    ctx = open_ctx(args)
    ensure_password(ctx, args.name)
    result = svc.test_connection(ctx, args.name)
    if args.json:
        emit_json({"ok": result.ok, "message": result.message, "elapsed_s": round(result.elapsed_s, 3)})
        return 0 if result.ok else 2
    if not result.ok:
        raise ConnectionFailed(result.message)
    print(result.message)  # noqa: T201
    return 0


def _remove(args: argparse.Namespace) -> int:
    from privdesk.services import discovery as svc

    ctx = open_ctx(args)
    removed = svc.remove_connection(ctx, args.name, cli_actor(args))
    print(removed.sentence())  # noqa: T201
    return 0


def _map(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.discovery.classify import KIND_LABELS
    from privdesk.services import discovery as svc

    ctx = open_ctx(args)
    ensure_password(ctx, args.name)
    cmap = svc.get_map(ctx, args.name, refresh=args.refresh)
    if args.json:
        emit_json(cmap.to_json())
        return 0
    from privdesk.discovery.ownership import TABLE_ROLE_LABELS

    for t in cmap.tables:
        flag = "  (excluded)" if t.excluded else ""
        role = TABLE_ROLE_LABELS.get(t.role.role, t.role.role) + (", set by the officer" if t.role.source == "override" else "")
        print(f"{t.table}  [{role}]{flag}")  # noqa: T201
        for c in t.columns:
            if c.kind:
                idx = "indexed" if c.indexed else "no index"
                print(f"    {c.column:<28}{KIND_LABELS.get(c.kind, c.kind):<16}{c.source or '':<10}{idx}")  # noqa: T201
    return 0


def _override(args: argparse.Namespace) -> int:
    from privdesk.services import discovery as svc

    ctx = open_ctx(args)
    svc.set_column_kind(ctx, args.name, args.table, args.column, None if args.kind == "auto" else args.kind)
    return 0


def _exclude(args: argparse.Namespace) -> int:
    from privdesk.services import discovery as svc

    svc.set_table_excluded(open_ctx(args), args.name, args.table, not args.include)
    return 0


def _links(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.discovery.links import THRESHOLD
    from privdesk.services import links as lsvc

    ctx = open_ctx(args)
    ensure_password(ctx, args.name)
    actor = cli_actor(args)
    if args.min_score is not None and not args.accept_all:
        raise ValidationError("--min-score goes with --accept-all.")
    acted = bool(args.accept or args.reject or args.add or args.accept_all)
    for from_ref, to_ref in args.add:
        lsvc.add_link(ctx, args.name, from_ref, to_ref, actor)
    lsvc.accept_links(ctx, args.name, args.accept, actor)
    lsvc.reject_links(ctx, args.name, args.reject, actor)
    if args.accept_all:
        lsvc.accept_all(ctx, args.name, actor, THRESHOLD if args.min_score is None else args.min_score)
    result = lsvc.list_links(ctx, args.name, infer=not acted)
    if args.json:
        emit_json(result.to_json())
        return 0
    for lk in result.links:
        score = "" if lk.score is None else f"  score {lk.score:.2f}"
        broken = f"  BROKEN: {lk.evidence['broken']}" if "broken" in lk.evidence else ""
        print(f"{lk.status:<9} {lk.id}{score}{broken}")  # noqa: T201
    return 0


def _role(args: argparse.Namespace) -> int:
    from privdesk.services import links as lsvc

    ctx = open_ctx(args)
    lsvc.set_table_role(ctx, args.name, args.table, None if args.role == "auto" else args.role,
                        cli_actor(args))
    return 0


def _import_dataset(args: argparse.Namespace) -> int:
    from privdesk.services import datasets

    ctx = open_ctx(args)
    ensure_password(ctx, args.name)
    summary = datasets.import_dataset(ctx, args.name, args.file, cli_actor(args))
    print(summary.sentence())  # noqa: T201
    return 0


def _export_dataset(args: argparse.Namespace) -> int:
    from privdesk.services import datasets

    ctx = open_ctx(args)
    ensure_password(ctx, args.name)
    path = datasets.export_dataset(ctx, args.name, args.output)
    print(f"Dataset written to {path}")  # noqa: T201
    return 0


def _erasure(args: argparse.Namespace) -> int:
    from privdesk.cli.commands.plan import _actor, _pairs
    from privdesk.domain.erasure import Mask, TableDefault
    from privdesk.services import erasure as svc

    ctx = open_ctx(args)
    if args.clear:
        svc.set_table_default(ctx, args.name, args.table, None, _actor(args))
        return 0
    masks: dict[str, Mask] = {}
    for m in args.mask:
        col, sep, spec = m.partition("=")
        if not sep or not col.strip():
            raise ValidationError(f"--mask {m!r} is not COLUMN=STRATEGY (e.g. name=null, email=hash).")
        masks[col.strip()] = Mask.parse(spec)
    optout_set: dict[str, Any] = {}
    for pair in args.optout_set:
        optout_set.update(_pairs(pair, "--optout-set"))
    action = "" if args.action in (None, "auto") else args.action
    if masks and not action:
        action = "mask"
    default = TableDefault(action, masks, args.reason, args.optout or "", optout_set)
    svc.set_table_default(ctx, args.name, args.table, default, _actor(args))
    return 0
