"""Adding affected people from a subject search over the connected databases: the same search
and the same whose-data-is-it rule (:func:`privdesk.discovery.ownership.whose_row`) as a rights
request.

A breach notice must reach the people whose data was breached and name nobody else. A row the
search confirms (an e-mail or customer id matches, or the phone and the name together) is the
person's; a *candidate* (only a phone or a name matched, or the row holds another e-mail or
customer id) may be someone else who shares a household phone or a name. So adding runs in two
steps, as attaching a search to a request does: :func:`find_affected` runs the identifiers
through the search and returns who was confirmed and, apart, the candidates with the conflict
named; :func:`add_found` adds the confirmed people and only the candidates the officer included,
and records in the audit entry which candidates were left out and why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from privdesk.errors import ValidationError
from privdesk.services.breaches.affected import AddResult, add_affected
from privdesk.services.context import AppContext

if TYPE_CHECKING:
    from privdesk.discovery.search import SearchError, SearchResult


class SearchUnavailable(ValidationError):
    """No subject search to run identifiers through (no connected databases)."""

    def __init__(self) -> None:
        super().__init__("There are no connected databases to search. Add a connection in the Search "
                         "area, or import a CSV that has the people's names and addresses.")


#: ``search(ctx, {"email": ..., "phone": ...})`` -> the search's result (its matches and its
#: per-connection errors), or just the matches.
SearchFn = Callable[[AppContext, Mapping[str, str]], "SearchResult | Sequence[Any]"]

#: Which candidates to add: all (True), none (False), or the :attr:`FoundPerson.key` of each ticked one.
Include = bool | Collection[str]


@dataclass(frozen=True)
class FoundPerson:
    """Someone the search found: the contact details to store, and where they were found.

    ``key`` names the person within one search (what the officer ticks); ``rows`` where the
    search found them (``demo-crm customer C-101294``: connection and row, no personal data, so
    it can go into the audit trail); ``why``: for a candidate, the rule's reason it is not
    confirmed ("the phone matches, but the row holds another e-mail").
    """

    key: str
    contact: Mapping[str, str]
    rows: tuple[str, ...]
    why: str = ""

    @property
    def reach(self) -> str:
        """How a notice would reach them: the e-mail, else the phone, else the postal address."""
        c = self.contact
        return c.get("email") or c.get("phone") or c.get("address", "").replace("\n", ", ")

    def left_out(self) -> str:
        """The audit's sentence for a candidate not added: where it was found and why it is one."""
        return f"{', '.join(self.rows)} ({self.why})"


@dataclass(frozen=True)
class AffectedSearch:
    """What a search found for a list of identifiers, before anything is added.

    ``as_given``: identifiers for which the search confirmed nobody; they are added as they are,
    so that nobody on the breach's list is silently dropped (a candidate ticked for the same
    phone merges with it). ``source`` is stored on each person added. ``errors``: the
    connections (or tables) the search could not read, as the subject search reports them: the
    people held there are missing from this result, so the officer is told and the audit
    entry of the add names them. Adding is still allowed: the identifiers are kept as given,
    and waiting for a server to come back should not hold up notices to everyone else.
    """

    confirmed: tuple[FoundPerson, ...] = ()
    candidates: tuple[FoundPerson, ...] = ()
    as_given: tuple[Mapping[str, str], ...] = ()
    source: str = "search"
    errors: tuple[SearchError, ...] = ()

    def not_searched(self) -> list[str]:
        """One plain line per connection not (fully) searched, as the subject search words it:
        ``archive: The database file ... does not exist``; a table that failed is named in the
        line of its connection."""
        by_conn: dict[str, list[str]] = {}
        for e in self.errors:
            msgs = by_conn.setdefault(e.connection, [])
            if e.message.rstrip(".") not in msgs:
                msgs.append(e.message.rstrip("."))
        return [f"{conn}: {'; '.join(msgs)}" for conn, msgs in by_conn.items()]

    def warning(self) -> str:
        """The officer's sentence when a connection could not be searched (in full), else ''."""
        lines = self.not_searched()
        if not lines:
            return ""
        which = "A connection" if len(lines) == 1 else f"{len(lines)} connections"
        return (f"{which} could not be searched, so people held there may be missing from this list "
                f"({'; '.join(lines)}). Identifiers nobody was confirmed for are added as given; fix the "
                "connection and add the list again to complete it.")

    def split(self, include: Include = False) -> tuple[list[FoundPerson], list[FoundPerson]]:
        """The candidates to add and those left out, for ``include`` (see :data:`Include`)."""
        if isinstance(include, bool):
            return (list(self.candidates), []) if include else ([], list(self.candidates))
        keys = set(include)
        unknown = keys - {c.key for c in self.candidates}
        if unknown:
            raise ValidationError("A candidate to include is not in this search's result; run the search again.")
        return ([c for c in self.candidates if c.key in keys], [c for c in self.candidates if c.key not in keys])


