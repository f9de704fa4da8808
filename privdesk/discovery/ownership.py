"""Whose row is it: the one rule that decides what a search may hand over as the subject's data.

An access reply must hold all of the person's data and nothing about anybody else. The search
finds rows by the subject's identifiers and then follows links (declared foreign keys and links
the officer accepted) in both directions; every row it reaches is judged by :func:`whose_row`.
The search, the export letter's appendix and the portability file (through :func:`disclosed`),
the attach preview and adding a breach's affected people from a search all use this module, so
there is one rule to read and to test.

Tables have a role (automatic, or the officer's override in the identifier map):

* ``person``: rows are people in their own right (``customers``, ``employees``, or a table that
  holds an e-mail and a name of its own and links to no other table). A row of it belongs to the
  subject only when its *own* identifiers match the subject.
* ``personal``: holds personal data but its rows are not people (addresses, payment cards).
* ``catalogue``: no personal data at all (products, tracks, genres).

Rows get a role: ``subject`` (the subject's data), ``candidate`` (perhaps the subject's: matched
only on a weak identifier, or another identifier contradicts; shown apart, not attached until the
officer includes it), ``context`` (a catalogue row the subject's rows refer to; shown, never
counted as the subject's data) or ``None``: another person's row, left out and counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from privdesk.discovery import classify

SUBJECT = "subject"
CANDIDATE = "candidate"
CONTEXT = "context"
ROW_ROLES = (SUBJECT, CANDIDATE, CONTEXT)

PERSON = "person"
PERSONAL = "personal"
CATALOGUE = "catalogue"
TABLE_ROLES = (PERSON, PERSONAL, CATALOGUE)
# A table without identifier columns of its own holds a catalogue (films, tracks) or rows that are
# a person's through their links (Sakila's payments, Chinook's invoice lines): the search judges
# each row by its links, so the label claims neither.
TABLE_ROLE_LABELS = {PERSON: "Person table", PERSONAL: "Personal data", CATALOGUE: "Linked or catalogue (no identifiers)"}

OTHER_PEOPLE = "belong to other people"

# How a row was reached: by its own identifiers, because it references a row already judged
# (an order of the customer), or because a row already judged references it (the customer's address).
How = Literal["match", "dependent", "referenced"]

_STRONG = {classify.EMAIL: "e-mail", classify.CUSTOMER_ID: "customer id", classify.NATIONAL_ID: "national id"}
_KIND_WORDS = {classify.EMAIL: "e-mail", classify.PHONE: "phone", classify.FULL_NAME: "name",
               classify.FIRST_NAME: "name", classify.LAST_NAME: "name", classify.CUSTOMER_ID: "customer id"}
_STAFF_NOUNS = {"employee", "staff", "agent", "clerk", "rep", "representative", "worker", "operator",
                "manager", "cashier", "salesperson", "officer", "technician"}
_PERSON_NOUNS = {"customer", "contact", "client", "user", "person", "people", "member", "subscriber",
                 "employee", "patient", "account", "recipient", "student", "lead", "applicant", "staff",
                 "worker", "candidate", "guest", "buyer", "seller", "driver", "owner"}


@dataclass(frozen=True)
class TableRole:
    """A table's role and where it came from (``"auto"`` or ``"override"``)."""

    role: str
    source: str = "auto"


def is_person_noun(table: str) -> bool:
    """``customers``, ``Employee``, ``crm.users``: the table's name says its rows are people."""
    words = [classify._singular(t) for t in classify.tokens(table)]
    return bool(words) and words[-1] in _PERSON_NOUNS


