"""``privdesk breach legal REF``: the facts LGPD and California notices need (issue 10).

Security measures used (LGPD Art. 48 §1, III), whether we were the source and the identity-theft
services offered (Cal. Civ. Code 1798.82(d)(2)(G)), the owner of data we only maintain (1798.82(b))
and permitted delays with their reason (1798.82(a), (c)).
"""

from __future__ import annotations

import argparse
from typing import Any

from privdesk.cli.common import actor as cli_actor
from privdesk.cli.common import open_ctx


def register_into(bs: Any) -> None:
    """Add the ``legal`` action to the ``breach`` command's sub-parsers."""
    from privdesk.domain.breach_legal import DELAYS

    p = bs.add_parser("legal", help="record or show the facts LGPD and California notices need")
    p.add_argument("reference")
    p.add_argument("--security-measures", metavar="TEXT",
                   help="technical and security measures used to protect the data (LGPD Art. 48 §1, III)")
    p.add_argument("--source", choices=("yes", "no"), help="we were the source of the breach (1798.82(d)(2)(G))")
    p.add_argument("--identity-services", metavar="TEXT", help="the offer: provider, how to enrol, code")
    p.add_argument("--service-months", type=int, metavar="N", help="months of identity-theft services (at least 12)")
    p.add_argument("--owner", metavar="NAME", help="owner or licensee of data we maintain for them (1798.82(b))")
    p.add_argument("--owner-notified", metavar="TIMESTAMP", help="when the owner was told")
    p.add_argument("--delay", action="append", choices=list(DELAYS), metavar="KIND",
                   help=f"a permitted delay of the notice, repeatable: {', '.join(DELAYS)}")
    p.add_argument("--no-delay", action="store_true", help="clear the recorded delays and their reason")
    p.add_argument("--delay-reason", metavar="TEXT", help="why the notice was delayed")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="actor", metavar="EMAIL")
    p.set_defaults(func=_legal)


def _legal(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.domain import breach_legal as legal
    from privdesk.services import breaches as svc

    ctx = open_ctx(args)
    changes: dict[str, Any] = {}
    for option, key in (("security_measures", "security_measures"), ("identity_services", "identity_services"),
                        ("service_months", "service_months"), ("owner", "data_owner"),
                        ("owner_notified", "owner_notified_at"), ("delay_reason", "delay_reason")):
        if getattr(args, option) is not None:
            changes[key] = getattr(args, option)
    if args.source is not None:
        changes["was_source"] = args.source == "yes"
    if args.delay:
        changes["delays"] = tuple(args.delay)
    if args.no_delay:
        changes.update(delays=(), delay_reason="")
    actor = cli_actor(args)
    facts = svc.set_legal(ctx, args.reference, actor, **changes) if changes else svc.get_legal(ctx, args.reference)
    if args.json:
        emit_json({
            "security_measures": facts.security_measures, "was_source": facts.was_source,
            "identity_services": facts.identity_services, "service_months": facts.service_months,
            "data_owner": facts.data_owner,
            "owner_notified_at": facts.owner_notified_at.isoformat() if facts.owner_notified_at else None,
            "delays": list(facts.delays), "delay_reason": facts.delay_reason,
            "owner_notice": legal.owner_notice(facts),
        })
        return 0
    rows = [("Security measures", facts.security_measures), ("We were the source", "yes" if facts.was_source else "no"),
            ("Identity-theft services", facts.identity_services),
            ("Months offered", str(facts.service_months) if facts.service_months else ""),
            ("Owner of the data", legal.owner_notice(facts)), ("Delays", facts.delay_text())]
    for label, value in rows:
        print(f"{label + ':':<26}{value or '—'}")  # noqa: T201
    return 0