def _direct(m: Any) -> bool:
    """Found by its own identifiers, not reached through a link (an order of the customer)."""
    return not getattr(m, "depth", 0) and getattr(m, "via", None) is None


def _contact(m: Any) -> dict[str, str]:
    """The contact details in one row, its columns read by their names; first and last names are
    joined. Everything else in the row is left behind: the register stores people minimally."""
    from privdesk.discovery import classify

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
    return found


def people_from_matches(matches: Iterable[Any], include_candidates: bool = False) -> list[dict[str, str]]:
    """The contact details in the rows a subject search matched directly (not via links): the
    confirmed people's, and the candidates' only when ``include_candidates`` (the cut of
    :func:`privdesk.discovery.ownership.disclosed`)."""
    from privdesk.discovery import ownership

    people = [_contact(m) for m in ownership.disclosed(matches, include_candidates) if _direct(m)]
    return [p for p in people if p]


def _identity(contact: Mapping[str, str]) -> str:
    """One person within a search: the same e-mail, else the same phone and name (as compared,
    not as typed: ``0047 912...`` and ``+47 912...`` are one number)."""
    from privdesk.domain.identifiers import normalise_email, normalise_name, phone_digits

    email = normalise_email(contact.get("email", ""))
    if email:
        return "e:" + email
    return f"p:{phone_digits(contact.get('phone', '')).lstrip('0')}|{normalise_name(contact.get('name', ''))}"


def _merged(a: Mapping[str, str], b: Mapping[str, str]) -> dict[str, str]:
    """``a`` with the fields it lacks taken from ``b``; a name or e-mail in capitals gives way to
    one that is not ("ZOË ØDEGÅRD" from one system, "Zoë Ødegård" from another)."""
    out = {**b, **a}
    for f in ("name", "email"):
        if out.get(f, "").isupper() and b.get(f) and not b[f].isupper():
            out[f] = b[f]
    return out


def _group(matches: Iterable[Any], why: bool) -> dict[str, FoundPerson]:
    """Rows with the same e-mail (or phone and name) are one person, found in several places.

    A candidate row holding nothing but a phone is not listed: it matched on that number, so
    it would add nothing the identifier itself does not.
    """
    out: dict[str, FoundPerson] = {}
    for m in matches:
        contact = _contact(m)
        if not contact or (why and set(contact) == {"phone"}):
            continue
        key = _identity(contact)
        where = f"{m.connection} {m.owner or m.table}"
        seen = out.get(key)
        if seen is None:
            out[key] = FoundPerson(key, contact, (where,), m.reason if why else "")
        else:
            rows = seen.rows if where in seen.rows else (*seen.rows, where)
            out[key] = FoundPerson(key, _merged(seen.contact, contact), rows, seen.why)
    return out


#: Why a connection whose password prompt the officer cancelled was left out, as the review, the
#: message and the audit entry name it among the connections not searched.
PROMPT_CANCELLED = "not searched, because the password prompt was cancelled"


def find_affected(ctx: AppContext, identifiers: Iterable[Mapping[str, str]],
                  search: SearchFn | None = None, skipped: Collection[str] = ()) -> AffectedSearch:
    """Run each identifier row (``email``, ``phone`` or ``identifier``) through the subject
    search; nothing is written. The connections in ``skipped`` (the officer cancelled their
    password prompt) are not searched and are named among those not searched."""
    from privdesk.discovery.search import SearchError

    fn = search or _subject_search(ctx, skipped)
    errors: list[SearchError] = [SearchError(name, PROMPT_CANCELLED, whole=True) for name in skipped]

    def searched() -> Iterable[tuple[Mapping[str, str], Sequence[Any]]]:
        for ident in identifiers:
            got = fn(ctx, ident)
            if isinstance(got, Sequence):
                yield ident, got
                continue
            errors.extend(e for e in got.errors if e not in errors)
            yield ident, got.matches

    found = _sort_out(searched(), _region(ctx))
    return replace(found, errors=tuple(errors))


def _region(ctx: AppContext) -> str | None:
    """The country national phone numbers are read in, as :func:`add_affected` reads them."""
    from privdesk.services.settings import get_profile

    return get_profile(ctx).holidays_country or None