def table_role(table: str, kinds: Mapping[str, str], link_columns: Iterable[str] = (),
               links_out: bool = False, override: str | None = None, owned_by_person: bool = False) -> TableRole:
    """The role of a table from its name and its columns' identifier kinds.

    ``kinds`` maps column -> identifier kind; ``link_columns`` are columns that point at another
    table (declared or accepted links): a ``customer_id`` that refers to the customer says whose
    row it is, it does not make the table a person table. ``links_out``: the table refers to
    other tables (then an e-mail and a name in it are a copy, e.g. on an order).
    ``owned_by_person``: a link named after a person table points there (``customer_id`` to
    ``customers``), so the rows are that person's even when the table's own name sounds like
    people (``customer_contacts``, ``user_accounts``).
    """
    if override in TABLE_ROLES:
        return TableRole(str(override), "override")
    own = {c: k for c, k in kinds.items() if c not in set(link_columns)}
    values = set(own.values())
    if owned_by_person:  # ``customer_contacts.customer_id``, ``user_logins.user_id``: the person's rows
        return TableRole(PERSONAL if values else CATALOGUE)
    if is_person_noun(table):
        return TableRole(PERSON)
    has_name = classify.FULL_NAME in values or {classify.FIRST_NAME, classify.LAST_NAME} <= values
    if not links_out and classify.EMAIL in values and has_name:
        return TableRole(PERSON)
    if values:
        return TableRole(PERSONAL)
    return TableRole(CATALOGUE)


@dataclass(frozen=True)
class Evidence:
    """What a row's own identifier columns say about the subject.

    ``matched``: kinds that hold one of the subject's identifiers; ``conflicts``: strong kinds
    (e-mail, customer id) the subject gave, that the row holds, and none of whose values match.
    """

    matched: frozenset[str] = frozenset()
    conflicts: frozenset[str] = frozenset()


def evidence(row: Mapping[str, Any], kinds: Mapping[str, str], matched_columns: Sequence[str],
             given: Iterable[str], given_ids: Sequence[str] = ()) -> Evidence:
    """Evidence of one row: ``kinds`` column -> kind, ``given`` the kinds the subject gave,
    ``given_ids`` the customer ids the subject quoted (see :func:`same_numbering`)."""
    matched = {kinds[c] for c in matched_columns if c in kinds}
    if classify.FIRST_NAME in matched or classify.LAST_NAME in matched:
        matched = (matched - {classify.FIRST_NAME, classify.LAST_NAME}) | {classify.FULL_NAME}
    given_set = set(given)
    conflicts: set[str] = set()
    for kind in _STRONG:
        if kind not in given_set or kind in matched:
            continue
        held = [row.get(c) for c, k in kinds.items() if k == kind]
        if kind == classify.CUSTOMER_ID and given_ids:
            held = [v for v in held if v is not None and same_numbering(v, given_ids)]
        if any(v is not None and str(v).strip() for v in held):
            conflicts.add(kind)
    return Evidence(frozenset(matched), frozenset(conflicts))


def same_numbering(value: Any, given_ids: Sequence[str]) -> bool:
    """Whether a held customer id could be one of the quoted ones in another person's name.

    A reference the person quotes (``C-109959``) and an internal key (``2546``, what a contact
    row's ``customer_id`` links by) are two numberings: the one cannot contradict the other. Ids
    of the same shape (both digits only, or both not) can: customer 42 quoted, the row is 17's.
    """
    digits = str(value).strip().lstrip("-").isdigit()
    return any(g.strip().lstrip("-").isdigit() == digits for g in given_ids)


@dataclass(frozen=True)
class Verdict:
    """The rule's answer for one row.

    ``role`` None: another person's row, left out (``reason`` says why, for the count).
    ``follow``: "both" (follow rows that reference it and rows it references), "none" (an end
    point: other people's records may reference it too).
    """

    role: str | None
    reason: str
    follow: Literal["both", "none"] = "both"


def _words(kinds: Iterable[str], verb: str = "") -> str:
    """``e-mail`` / ``e-mail and the phone``, with ``verb`` agreeing (``matches`` / ``match``)."""
    names = sorted({_KIND_WORDS.get(k, k.replace("_", " ")) for k in kinds})
    text = " and the ".join(names)
    if verb:
        text += f" {verb}" if len(names) == 1 else f" {verb.removesuffix('es')}"
    return text


def is_staff_table(table: str) -> bool:
    """A person table of the organisation's own people (employees, staff, agents): a record that
    names one of them is usually the customer's record, with the employee as its handler."""
    words = [classify._singular(t) for t in classify.tokens(table)]
    return bool(words) and words[-1] in _STAFF_NOUNS


