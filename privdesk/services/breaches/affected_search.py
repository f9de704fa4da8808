"""Adding affected people from a subject search over the connected databases (the same search
and the same whose-data-is-it rule as a rights request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from privdesk.errors import ValidationError
from privdesk.services.breaches.affected import AddResult, add_affected
from privdesk.services.context import AppContext


class SearchUnavailable(ValidationError):
    """No subject search to run identifiers through (no connected databases)."""

    def __init__(self) -> None:
        super().__init__("There are no connected databases to search. Add a connection in the Search "
                         "area, or import a CSV that has the people's names and addresses.")


SearchFn = Callable[[AppContext, Mapping[str, str]], list[Mapping[str, Any]]]


def people_from_matches(matches: Iterable[Any]) -> list[dict[str, str]]:
    """The contact details in the rows a subject search matched directly (not via foreign keys).

    Columns are read by their names (``privdesk.discovery.classify``); first and last names are
    joined. Everything else in the row is left behind: the register stores people minimally.
    """
    from privdesk.discovery import classify

    people: list[dict[str, str]] = []
    for m in matches:
        if getattr(m, "depth", 0) or getattr(m, "via", None) is not None:
            continue
        found: dict[str, str] = {}
        first = last = ""
        for column, value in m.row.items():
            if value is None or str(value).strip() == "":
                continue
            kind = classify.classify_name(column, m.table)
            text = str(value).strip()
            if kind == classify.EMAIL:
                found.setdefault("email", text)
            elif kind == classify.PHONE:
                found.setdefault("phone", text)
            elif kind == classify.FULL_NAME:
                found.setdefault("name", text)
            elif kind == classify.FIRST_NAME:
                first = first or text
            elif kind == classify.LAST_NAME:
                last = last or text
            elif kind in (classify.ADDRESS, classify.POSTCODE):
                found["address"] = (found.get("address", "") + "\n" + text).strip()
        if "name" not in found and (first or last):
            found["name"] = f"{first} {last}".strip()
        if found:
            people.append(found)
    return people


def add_affected_from_matches(ctx: AppContext, reference: str, matches: Iterable[Any], actor: str) -> AddResult:
    """Add the people of a subject search result (``SearchResult.matches``) to a breach."""
    return add_affected(ctx, reference, people_from_matches(matches), actor, source="search")


def _subject_search(ctx: AppContext) -> SearchFn:
    """The subject search of ``privdesk.services.discovery`` as {email/phone} -> people found."""
    try:
        from privdesk.services import discovery as disc
    except ImportError:
        raise SearchUnavailable() from None
    if not disc.list_connections(ctx):
        raise SearchUnavailable()

    def run(c: AppContext, ident: Mapping[str, str]) -> list[Mapping[str, Any]]:
        value = (ident.get("email") or ident.get("phone") or ident.get("identifier") or "").strip()
        if not value:
            return []
        email = value if "@" in value else ""
        query = disc.make_query(c, emails=[email] if email else [], phones=[] if email else [value])
        result = disc.search(c, query)
        return list(people_from_matches(result.matches))

    return run


def add_affected_from_identifiers(ctx: AppContext, reference: str, identifiers: Iterable[Mapping[str, str]],
                                  actor: str, search: SearchFn | None = None) -> AddResult:
    """Run each e-mail/phone through the subject search and add the people it finds.

    ``search(ctx, {"email": ..., "phone": ...})`` returns matches as dicts with name, email, phone
    and address. Without a search (none configured), the identifiers are added as they are.
    """
    fn = search or _subject_search(ctx)
    people: list[Mapping[str, Any]] = []
    for ident in identifiers:
        found = fn(ctx, ident)
        people.extend(found or [ident])
    return add_affected(ctx, reference, people, actor, source="search")


