"""``privdesk request withhold REF --table T [--key JSON] [--column C] --ground G --reason TEXT``.

Kept apart from the ``request`` command module, which only hooks it in (one line), so the
withholding commands live beside their service.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from privdesk.cli.common import open_ctx


def register_under(rsub: Any, with_actor: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    w = with_actor(rsub.add_parser(
        "withhold", help="leave rows or a column of the attached search out of the reply (Art. 15(4))"))
    w.add_argument("reference")
    w.add_argument("--table", required=True, metavar="T", help="a table of the attached search (or CONNECTION/TABLE)")
    w.add_argument("--key", metavar="JSON", help='only the row with this key, e.g. \'{"id": 42}\'')
    w.add_argument("--column", default="", metavar="C", help="only this column (of every row, or of --key's row)")
    w.add_argument("--ground", required=True, metavar="G",
                   help="the law's ground, e.g. rights-of-others, legal-privilege, trade-secret")
    w.add_argument("--reason", required=True, metavar="TEXT", help="why, in your words (kept in the audit trail)")
    w.add_argument("--json", action="store_true")
    w.set_defaults(func=_withhold)


def _withhold(args: argparse.Namespace) -> int:
    from privdesk.cli import UserError, emit_json
    from privdesk.cli.common import actor as _actor
    from privdesk.services import withholding

    key = None
    if args.key is not None:
        try:
            key = json.loads(args.key)
        except ValueError as exc:
            raise UserError(f'--key must be a JSON object such as \'{{"id": 42}}\', not {args.key!r}.') from exc
        if not isinstance(key, dict):
            raise UserError(f'--key must be a JSON object such as \'{{"id": 42}}\', not {args.key!r}.')
    rule = withholding.add_withholding(open_ctx(args), args.reference, args.table, args.ground, args.reason,
                                       _actor(args), key=key, column=args.column)
    if args.json:
        emit_json({"id": rule.id, "connection": rule.connection, "table": rule.table, "key": rule.key,
                   "column": rule.column or None, "ground": rule.ground, "reason": rule.reason})
    else:
        print(f"withheld {rule.describe()} ({rule.ground})")  # noqa: T201
    return 0
