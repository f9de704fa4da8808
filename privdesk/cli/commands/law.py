"""``privdesk law``: the law files in force, every rule with its value, citation and review date.

The shipped files are a starting point a legal team must check; ``law show`` prints what to check.
An organisation's own file (a company policy, or a law PrivDesk does not ship) is added with
``law add FILE``: validated like the shipped files, refused with its line and reason, never
replacing a shipped law.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from privdesk.cli.common import open_ctx


def register(sub: Any) -> None:
    p = sub.add_parser("law", help="the law files: list, show every rule with its citation, add your own")
    ls = p.add_subparsers(dest="law_command", metavar="ACTION", required=True)

    lst = ls.add_parser("list", help="every law in force, with its review date and origin")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)

    show = ls.add_parser("show", help="every rule of one law with its value and citation")
    show.add_argument("law", metavar="LAW")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)

    add = ls.add_parser("add", help="add the organisation's own law file (checked like the shipped ones)")
    add.add_argument("file", type=Path, metavar="FILE.toml")
    add.add_argument("--replace", action="store_true", help="replace the organisation's file of the same id")
    add.set_defaults(func=_add)

    rm = ls.add_parser("remove", help="remove one of the organisation's own law files")
    rm.add_argument("law", metavar="LAW")
    rm.set_defaults(func=_remove)


def _list(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services.law_files import list_laws

    listing = list_laws(open_ctx(args))
    if args.json:
        emit_json({
            "laws": [{"id": r.id, "name": r.name, "short_name": r.short_name, "jurisdiction": r.jurisdiction,
                      "origin": r.origin, "reviewed": r.reviewed, "sources": list(r.sources)}
                     for r in listing.laws],
            "refused": list(listing.problems),
        })
        return 0
    for r in listing.laws:
        print(f"{r.id:<14} {r.short_name:<10} reviewed {r.reviewed}  {r.origin:<12} {r.name}")  # noqa: T201
    for problem in listing.problems:
        print(f"refused: {problem}")  # noqa: T201
    return 0


def _show(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.domain.law_summary import law_json
    from privdesk.services.law_files import show_law

    rule, rows = show_law(open_ctx(args), args.law)
    if args.json:
        emit_json(law_json(rule))
        return 0
    print(f"{rule.name} ({rule.short_name}, {rule.jurisdiction}); {rule.origin} file, "  # noqa: T201
          f"reviewed {rule.reviewed}")
    for row in rows:
        value = f"{row.value}  " if row.value else ""
        print(f"  {row.key:<32} {value}[{row.citation}]")  # noqa: T201
    print("Sources:")  # noqa: T201
    for source in rule.sources:
        print(f"  - {source}")  # noqa: T201
    return 0


def _add(args: argparse.Namespace) -> int:
    from privdesk.services.law_files import add_law_file

    rule = add_law_file(open_ctx(args), args.file, replace=args.replace)
    print(f"{rule.id}: {rule.name} added (reviewed {rule.reviewed})")  # noqa: T201
    return 0


def _remove(args: argparse.Namespace) -> int:
    from privdesk.services.law_files import remove_law_file

    remove_law_file(open_ctx(args), args.law)
    print(f"{args.law} removed")  # noqa: T201
    return 0
