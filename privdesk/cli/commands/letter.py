"""``privdesk letter`` and ``privdesk export``: a request's correspondence and its data."""

from __future__ import annotations

import argparse
from typing import Any

from privdesk.cli.common import actor as _actor
from privdesk.cli.common import open_ctx, read_secret_stdin
from privdesk.documents.model import DEFAULT_ASKS, LETTER_KINDS, VERIFICATION_ASKS
from privdesk.services import casefile


def register(sub: Any) -> None:
    p = sub.add_parser("letter", help="write a letter for a request as a PDF")
    p.add_argument("kind", choices=LETTER_KINDS, metavar="KIND", help=f"one of: {', '.join(LETTER_KINDS)}")
    p.add_argument("reference", metavar="REF")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.add_argument("--password-stdin", action="store_true",
                   help=f"protect the PDF with a password read from standard input ({casefile.PASSWORD_ENCRYPTION})")
    p.add_argument("--as", dest="actor", metavar="EMAIL", help="who generates it (for the audit trail)")
    p.add_argument("--ask", action="append", choices=list(VERIFICATION_ASKS), default=[], metavar="WHAT",
                   help=f"verification letter: what to ask for, repeatable ({', '.join(VERIFICATION_ASKS)}); "
                        f"default {' and '.join(DEFAULT_ASKS)}. Ask for an ID document only on reasonable doubts "
                        "(GDPR Art. 12(6))")
    p.set_defaults(func=_letter)

    e = sub.add_parser("export", help="write the portability file of a request's latest attached search")
    e.add_argument("reference", metavar="REF")
    e.add_argument("--format", choices=casefile.EXPORT_FORMATS, default="json")
    e.add_argument("-o", "--output", required=True, metavar="PATH")
    e.add_argument("--as", dest="actor", metavar="EMAIL")
    e.set_defaults(func=_export)

    d = sub.add_parser("documents", help="list the documents generated for a request")
    d.add_argument("reference", metavar="REF")
    d.add_argument("--json", action="store_true")
    d.add_argument("--verify", action="store_true",
                   help="re-hash every kept copy against its recorded SHA-256 (exit 1 if one differs)")
    d.set_defaults(func=_documents)


def _letter(args: argparse.Namespace) -> int:
    import sys

    from privdesk.services import letter_checks
    from privdesk.services.requests import get_request

    password = read_secret_stdin() if args.password_stdin else None
    ctx = open_ctx(args)
    # a letter that contradicts the record, or names no authority, is still written (the officer may
    # need it), but not silently
    for warning in letter_checks.letter_warnings(ctx, args.kind, get_request(ctx, args.reference)):
        sys.stderr.write(f"privdesk: warning: {warning}\n")
    doc = casefile.generate_letter(ctx, args.kind, args.reference, args.output, _actor(args),
                                   password=password, asks=args.ask)
    print(f"{doc.filename} ({doc.pages} page{'s' if doc.pages != 1 else ''}, sha256 {doc.sha256})")  # noqa: T201
    return 0


def _export(args: argparse.Namespace) -> int:
    doc = casefile.export_portability(open_ctx(args), args.reference, args.format, args.output, _actor(args))
    print(f"{doc.filename} (sha256 {doc.sha256})")  # noqa: T201
    return 0


def _documents(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json

    if args.verify:
        return _verify_documents(args)
    docs = casefile.list_documents(open_ctx(args), args.reference)
    if args.json:
        emit_json([{"kind": d.kind, "filename": d.filename, "sha256": d.sha256, "size": d.size,
                    "pages": d.pages, "encryption": d.encryption or None, "created_by": d.created_by,
                    "created_at": d.created_at, "path": str(d.stored_path)} for d in docs])
    else:
        for d in docs:
            print(f"{d.created_at:%Y-%m-%d %H:%M}  {d.kind:<16} {d.filename}  {d.sha256[:16]}…")  # noqa: T201
    return 0


def _verify_documents(args: argparse.Namespace) -> int:
    from privdesk.cli import emit_json

    checks = casefile.verify_documents(open_ctx(args), args.reference)
    if args.json:
        emit_json({"ok": all(c.status == "ok" for c in checks),
                   "documents": [{"kind": c.document.kind, "filename": c.document.filename,
                                  "path": str(c.document.stored_path), "sha256": c.document.sha256,
                                  "status": c.status, "actual_sha256": c.actual_sha256} for c in checks]})
    else:
        for c in checks:
            print(f"{c.status:<8} {c.document.kind:<16} {c.document.stored_path.name}")  # noqa: T201
        bad = sum(1 for c in checks if c.status != "ok")
        print(f"{len(checks)} documents, {bad} not matching their recorded hash")  # noqa: T201
    return 0 if all(c.status == "ok" for c in checks) else 1
