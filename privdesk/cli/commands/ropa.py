"""``privdesk ropa``: the record of processing activities (GDPR Art. 30) and its mapping onto the
connected tables.

    privdesk ropa list [--json]
    privdesk ropa show ACTIVITY [--json]
    privdesk ropa map CONNECTION TABLE ACTIVITY [--column C] [--remove]
    privdesk ropa unmapped [--json]
    privdesk ropa export -o FILE.pdf|FILE.csv
    privdesk ropa import FILE.csv [--json]
    privdesk ropa delete ACTIVITY
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from privdesk.cli.common import open_ctx


def register(sub: Any) -> None:
    from privdesk.cli.common import with_actor as _with_actor

    p = sub.add_parser("ropa", help="the record of processing activities (Art. 30) and its table mapping")
    rsub = p.add_subparsers(dest="ropa_command", metavar="ACTION", required=True)
    ls = rsub.add_parser("list", help="list the activities with their tables")
    ls.add_argument("--json", action="store_true", help="print a JSON list of activities")
    ls.set_defaults(func=_list)
    sh = rsub.add_parser("show", help="one activity in full")
    sh.add_argument("activity", help="its id (7 or ACT-7) or name")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=_show)
    m = _with_actor(rsub.add_parser("map", help="assign a connected table (or a column) to an activity"))
    m.add_argument("connection")
    m.add_argument("table")
    m.add_argument("activity", help="the activity's id (7 or ACT-7) or name")
    m.add_argument("--column", default="", help="map only this column of the table")
    m.add_argument("--remove", action="store_true", help="take the assignment back")
    m.set_defaults(func=_map)
    un = rsub.add_parser("unmapped", help="tables holding personal data that no activity covers (the to-do)")
    un.add_argument("--json", action="store_true")
    un.set_defaults(func=_unmapped)
    ex = _with_actor(rsub.add_parser("export", help="write the register as PDF or CSV (Art. 30(4))"))
    ex.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.pdf or FILE.csv")
    ex.set_defaults(func=_export)
    im = _with_actor(rsub.add_parser("import", help="add or update activities from a CSV file"))
    im.add_argument("file")
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=_import)
    de = _with_actor(rsub.add_parser("delete", help="remove an activity and its mappings"))
    de.add_argument("activity")
    de.set_defaults(func=_delete)


def _actor(args: argparse.Namespace) -> str:
    from privdesk.cli.common import actor

    return actor(args)


def _list(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import ropa

    activities = ropa.list_activities(open_ctx(args))
    if args.json:
        emit_json([a.to_json() for a in activities])
        return 0
    for a in activities:
        tables = ", ".join(a.tables) or "no tables mapped"
        print(f"ACT-{a.id:<4} {a.name:<32} {a.lawful_basis[:40]:<40} {tables}")  # noqa: T201
    if not activities:
        print("The register is empty. Import one with 'privdesk ropa import FILE.csv'.")  # noqa: T201
    return 0


def _show(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import ropa

    a = ropa.get_activity(open_ctx(args), args.activity)
    if args.json:
        emit_json(a.to_json())
        return 0
    for key, value in a.to_json().items():
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "; ".join(f"{v['country']}: {v['safeguard']}" if isinstance(v, dict) else str(v) for v in value)
        print(f"{key:<20}{value}")  # noqa: T201
    return 0


def _map(args: argparse.Namespace) -> int:
    from privdesk.services import ropa

    a = ropa.map_table(open_ctx(args), args.connection, args.table, args.activity, _actor(args),
                       column=args.column, remove=args.remove)
    from privdesk.domain.ropa import table_label

    what = table_label(args.connection, args.table, args.column)
    print(f"{what} {'no longer mapped to' if args.remove else 'mapped to'} ACT-{a.id} {a.name}")  # noqa: T201
    return 0


def _unmapped(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import ropa

    cov = ropa.coverage(open_ctx(args), introspect=True)
    for name in cov.not_introspected:
        sys.stderr.write(f"privdesk: the connection {name!r} could not be read; its tables are not listed.\n")
    if args.json:
        emit_json([t.to_json() for t in cov.unmapped])
        return 0
    for t in cov.unmapped:
        cols = ", ".join(t.personal_columns) or "rows of a person through a foreign key"
        print(f"{t.connection} · {t.table}: {cols}")  # noqa: T201
    print(f"{len(cov.unmapped)} tables with personal data are not mapped to an activity.")  # noqa: T201
    return 0


def _export(args: argparse.Namespace) -> int:
    from privdesk.services import ropa

    path = ropa.export_register(open_ctx(args), args.output, _actor(args))
    print(f"register written to {path}")  # noqa: T201
    return 0


def _import(args: argparse.Namespace) -> int:
    from privdesk.cli import UserError, emit_json
    from privdesk.services import ropa

    report = ropa.import_register(open_ctx(args), args.file, _actor(args))
    if args.json:
        emit_json(report.to_json())
    else:
        print(f"{len(report.created)} activities added, {len(report.updated)} updated, "  # noqa: T201
              f"{len(report.refused)} rows refused")
        for r in report.refused:
            print(f"  line {r.line} ({r.name or 'no name'}): {r.reason}")  # noqa: T201
        for note in report.skipped_mappings:
            print(f"  mapping not made: {note}")  # noqa: T201
    if report.refused:
        raise UserError(f"{len(report.refused)} rows of {args.file} were refused; correct them and import again.")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from privdesk.services import ropa

    ropa.delete_activity(open_ctx(args), args.activity, _actor(args))
    print("activity removed")  # noqa: T201
    return 0
