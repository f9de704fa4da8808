"""``privdesk breach``: the breach register, affected people and notices from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from privdesk.cli.common import actor as _actor
from privdesk.cli.common import include_candidates_option, open_ctx, terminal_safe

_AWARE_HELP = ("when the organisation became aware: YYYY-MM-DD HH:MM in the organisation's time "
               "zone (setting org.timezone, else TZ or this computer's zone; stored with the "
               "record), or ISO 8601 with an offset such as 2026-12-01T19:57+01:00")



def _record_options(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--title", required=required, help="a few words naming the breach")
    p.add_argument("--aware", required=required, metavar="TIMESTAMP", help=_AWARE_HELP)
    p.add_argument("--nature", required=required, metavar="N",
                   help="confidentiality, integrity and/or availability (comma-separated)")
    p.add_argument("--description", required=required, metavar="D", help="what happened and how")
    p.add_argument("--data-categories", metavar="C1,C2",
                   help="categories of personal data; special categories (health, religion, ...) are flagged")
    p.add_argument("--subject-categories", metavar="S1,S2", help="categories of people (customers, employees, ...)")
    p.add_argument("--subjects-approx", metavar="N", help="approximate number of people")
    p.add_argument("--records-approx", metavar="N", help="approximate number of records")
    p.add_argument("--consequences", metavar="TEXT", help="likely consequences")
    p.add_argument("--measures", metavar="TEXT", help="measures taken")
    p.add_argument("--risk", metavar="none|risk|high", required=required,
                   help="unlikely to result in a risk (none), a risk, or a high risk")
    p.add_argument("--risk-reasoning", metavar="TEXT")
    p.add_argument("--measures-proposed", metavar="TEXT")
    p.add_argument("--occurred-from", metavar="TIMESTAMP", help="when the breach started (if known)")
    p.add_argument("--occurred-to", metavar="TIMESTAMP", help="when it ended (if known)")
    p.add_argument("--discovery", metavar="TEXT", help="how it was discovered")
    p.add_argument("--incident-type", metavar="TEXT", help="e.g. e-mail to wrong recipient, phishing, lost device")
    p.add_argument("--cyber", dest="cyber_incident", metavar="yes|no|unknown")
    p.add_argument("--ongoing", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--unintelligible", action=argparse.BooleanOptionalAction, default=None,
                   help="the data was encrypted or otherwise unintelligible")
    p.add_argument("--processor", metavar="TEXT", help="processor involved, if any")
    p.add_argument("--others-informed", metavar="TEXT", help="other regulators or police informed")
    p.add_argument("--law-enforcement-delay", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--contact-name", metavar="NAME", help="contact point (default: the DPO in Settings)")
    p.add_argument("--contact-email", metavar="EMAIL")
    p.add_argument("--contact-phone", metavar="PHONE")
    p.add_argument("--countries", metavar="CC,CC", help="countries where affected people live (ISO codes)")
    p.add_argument("--authorities", metavar="A1,A2", help="supervisory authorities concerned")
    p.add_argument("--regimes", metavar="R1,R2", help="gdpr, uk-gdpr, lgpd, california (default: from the default law)")
    p.add_argument("--exemptions", metavar="E1,E2", help="Art. 34(3): unintelligible, measures, disproportionate")
    p.add_argument("--exemption-reasoning", metavar="TEXT")
    p.add_argument("--status", metavar="open|contained|closed")
    p.add_argument("--notes", metavar="TEXT")
    p.add_argument("--as", dest="actor", metavar="EMAIL", help="who is acting, for the audit trail")


_FIELDS = ("title", "aware", "nature", "description", "data_categories", "subject_categories",
           "subjects_approx", "records_approx", "consequences", "measures", "risk", "risk_reasoning",
           "measures_proposed", "occurred_from", "occurred_to", "discovery", "incident_type",
           "cyber_incident", "ongoing", "unintelligible", "processor", "others_informed",
           "law_enforcement_delay", "contact_name", "contact_email", "contact_phone", "countries",
           "authorities", "regimes", "exemptions", "exemption_reasoning", "status", "notes")


def _given(args: argparse.Namespace) -> dict[str, Any]:
    return {f: getattr(args, f) for f in _FIELDS if getattr(args, f, None) is not None}


def register(sub: Any) -> None:
    p = sub.add_parser("breach", help="the breach register: record breaches, affected people and notices")
    bs = p.add_subparsers(dest="breach_command", metavar="ACTION", required=True)

    add = bs.add_parser("add", help="record a breach; prints its reference", description=(
        "Record a personal data breach. --aware without an offset is read in the local time zone."))
    _record_options(add, required=True)
    add.set_defaults(func=_add)

    upd = bs.add_parser("update", help="change fields of a breach (same options as add)")
    upd.add_argument("reference")
    _record_options(upd, required=False)
    upd.add_argument("--expect-version", type=int, metavar="N")
    upd.set_defaults(func=_update)

    ls = bs.add_parser("list", help="the register with each breach's clock")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--status", default="")
    ls.add_argument("--risk", default="")
    ls.add_argument("--clock", choices=("late", "due-soon", "pending"), default="")
    ls.set_defaults(func=_list)

    show = bs.add_parser("show", help="everything recorded about one breach")
    show.add_argument("reference")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)

    aa = bs.add_parser("affected-add", help="add affected people from a CSV (name, email, phone, address, language, state)")
    aa.add_argument("reference")
    aa.add_argument("--csv", required=True, type=Path, metavar="FILE",
                    help="people; a CSV of only e-mails/phones is run through the subject search when connections exist")
    include_candidates_option(aa, "with a CSV of e-mails/phones: add the people the search found only as candidates")
    aa.add_argument("--as", dest="actor", metavar="EMAIL")
    aa.set_defaults(func=_affected_add)

    al = bs.add_parser("affected-list", help="the affected people and whether they were notified")
    al.add_argument("reference")
    al.add_argument("--json", action="store_true")
    al.set_defaults(func=_affected_list)

    na = bs.add_parser("notify-authority", help="write the notification to the supervisory authority and record it")
    na.add_argument("reference")
    na.add_argument("-o", "--output", required=True, type=Path, metavar="OUT.pdf")
    na.add_argument("--phase", default="initial", metavar="initial|follow-up")
    na.add_argument("--delay-reasons", default="", metavar="TEXT", help="required when later than the deadline")
    na.add_argument("--case-ref", default="", metavar="REF", help="the authority's case reference (follow-ups)")
    na.add_argument("--regime", default=None, metavar="R", help="which law's authority (default: the first)")
    na.add_argument("--as", dest="actor", metavar="EMAIL")
    na.set_defaults(func=_notify_authority)

    ns = bs.add_parser("notify-subjects", help="write a notice for every affected person and record it")
    ns.add_argument("reference")
    ns.add_argument("--out-dir", type=Path, metavar="DIR", help="one PDF per person plus manifest.csv")
    ns.add_argument("--combined", type=Path, metavar="OUT.pdf", help="also (or only) one PDF for printing")
    ns.add_argument("--processes", type=int, default=1, metavar="N", help="worker processes (default 1)")
    ns.add_argument("--delay-reasons", default="", metavar="TEXT")
    ns.add_argument("--pending-only", action="store_true", help="only people not yet notified")
    ns.add_argument("--as", dest="actor", metavar="EMAIL")
    ns.set_defaults(func=_notify_subjects)

    sm = bs.add_parser("sample-notice", help="a notice with placeholders (the California Attorney General's sample copy)")
    sm.add_argument("reference")
    sm.add_argument("-o", "--output", required=True, type=Path, metavar="OUT.pdf")
    sm.add_argument("--standard", action="store_true", help="the plain-language layout instead of California's")
    sm.set_defaults(func=_sample)

    nd = bs.add_parser("notified", help="record a notification sent outside PrivDesk")
    nd.add_argument("reference")
    nd.add_argument("--to", required=True, metavar="authority|individuals|attorney-general|public")
    nd.add_argument("--at", default=None, metavar="TIMESTAMP", help="when it was sent (default: now)")
    nd.add_argument("--phase", default="initial")
    nd.add_argument("--regime", default=None)
    nd.add_argument("--recipient", default="")
    nd.add_argument("--file", type=Path, default=None, help="the document sent (its SHA-256 is recorded)")
    nd.add_argument("--delay-reasons", default="")
    nd.add_argument("--case-ref", default="")
    nd.add_argument("--count", type=int, default=1)
    nd.add_argument("--as", dest="actor", metavar="EMAIL")
    nd.set_defaults(func=_notified)

    ex = bs.add_parser("export-register", help="the whole register as CSV (Art. 33(5) documentation)")
    ex.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.csv")
    ex.set_defaults(func=_export)

    from privdesk.cli.breach_legal import register_into

    register_into(bs)


def _add(args: argparse.Namespace) -> int:
    from privdesk.domain.breach import BreachInput
    from privdesk.services import breaches as svc

    detail = svc.add_breach(open_ctx(args), BreachInput(**_given(args)), _actor(args))
    print(detail.reference)  # noqa: T201
    return 0


def _update(args: argparse.Namespace) -> int:
    from privdesk.cli import UserError
    from privdesk.services import breaches as svc

    changes = _given(args)
    if not changes:
        raise UserError("privdesk breach update: give at least one field to change.")
    d = svc.update_breach(open_ctx(args), args.reference, changes, _actor(args), args.expect_version)
    print(f"{d.reference} updated (version {d.version})")  # noqa: T201
    return 0


def _list(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import breaches as svc

    rows = svc.list_breaches(open_ctx(args), svc.BreachQuery(status=args.status, risk=args.risk, clock=args.clock))
    if args.json:
        emit_json([r.to_json() for r in rows])
        return 0
    for r in rows:
        print(f"{r.reference:<13} {r.aware.isoformat(timespec='minutes'):<22} {r.risk:<5} {r.status:<10} "  # noqa: T201
              f"{r.clock_text:<45} {r.title}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import breaches as svc

    d = svc.get_breach(open_ctx(args), args.reference)
    j = d.to_json()
    if args.json:
        emit_json(j)
        return 0
    for key in ("reference", "title", "status", "risk", "aware", "authority_due", "description"):
        print(f"{key:>15}: {j[key]}")  # noqa: T201
    for c in j["clocks"]:
        print(f"{'clock':>15}: {c['regime']} {c['kind']}: {c['text']} ({c['reason']})")  # noqa: T201
    for n in j["notifications"]:
        print(f"{'notified':>15}: {n['sent_at']} {n['kind']} {n['phase']} to {n['recipient']} {n['document_file']}")  # noqa: T201
    return 0


def _affected_add(args: argparse.Namespace) -> int:
    """Add the CSV's people. A CSV of e-mails/phones is searched first: a server that refuses a
    login without a password is asked for one on the terminal as ``privdesk search`` does; a
    connection that cannot be searched is named on stderr (and in the audit entry), the rest is
    added: the list may be incomplete, and the officer is told so, not left to believe otherwise."""
    from privdesk.cli.commands.connection import with_passwords
    from privdesk.services import breaches as svc

    ctx = open_ctx(args)
    found = with_passwords(lambda: svc.find_affected_in_csv(ctx, args.csv))
    if found.errors:
        sys.stderr.write(terminal_safe(f"privdesk: {found.warning()}") + "\n")
    result = svc.add_found(ctx, args.reference, found, _actor(args), args.include_candidates)
    for problem in result.problems:
        sys.stderr.write(f"privdesk: {problem}\n")
    for left in result.left_out:
        sys.stderr.write(terminal_safe(f"privdesk: left out, a candidate: {left}") + "\n")
    if result.left_out:
        sys.stderr.write("privdesk: check them and add them with --include-candidates, or by hand\n")
    print(result.message())  # noqa: T201
    return 0


def _affected_list(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json
    from privdesk.services import breaches as svc

    people = svc.list_affected(open_ctx(args), args.reference)
    if args.json:
        emit_json([{"id": p.id, "name": p.name, "email": p.email, "phone": p.phone, "address": p.address,
                    "language": p.language, "region": p.region, "notified_at": p.notified_at,
                    "notice_file": p.notice_file, "notice_sha256": p.notice_sha256} for p in people])
    else:
        for p in people:
            print(terminal_safe(f"{p.id:>6} {p.name:<30} {p.email or p.phone:<32} {'notified' if p.notified_at else ''}"))  # noqa: T201
    return 0


def _notify_authority(args: argparse.Namespace) -> int:
    from privdesk.services import breach_notices as notices

    w = notices.notify_authority(open_ctx(args), args.reference, args.output, _actor(args), phase=args.phase,
                                 delay_reasons=args.delay_reasons, case_reference=args.case_ref,
                                 regime=args.regime)
    for warning in w.warnings:
        sys.stderr.write(f"privdesk: warning: {warning}\n")
    print(f"{w.path} ({w.pages} pages, sha256 {w.sha256}){' late' if w.late else ''}")  # noqa: T201
    return 0


def _notify_subjects(args: argparse.Namespace) -> int:
    from privdesk.services import breach_notices as notices

    def progress(done: int, total: int, _message: str) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{done}/{total}")

    r = notices.notify_subjects(open_ctx(args), args.reference, _actor(args), out_dir=args.out_dir,
                                combined=args.combined, progress=progress, processes=max(1, args.processes),
                                delay_reasons=args.delay_reasons, only_pending=args.pending_only)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    for f in r.failed:
        sys.stderr.write(f"privdesk: notice for person {f.person_id} failed: {f.error}\n")
    where = ", ".join(str(x) for x in (r.manifest, r.combined) if x)
    print(f"{r.message()} in {r.seconds:.1f} s -> {where}")  # noqa: T201
    return 1 if r.failed and not r.written else 0


def _sample(args: argparse.Namespace) -> int:
    from privdesk.services import breach_notices as notices

    w = notices.write_sample_notice(open_ctx(args), args.reference, args.output, california=not args.standard)
    print(f"{w.path} ({w.pages} pages, sha256 {w.sha256})")  # noqa: T201
    return 0


def _notified(args: argparse.Namespace) -> int:
    from privdesk.services import breaches as svc
    from privdesk.services.breach_notices import sha256_file

    sha = sha256_file(args.file) if args.file else ""
    rec = svc.record_notification(open_ctx(args), args.reference, args.to, _actor(args), sent_at=args.at,
                                  phase=args.phase, regime=args.regime, recipient=args.recipient,
                                  document_file=args.file.name if args.file else "", document_sha256=sha,
                                  delay_reasons=args.delay_reasons, case_reference=args.case_ref,
                                  count=args.count)
    print(f"recorded: {rec.kind} ({rec.phase}) to {rec.recipient} at {rec.sent_at.isoformat(timespec='minutes')}"  # noqa: T201
          f"{' (late)' if rec.late else ''}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from privdesk.services import breaches as svc

    n = svc.export_register(open_ctx(args), args.output)
    print(f"{n} breaches written to {args.output}")  # noqa: T201
    return 0