def whose_row(how: How, table: TableRole, ev: Evidence | None = None, parent_role: str = SUBJECT,
              via: str = "", others: Sequence[tuple[str, bool]] = (), from_staff: bool = False) -> Verdict:
    """Decide whose data a row is. The one rule; see the module docstring for the terms.

    * Found by its own identifiers (``how="match"``): the subject's when a strong identifier
      (e-mail, customer id) matches, or the phone and the name both do, and no other strong
      identifier in the row contradicts; a *candidate* when only a weak identifier matched (a
      name alone, a phone alone) or when the row holds another e-mail or customer id (of the same
      numbering as the one quoted: :func:`same_numbering`).
    * It references a row already judged (``"dependent"``: the order of the customer): a person
      row is another person's (the customers naming the employee as their contact); a table the
      officer marked catalogue is context. When the row also refers to other person rows
      (``others``: label and whether it is a staff table; ``from_staff``: the row was reached from
      a staff row): a record naming an employee as its handler is still the customer's (the
      customer's rental, handled by clerk 1); reached from the employee, a record that names a
      customer is that customer's (left out and counted); two people of the same kind make it
      a candidate, the other person named. Anything else takes the parent's role and is followed.
    * A row already judged references it (``"referenced"``): a person row is another person's
      (the employee named as the customer's contact); a personal-data row (the customer's
      address, the shipping address of the customer's order) takes the parent's role but is an
      end point, since other people's records may reference it too; a catalogue row is context,
      also an end point.

    Rows reached from a candidate stay candidates; context rows are never followed.
    """
    if how == "match":
        ev = ev or Evidence()
        strong = ev.matched & set(_STRONG)
        if ev.conflicts:
            return Verdict(CANDIDATE, f"the {_words(ev.matched, 'matches')}, but the row holds another "
                                      f"{_words(ev.conflicts)}")
        if strong:
            return Verdict(SUBJECT, f"Found because the {_words(ev.matched, 'matches')}")
        if classify.PHONE in ev.matched and classify.FULL_NAME in ev.matched:
            return Verdict(SUBJECT, "Found because the phone and the name match")
        return Verdict(CANDIDATE, f"only the {_words(ev.matched, 'matches') or 'identifier matches'}, "
                                  "nothing else in the row confirms it")
    linked = f"Linked through {via}" if via else "Linked"
    if table.role == PERSON:
        return Verdict(None, OTHER_PEOPLE, "none")
    if how == "dependent":
        if table.role == CATALOGUE and table.source == "override":
            return Verdict(CONTEXT, f"{linked} (catalogue, not personal data)", "none")
        customers = [label for label, staff in others if not staff]
        peers = [label for label, staff in others if staff == from_staff]
        if from_staff and customers:
            return Verdict(None, f"{OTHER_PEOPLE} (their records name the subject as handler)", "none")
        if peers:
            return Verdict(CANDIDATE, f"{linked}, but it also refers to {', '.join(peers[:3])}: another "
                                      "person's record", "both")
        return Verdict(parent_role, linked, "both")
    if table.role == CATALOGUE:
        return Verdict(CONTEXT, f"{linked} (catalogue, not personal data)", "none")
    return Verdict(parent_role, linked, "none")


def disclosed(matches: Iterable[Any], include_candidates: bool = False) -> list[Any]:
    """The rows that go into a reply: the subject's (and candidates the officer included).

    Works on anything with a ``role`` attribute (search matches, snapshot rows), so the letter's
    appendix and the portability file apply the same cut as the search. Context rows are not
    the subject's data and are listed separately by the callers that show them.
    """
    wanted = {SUBJECT, CANDIDATE} if include_candidates else {SUBJECT}
    return [m for m in matches if getattr(m, "role", SUBJECT) in wanted]


def excluded_sentence(rows: int, table: str, reason: str) -> str:
    """``21 rows of table customer belong to other people``."""
    if rows == 1:
        for many, one in (("belong to", "belongs to"), ("are candidates", "is a candidate"), ("were ", "was ")):
            reason = reason.replace(many, one)
    return f"{rows} row{'s' if rows != 1 else ''} of table {table} {reason}"