def _reach_keys(contact: Mapping[str, str], region: str | None) -> set[str]:
    """The e-mail and phone of a person or an identifier row, as the register compares them."""
    from privdesk.domain.identifiers import normalise_email, normalise_phone

    email = (contact.get("email") or "").strip()
    phone = (contact.get("phone") or "").strip()
    ident = (contact.get("identifier") or "").strip()
    if ident and not (email or phone):
        email, phone = (ident, "") if "@" in ident else ("", ident)
    return ({"e:" + normalise_email(email)} if email else set()) | (
        {"p:" + normalise_phone(phone, region)} if phone else set())


def _sort_out(searches: Iterable[tuple[Mapping[str, str] | None, Sequence[Any]]],
              region: str | None = None) -> AffectedSearch:
    """Confirmed people and candidates of several searches (identifier searched, its matches).

    A row one identifier confirms and another only suggests (a shared phone) is confirmed; a
    candidate with the same contact details as a confirmed person is that person, not listed
    apart. An identifier that confirmed nobody is kept as given, unless it is the e-mail or
    phone of someone another identifier confirmed.
    """
    from privdesk.discovery import ownership
    from privdesk.discovery.export import match_id

    direct: list[Any] = []
    unconfirmed: list[Mapping[str, str]] = []
    for ident, found in searches:
        matches = [m for m in found if _direct(m)]
        if ident is not None and not people_from_matches(matches):
            unconfirmed.append(ident)
        direct.extend(matches)
    subject = ownership.disclosed(direct)
    confirmed = _group(subject, why=False)
    held = {match_id(m) for m in subject}
    rest = [m for m in direct if m.role == ownership.CANDIDATE and match_id(m) not in held]
    candidates = {k: p for k, p in _group(rest, why=True).items() if k not in confirmed}
    reached = set().union(*(_reach_keys(p.contact, region) for p in confirmed.values()))
    as_given = [i for i in unconfirmed if not _reach_keys(i, region) & reached]
    return AffectedSearch(tuple(confirmed.values()), tuple(candidates.values()), tuple(as_given))


def add_found(ctx: AppContext, reference: str, found: AffectedSearch, actor: str,
              include: Include = False) -> AddResult:
    """Add what :func:`find_affected` found: the confirmed people, the candidates ``include``
    names, and the identifiers nobody was confirmed for. The audit entry lists the candidates
    left out, each with where it was found and why it is only a candidate."""
    chosen, left = found.split(include)
    people: list[Mapping[str, Any]] = [p.contact for p in (*found.confirmed, *chosen)]
    people.extend(found.as_given)
    return add_affected(ctx, reference, people, actor, source=found.source, included=len(chosen),
                        left_out=[p.left_out() for p in left], not_searched=found.not_searched())


def add_affected_from_matches(ctx: AppContext, reference: str, matches: Iterable[Any], actor: str,
                              include_candidates: bool = False) -> AddResult:
    """Add the people of one subject search result (``SearchResult.matches``) to a breach:
    the confirmed ones, and the candidates only with ``include_candidates``."""
    return add_found(ctx, reference, _sort_out([(None, list(matches))], _region(ctx)), actor, include_candidates)


def _subject_search(ctx: AppContext, skipped: Collection[str] = ()) -> SearchFn:
    """The subject search of ``privdesk.services.discovery`` for one identifier row, over the
    searchable connections but ``skipped``: its e-mail and its phone together, so a row holding
    both is confirmed and one holding the phone with another e-mail is a candidate with that
    conflict named."""
    try:
        from privdesk.services import discovery as disc
    except ImportError:
        raise SearchUnavailable() from None
    if not disc.list_connections(ctx):
        raise SearchUnavailable()
    names = [n for n in disc.searchable_connections(ctx) if n not in skipped]

    def run(c: AppContext, ident: Mapping[str, str]) -> SearchResult | Sequence[Any]:
        email = (ident.get("email") or "").strip()
        phone = (ident.get("phone") or "").strip()
        other = (ident.get("identifier") or "").strip()
        if other and not (email or phone):
            email, phone = (other, "") if "@" in other else ("", other)
        if not (email or phone) or not names:  # nothing to search for, or nowhere left to search
            return []
        query = disc.make_query(c, emails=[email] if email else [], phones=[phone] if phone else [])
        return disc.search(c, query, names)

    return run


def add_affected_from_identifiers(ctx: AppContext, reference: str, identifiers: Iterable[Mapping[str, str]],
                                  actor: str, search: SearchFn | None = None,
                                  include_candidates: Include = False) -> AddResult:
    """Run each e-mail/phone through the subject search and add the people it confirms (and the
    candidates ``include_candidates`` names); identifiers it confirms nobody for are added as
    they are. Without a connected database this raises :class:`SearchUnavailable`."""
    return add_found(ctx, reference, find_affected(ctx, identifiers, search), actor, include_candidates)
