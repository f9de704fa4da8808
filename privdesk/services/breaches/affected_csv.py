"""Adding affected people from a CSV file (UTF-8, comma or semicolon, columns recognised by
common names); identifiers alone go through the subject search when one is available.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Collection
from pathlib import Path

from privdesk.errors import ValidationError
from privdesk.services.breaches.affected import AddResult
from privdesk.services.breaches.affected_search import (
    AffectedSearch,
    Include,
    SearchUnavailable,
    add_found,
    find_affected,
)
from privdesk.services.context import AppContext

log = logging.getLogger("privdesk.breaches")

_COLUMN_ALIASES = {
    "name": "name", "full_name": "name", "fullname": "name", "subject_name": "name", "nome": "name",
    "email": "email", "e-mail": "email", "e_mail": "email", "mail": "email", "email_address": "email",
    "phone": "phone", "telephone": "phone", "mobile": "phone", "phone_number": "phone", "telefone": "phone",
    "address": "address", "postal_address": "address", "postal address": "address", "endereco": "address",
    "language": "language", "lang": "language", "locale": "language", "idioma": "language",
    "region": "region", "state": "region", "country": "region", "jurisdiction": "region",
    "identifier": "identifier", "value": "identifier",  # not "id": a customer number is not a phone
}


def read_people_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, comma or semicolon) with its columns mapped to name/email/phone/..."""
    try:
        raw = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError:
        raise ValidationError(f"{Path(path).name} is not UTF-8 text; save the CSV as UTF-8.") from None
    if not raw.strip():
        raise ValidationError(f"{Path(path).name} is empty.")
    try:
        dialect = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment, unused-ignore]
    reader = csv.reader(io.StringIO(raw), dialect)
    rows = list(reader)
    header = [h.strip().casefold() for h in rows[0]]
    mapped = [_COLUMN_ALIASES.get(h, _COLUMN_ALIASES.get(h.replace(" ", "_"), "")) for h in header]
    if not any(mapped):
        # No header: a bare list of identifiers, one a line.
        return [{"identifier": r[0]} for r in rows if r and r[0].strip()]
    out = []
    for r in rows[1:]:
        if not any(c.strip() for c in r):
            continue
        out.append({m: (r[i].strip() if i < len(r) else "") for i, m in enumerate(mapped) if m})
    return out


def find_affected_in_csv(ctx: AppContext, path: Path, skipped: Collection[str] = ()) -> AffectedSearch:
    """What adding a CSV would add, before anything is written.

    A CSV of identifiers only (no names, no addresses) goes through the subject search when
    there is one, so its candidates can be shown apart (but not through the connections
    ``skipped``, see :func:`find_affected`); any other CSV is taken as it is.
    """
    rows = read_people_csv(path)
    if rows and not any(r.get("name") or r.get("address") for r in rows):
        try:
            return find_affected(ctx, rows, skipped=skipped)
        except SearchUnavailable:
            log.info("no subject search available; identifiers imported as they are")
    return AffectedSearch(as_given=tuple(rows), source="csv")


def import_affected_csv(ctx: AppContext, reference: str, path: Path, actor: str,
                        include_candidates: Include = False) -> AddResult:
    """A CSV of people (name, email, phone, postal address, language, region/state); a CSV of
    e-mails/phones adds whom the search confirms, and its candidates only when included."""
    return add_found(ctx, reference, find_affected_in_csv(ctx, path), actor, include_candidates)
