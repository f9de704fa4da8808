"""``privdesk settings`` and ``privdesk officer``: the organisation profile."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from privdesk.cli.common import open_ctx
from privdesk.services import settings as svc


def register(sub: Any) -> None:
    p = sub.add_parser("settings", help="show or change the organisation profile")
    ssub = p.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    show = ssub.add_parser("show", help="print every setting")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    show.set_defaults(func=_show)
    st = ssub.add_parser("set", help="change one setting (KEY VALUE), or 'logo PATH' ('logo -' removes it)")
    st.add_argument("key")
    st.add_argument("value")
    st.set_defaults(func=_set)

    o = sub.add_parser("officer", help="list, add or remove officers")
    osub = o.add_subparsers(dest="officer_command", metavar="ACTION", required=True)
    ol = osub.add_parser("list", help="list active officers")
    ol.add_argument("--json", action="store_true")
    ol.set_defaults(func=_officer_list)
    oa = osub.add_parser("add", help="add an officer")
    oa.add_argument("name")
    oa.add_argument("email")
    oa.add_argument("--role", choices=["officer", "manager"], default="officer")
    oa.set_defaults(func=_officer_add)
    orm = osub.add_parser("remove", help="deactivate an officer (past cases keep the name)")
    orm.add_argument("email")
    orm.set_defaults(func=_officer_remove)


def _show(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json

    ctx = open_ctx(args)
    values: dict[str, Any] = dict(svc.get_settings(ctx))
    officers = svc.list_officers(ctx)
    values["officers"] = [{"name": o.name, "email": o.email, "role": o.role} for o in officers]
    values["logo"] = svc.get_logo(ctx) is not None
    if args.json:
        emit_json(values)
    else:
        for key, value in values.items():
            if key == "officers":
                for o in officers:
                    print(f"officer             {o.name} <{o.email}> ({o.role})")  # noqa: T201
            else:
                print(f"{key:<20}{str(value).replace(chr(10), ', ')}")  # noqa: T201
    return 0


def _set(args: argparse.Namespace) -> int:
    ctx = open_ctx(args)
    if args.key == "logo":
        svc.set_logo(ctx, None if args.value == "-" else Path(args.value))
    else:
        svc.set_setting(ctx, args.key, args.value)
    return 0


def _officer_list(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json

    officers = svc.list_officers(open_ctx(args))
    if args.json:
        emit_json([{"id": o.id, "name": o.name, "email": o.email, "role": o.role} for o in officers])
    else:
        for o in officers:
            print(f"{o.name} <{o.email}> ({o.role})")  # noqa: T201
    return 0


def _officer_add(args: argparse.Namespace) -> int:
    o = svc.add_officer(open_ctx(args), args.name, args.email, args.role)
    print(o.id)  # noqa: T201
    return 0


def _officer_remove(args: argparse.Namespace) -> int:
    svc.remove_officer(open_ctx(args), args.email)
    return 0
