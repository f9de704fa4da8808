"""A worker process of the load tests: N request creations, each followed by a note.

Run as ``python -m tests.load.writer DATA_DIR DB_URL N TAG``; prints one line per request
(reference) so the parent can check for duplicates and lost writes.
"""

from __future__ import annotations

import sys
from datetime import date

from privdesk.services import requests as rq
from privdesk.services.context import AppContext


def main() -> int:
    data_dir, url, n, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    ctx = AppContext.open(data_dir, url or None)
    try:
        for i in range(n):
            opened = rq.open_request(ctx, rq.NewRequest(
                type="access", law="gdpr", received=date(2026, 11, 20), name=f"Load {tag} {i}",
                emails=(f"load.{tag}.{i}@example.com",)), actor=f"{tag}@example.com")
            rq.add_note(ctx, opened.reference, f"note {tag} {i}", f"{tag}@example.com")
            sys.stdout.write(opened.reference + "\n")
            sys.stdout.flush()
    finally:
        ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
