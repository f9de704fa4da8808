"""The demo's cast: who asked the demo organisation what, and what its databases hold about each.

One deterministic list (fixed seeds, no clock) feeds two demo steps: the requests
(:mod:`privdesk.services.requests_demo`) and the company databases
(:func:`privdesk.discovery.demo_data.build_demo_databases`). So "Search this subject" on a demo
request finds that person's rows, matched by the e-mail, phone and customer number the request
carries, and an officer can try the whole answer: attach the search, withhold rows, write the
export letter with its data appendix, plan an erasure or a correction.

About a third of the subjects are known to the systems, in every request type and mostly among
the open requests (the ten due first always are); the others were never customers ("we hold
nothing about you"), and a subject whose erasure request is completed is gone. Some searches meet the
ownership rule's cases: a namesake among the customers (a candidate who is somebody else), a
partner at the same address who shares the landline (candidates found by the phone), the support
agent every ticket names (another person's row, left out and counted), a surname the CRM
misspells (what a rectification request asks to correct).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cache

from privdesk.discovery.demo_data import DEMO_SUBJECTS, DemoSubject, ascii_fold, fill
from privdesk.domain.deadlines import compute_deadline
from privdesk.domain.laws import LawRule, get_law
from privdesk.domain.requests import RequestType

DEMO_SIZE = 200
OPEN_STATES = ("received", "verifying", "in_progress", "extended")

# (name, e-mail, law, type, days ago received, target state): the first five requests; what the
# databases hold about them is in discovery.demo_data.DEMO_SUBJECTS
FEATURED: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("Zoë Ødegård", "zoe.odegard@example.com", "gdpr", "access", 26, "in_progress"),
    ("Łukasz Wróbel", "lukasz.wrobel@example.pl", "gdpr", "erasure", 40, "in_progress"),
    ("Maria Santos", "maria.santos@example.com.br", "lgpd", "access", 12, "verifying"),
    ("James Carter", "james.carter@example.com", "ccpa", "opt-out", 9, "in_progress"),
    ("Aisha Khan", "aisha.khan@example.co.uk", "uk-gdpr", "access", 5, "received"),
)

_FIRST = ("Amelia", "Oliver", "Sofía", "Mateo", "Hana", "Kenji", "Chloé", "Lukas", "Ingrid",
          "Mohammed", "Fatima", "Nikolai", "Aroha", "Siobhán", "Dmitri", "Leila", "Tomasz", "Grace",
          "Pedro", "Ana", "Yusuf", "Elif", "Noah", "Emma", "Björn", "Astrid", "Rahul", "Ananya",
          "Chinedu", "Amaka", "Liam", "Olivia", "Camille", "Hugo", "Zainab", "Daniel", "Mei", "Jae-won")
_LAST = ("Johansson", "García", "Nakamura", "Dubois", "Müller", "Kowalski", "O'Brien", "Haddad",
         "Silva", "Okonkwo", "Rossi", "Novak", "Andersen", "Petrov", "Yılmaz", "Patel", "Kim",
         "Fernández", "Nguyen", "Schmidt", "Lefèvre", "Costa", "Murphy", "Ivanova", "Brown", "Chen")
_DOMAINS = {"gdpr": "example.eu", "uk-gdpr": "example.co.uk", "ccpa": "example.com",
            "lgpd": "example.com.br", "vcdpa": "example.us", "cpa": "example.us"}
_LAW_WEIGHTS = (("gdpr", 30), ("uk-gdpr", 30), ("ccpa", 18), ("lgpd", 8), ("vcdpa", 7), ("cpa", 7))
_TYPE_WEIGHTS = (("access", 40), ("erasure", 22), ("opt-out", 12), ("rectification", 10),
                 ("objection", 6), ("restriction", 4), ("portability", 6))
_STATE_WEIGHTS = (("received", 14), ("verifying", 14), ("in_progress", 32), ("extended", 8),
                  ("completed", 22), ("denied", 5), ("withdrawn", 5))

# Where the subjects live: country, then (city, phone pattern; each # a random digit).
_PLACES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "uk-gdpr": (("GB", "London", "+44 7700 900###"), ("GB", "Manchester", "+44 7700 900###"),
                ("GB", "Leeds", "+44 7700 900###"), ("GB", "Bristol", "+44 7700 900###")),
    "gdpr": (("DE", "Berlin", "+49 151 #### ####"), ("FR", "Lyon", "+33 6 ## ## ## ##"),
             ("ES", "Madrid", "+34 6## ### ###"), ("IT", "Milan", "+39 3## ### ####"),
             ("NL", "Utrecht", "+31 6 #### ####"), ("PL", "Kraków", "+48 5## ### ###"),
             ("IE", "Dublin", "+353 85 ### ####"), ("SE", "Malmö", "+46 70 ### ## ##")),
    "ccpa": (("US", "San Francisco", "+1 415 555 01##"), ("US", "Los Angeles", "+1 213 555 01##"),
             ("US", "San Diego", "+1 619 555 01##")),
    "vcdpa": (("US", "Richmond", "+1 804 555 01##"), ("US", "Arlington", "+1 703 555 01##")),
    "cpa": (("US", "Denver", "+1 303 555 01##"), ("US", "Boulder", "+1 720 555 01##")),
    "lgpd": (("BR", "São Paulo", "+55 11 9#### ####"), ("BR", "Rio de Janeiro", "+55 21 9#### ####")),
}

_ALL = frozenset({"crm", "shop", "marketing"})
_CRM_SHOP = frozenset({"crm", "shop"})
_CRM_MKT = frozenset({"crm", "marketing"})
_MKT = frozenset({"marketing"})
_CRM = frozenset({"crm"})
# Which systems know a subject, by what they ask (weights): an opt-out comes from the mailing
# list, a correction from an account holder.
_SYSTEMS: dict[str, tuple[tuple[frozenset[str], int], ...]] = {
    "access": ((_ALL, 4), (_CRM_SHOP, 3), (_CRM_MKT, 2), (_MKT, 1)),
    "portability": ((_CRM_SHOP, 3), (_ALL, 2)),
    "erasure": ((_ALL, 3), (_CRM_SHOP, 2), (_CRM, 1), (_MKT, 1)),
    "rectification": ((_CRM, 2), (_CRM_SHOP, 3), (_ALL, 1)),
    "opt-out": ((_MKT, 2), (_CRM_MKT, 2), (_ALL, 2)),
    "objection": ((_MKT, 2), (_CRM_MKT, 2)),
    "restriction": ((_CRM_SHOP, 2), (_CRM, 1)),
}
_PARTNERS = ("Alex", "Sam", "Jordan", "Robin", "Charlie", "Kai", "Noor", "Rowan")
_FIRST_DUE = 10  # the open requests due first all have data: the queue's top rows search well
_ANCHOR = date(2026, 1, 5)  # deadlines are only compared: any fixed Monday will do


@dataclass(frozen=True)
class DemoCase:
    """One demo request and its subject; ``held`` says what the demo databases hold about them."""

    name: str
    email: str
    law: str
    type: str
    ago: int
    state: str
    held: DemoSubject
    phones: tuple[str, ...] = ()
    customer_ids: tuple[str, ...] = ()
    notes: str = ""

    @property
    def has_data(self) -> bool:
        return bool(self.held.systems)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


@cache
def _law(law: str) -> LawRule:
    return get_law(law)


def _given(law: str, rtype: str) -> str:
    """The type itself, or access where the law gives no such right (VCDPA: no objection)."""
    return rtype if _law(law).types[RequestType.parse(rtype)].available else "access"


def _requests(size: int) -> list[tuple[str, str, str, str, int, str]]:
    """Names, laws, types, ages and states: a working week's queue (the demo's first draw)."""
    rng = random.Random(2026)
    specs: list[tuple[str, str, str, str, int, str]] = list(FEATURED)
    used = {f[0] for f in FEATURED}
    while len(specs) < size:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if name in used:
            continue
        used.add(name)
        law = _pick(rng, _LAW_WEIGHTS)
        local = ascii_fold(name).casefold().replace(" ", ".").replace("'", "")
        email = f"{local}@{_DOMAINS[law]}"
        state = _pick(rng, _STATE_WEIGHTS)
        if state in ("completed", "denied", "withdrawn"):
            ago = rng.randint(5, 110)
        else:  # most open work is recent; a few have slipped past their deadline
            ago = rng.randint(32, 75) if rng.random() < 0.08 else rng.randint(0, 30)
        specs.append((name, email, law, _given(law, _pick(rng, _TYPE_WEIGHTS)), ago, state))
    return specs


@cache
def _period(law: str, rtype: str, extended: bool) -> int:
    """Days from receipt to the deadline (weekends and holidays aside: the order is what counts)."""
    dl = compute_deadline(_law(law), RequestType.parse(rtype), _ANCHOR)
    return ((dl.extended_due if extended and dl.extended_due else dl.due) - _ANCHOR).days


def _days_left(law: str, rtype: str, ago: int, state: str) -> int:
    """Roughly where the request sits in the queue, which is sorted by deadline."""
    return _period(law, rtype, state == "extended") - ago


def _misspelt(last: str) -> str:
    """How a careless system wrote the surname: a doubled letter lost, accents dropped, or two
    letters swapped."""
    for i in range(len(last) - 1):
        if last[i] == last[i + 1] and last[i].isalpha():
            return last[:i] + last[i + 1:]
    folded = ascii_fold(last)
    if folded != last:
        return folded
    return last[:-2] + last[-1] + last[-2]


def _phone(rng: random.Random, pattern: str, taken: set[str]) -> str:
    while True:
        number = fill(rng, pattern)
        if number not in taken:
            taken.add(number)
            return number


@cache
def demo_cases(size: int = DEMO_SIZE) -> tuple[DemoCase, ...]:
    """The demo's requests with their subjects, always the same for the same ``size``."""
    specs = _requests(size)
    featured = {s.email: s for s in DEMO_SUBJECTS}
    rng = random.Random(2027)
    # who is known to the systems: the open requests due first, then about a third of the other
    # open ones and one in seven closed ones; a completed erasure has been carried out
    open_idx = [i for i, s in enumerate(specs) if s[5] in OPEN_STATES and s[1] not in featured]
    first_due = set(sorted(open_idx, key=lambda i: (_days_left(specs[i][2], specs[i][3], specs[i][4],
                                                                specs[i][5]), i))[:_FIRST_DUE])
    known: set[int] = set()
    for i, (_name, email, _law, rtype, _ago, state) in enumerate(specs):
        if email in featured:
            continue
        chance = 0.0 if (rtype, state) == ("erasure", "completed") else 0.35 if state in OPEN_STATES else 0.15
        if i in first_due or rng.random() < chance:
            known.add(i)
    for rtype, _w in _TYPE_WEIGHTS:  # at least two open requests of every type can be tried
        of_type = [i for i in open_idx if specs[i][3] == rtype]
        missing = max(0, 2 - len(known.intersection(of_type)))
        known.update([i for i in of_type if i not in known][:missing])
    taken_phones = {s.phone for s in DEMO_SUBJECTS if s.phone}
    refs = iter(rng.sample(range(105000, 110000), len(specs)))
    cases: list[DemoCase] = []
    for i, (name, email, law, rtype, ago, state) in enumerate(specs):
        if email in featured:
            cases.append(DemoCase(name, email, law, rtype, ago, state, featured[email]))
            continue
        first, last = name.split(" ", 1)
        country, city, pattern = rng.choice(_PLACES[law])
        if i not in known:
            # never a customer; now and then a stranger of the same name is
            phone = _phone(rng, pattern, taken_phones) if law == "uk-gdpr" and i % 2 else None
            held = DemoSubject(first, last, email, phone, country, frozenset(), namesake=rng.random() < 0.08,
                               city=city)
            cases.append(DemoCase(name, email, law, rtype, ago, state, held, (phone,) if phone else ()))
            continue
        options = _SYSTEMS[rtype]
        systems = rng.choices([s for s, _ in options], weights=[w for _, w in options])[0]
        in_crm = "crm" in systems
        partner = rng.choice(_PARTNERS) if in_crm and rng.random() < 0.2 else ""
        phone = _phone(rng, pattern, taken_phones) if partner or rng.random() < 0.5 else None
        ref = f"C-{next(refs)}"
        crm_last = _misspelt(last) if rtype == "rectification" and in_crm else ""
        held = DemoSubject(first, last, email, phone, country, systems, ref if in_crm else "",
                           orders=rng.randrange(1, 5), tickets=rng.choice((0, 0, 1, 1, 2)) if in_crm else 0,
                           namesake=rng.random() < 0.2, partner=partner, crm_last=crm_last, city=city)
        notes = (f"My surname is {last}, but my account and your e-mails say {crm_last}. Please correct it."
                 if crm_last else "")
        carries_ref = in_crm and rng.random() < 0.35
        cases.append(DemoCase(name, email, law, rtype, ago, state, held, (phone,) if phone else (),
                              (ref,) if carries_ref else (), notes))
    return tuple(cases)


def demo_people(size: int = DEMO_SIZE) -> tuple[DemoSubject, ...]:
    """Everybody the demo requests are about, for the databases' builder."""
    return tuple(c.held for c in demo_cases(size))
