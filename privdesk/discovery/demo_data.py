"""Three fictional company databases for the demo: a CRM (with its help desk), a shop and a
marketing list.

A few thousand made-up people in the messy formats real systems hold (mixed-case e-mails with
stray spaces, phones written five different ways), plus the demo's cast: the people who asked the
organisation something. Who they are and what is held about each is decided by
``privdesk/services/demo_cast.py``, so that "Search this subject" on a demo request finds that
person's rows (or, for somebody who was never a customer, nothing). Around them the builder puts
what makes a search interesting: a namesake among the customers, a partner at the same address
who shares the landline, and the support agent every ticket names (another person's row, left out).
Deterministic (fixed seed, same cast) and written atomically.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

DATABASES = ("crm", "shop", "marketing")


@dataclass(frozen=True)
class DemoSubject:
    """Somebody who asked the demo organisation something, and what its databases hold about them.

    ``systems`` names the databases with rows about them (empty: "we hold nothing about you").
    The other fields make a search meet the ownership rule's cases: ``namesake`` adds another
    customer and subscriber of the same name (a candidate who is somebody else), ``partner`` the
    first name of a partner at the same address who shares the phone (candidates found by the
    phone), ``crm_last`` the surname as the CRM misspells it (what a rectification corrects).
    ``customer_ref`` is the CRM's customer number (assigned in sequence when empty).
    """

    first: str
    last: str
    email: str
    phone: str | None  # as the requester would type it, with the country code
    country: str
    systems: frozenset[str] = frozenset(DATABASES)
    customer_ref: str = ""
    orders: int = 2
    tickets: int = 0
    namesake: bool = False
    partner: str = ""
    crm_last: str = ""
    city: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


# The featured subjects: the first five requests of the demo queue.
DEMO_SUBJECTS: tuple[DemoSubject, ...] = (
    DemoSubject("Zoë", "Ødegård", "zoe.odegard@example.com", "+47 912 34 567", "NO", tickets=1, city="Oslo"),
    # Łukasz never bought anything: only the CRM and the newsletter know him
    DemoSubject("Łukasz", "Wróbel", "lukasz.wrobel@example.pl", "+48 512 345 678", "PL",
                frozenset({"crm", "marketing"}), city="Warsaw"),
    # Maria never subscribed
    DemoSubject("Maria", "Santos", "maria.santos@example.com.br", None, "BR", frozenset({"crm", "shop"}),
                city="São Paulo"),
    DemoSubject("James", "Carter", "james.carter@example.com", "+1 415 555 0142", "US", tickets=2,
                city="San Francisco"),
    DemoSubject("Aisha", "Khan", "aisha.khan@example.co.uk", "+44 20 7946 0958", "GB", city="London"),
)

_FIRST = ["Oliver", "Amelia", "Noah", "Isla", "Liam", "Sofia", "Mateo", "Hannah", "Yuki", "Chen", "Fatima",
          "Omar", "Ines", "Lucas", "Emma", "Mia", "Leon", "Anna", "Jakub", "Zofia", "Ahmed", "Priya", "Ravi",
          "Grace", "Ethan", "Chloe", "Mohammed", "Sara", "David", "Laura", "João", "Ana", "Pedro", "Beatriz",
          "Kwame", "Ama", "Sven", "Ingrid", "Aroha", "Tane", "Élodie", "Hugo", "Nina", "Felix", "Ayşe", "Emre"]
_LAST = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Müller", "Schmidt", "García", "Martínez", "Rossi",
         "Bianchi", "Kowalski", "Nowak", "Silva", "Oliveira", "Costa", "Pereira", "Tanaka", "Sato", "Wang",
         "Li", "Khan", "Ahmed", "Patel", "Shah", "Mensah", "Boateng", "Andersen", "Hansen", "Nielsen",
         "Dubois", "Lefèvre", "Yılmaz", "Demir", "O'Brien", "Murphy", "Walsh", "Cohen", "Levi", "Novak"]
_DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "example.co.uk", "example.de"]
_CITIES = [("London", "GB"), ("Manchester", "GB"), ("Berlin", "DE"), ("Oslo", "NO"), ("Warsaw", "PL"),
           ("São Paulo", "BR"), ("San Francisco", "US"), ("Lisbon", "PT"), ("Paris", "FR")]
_CALLING_CODES = {"GB": "44", "DE": "49", "NO": "47", "PL": "48", "BR": "55", "US": "1", "PT": "351", "FR": "33"}
_POSTCODES = {"GB": "@@# #@@", "NL": "#### @@", "PL": "##-###", "BR": "#####-###", "IE": "D## @##@",
              "SE": "### ##", "NO": "####", "PT": "####-###"}
_STREETS = ["High", "Mill", "Church", "Station", "Park", "Victoria", "Chapel", "Market"]
_PRODUCTS = [("SKU-100", "Notebook A5", 4.5), ("SKU-204", "Fountain pen", 24.0), ("SKU-311", "Desk lamp", 39.9),
             ("SKU-412", "Ink, blue", 6.25), ("SKU-518", "Paper, 500 sheets", 9.99), ("SKU-620", "Stapler", 12.0)]
# Northwind's support staff: a person table of the organisation's own people (``agents``), so a
# customer's ticket is the customer's while the agent it names is left out of their reply.
_AGENTS = [("Megan Doyle", "Customer care"), ("Rashid Farouk", "Customer care"), ("Lena Vogt", "Billing"),
           ("Owen Price", "Deliveries"), ("Keiko Mori", "Customer care"), ("Sam Okoro", "Privacy desk")]
_TOPICS = ["Where is my order?", "Parcel arrived damaged", "Refund for a returned item", "Change my delivery address",
           "Cannot sign in to my account", "Too many newsletters", "Invoice for my company",
           "Question about a payment", "What data do you hold about me?"]


def ascii_fold(text: str) -> str:
    """``Łukasz Wróbel`` -> ``Lukasz Wrobel``: the letters an e-mail address is made of."""
    table: dict[str, str | int | None] = {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i", "ß": "ss"}
    text = text.translate(str.maketrans(table))
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _name_key(first: str, last: str) -> str:
    return " ".join(unicodedata.normalize("NFC", f"{first} {last}").casefold().split())


def fill(rng: random.Random, pattern: str) -> str:
    """``@@# #@@`` -> ``QN7 2BX``: each ``#`` a random digit, each ``@`` a random capital."""
    return "".join(str(rng.randrange(10)) if ch == "#" else rng.choice("ABDEFGHJLNPRSTUWY") if ch == "@" else ch
                   for ch in pattern)


def _postcode(rng: random.Random, country: str) -> str:
    """A postcode of the country's shape (fictional, like everything here)."""
    return fill(rng, _POSTCODES.get(country, "#####"))


def _messy_email(rng: random.Random, email: str) -> str:
    style = rng.randrange(6)
    if style == 0:
        return email.upper()
    if style == 1:
        local, _, dom = email.partition("@")
        return f"{local.title()}@{dom.title()}"
    if style == 2:
        return f" {email} "
    return email


def _messy_phone(rng: random.Random, cc: str, national: str) -> str:
    """``national`` without trunk zero, e.g. 2079460958 for London."""
    style = rng.randrange(5)
    if style == 0:
        return f"+{cc} {national[:2]} {national[2:6]} {national[6:]}"
    if style == 1:
        return f"(0{national[:2]}) {national[2:6]}-{national[6:]}"
    if style == 2:
        return f"{cc}{national}"
    if style == 3:
        return f"00{cc} {national}"
    return f"+{cc}-{national[:3]}-{national[3:]}"


def _subject_phone_forms(s: DemoSubject) -> list[str]:
    """Three ways the systems wrote the subject's number down, each one the search must find."""
    if s.phone is None:
        return []
    digits = "".join(ch for ch in s.phone if ch.isdigit())
    if s.country == "GB" and digits.startswith("44"):
        nsn = digits[2:]
        return [f"(0{nsn[:2]}) {nsn[2:6]}-{nsn[6:]}", digits, s.phone]
    if s.country == "US" and digits.startswith("1"):
        nsn = digits[1:]
        return [f"({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}", f"+1 {nsn[:3]}-{nsn[3:6]}-{nsn[6:]}", digits]
    return [s.phone, "00" + digits, s.phone.replace(" ", "")]


def _write_atomically(path: Path, build: Callable[[sqlite3.Connection], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        try:
            build(conn)
            conn.commit()
        finally:
            conn.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class _Person:
    first: str
    last: str
    email: str
    cc: str
    national: str
    city: str
    country: str
    dob: date


def _people(rng: random.Random, n: int, names_taken: set[str], phones_taken: set[str]) -> list[_Person]:
    """The crowd: nobody in it shares a name or a phone with the cast, so a subject's search
    meets only the look-alikes the cast asks for."""
    out: list[_Person] = []
    used: set[str] = set()
    while len(out) < n:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        email = f"{local}{rng.randrange(1, 999)}@{rng.choice(_DOMAINS)}"
        city, country = rng.choice(_CITIES)
        cc = _CALLING_CODES[country]
        national = "7700" + f"{rng.randrange(900000, 999999)}"  # fictional mobile-style range
        dob = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
        if email in used or _name_key(first, last) in names_taken or cc + national in phones_taken:
            continue
        used.add(email)
        out.append(_Person(first, last, email, cc, national, city, country, dob))
    return out


@dataclass
class _Customer:
    """One CRM customer as stored (messy e-mail and phone), with the rows that hang from it."""

    first: str
    last: str
    email: str
    phone: str | None
    dob: str
    city: str
    country: str
    ref: str = ""
    street: str = ""
    postcode: str = ""
    tickets: int = -1  # -1: as chance has it (the crowd)
    contact: bool | None = None  # None: as chance has it


def _local(first: str, last: str) -> str:
    return ascii_fold(f"{first}.{last}").casefold().replace(" ", "").replace("'", "")


def _look_alikes(s: DemoSubject, r: random.Random) -> tuple[_Person | None, _Person | None]:
    """The subject's namesake (same name, another e-mail, phone and city) and partner (same
    surname, address and phone, another first name and e-mail), where the cast asks for them."""
    namesake = partner = None
    if s.namesake:
        city, country = r.choice([c for c in _CITIES if c[1] != s.country] or _CITIES)
        namesake = _Person(s.first, s.last, f"{_local(s.first, s.last)}{r.randrange(10, 99)}@{r.choice(_DOMAINS)}",
                           _CALLING_CODES[country], "7700" + f"{r.randrange(901000, 999999)}", city, country,
                           date(1950, 1, 1) + timedelta(days=r.randrange(0, 365 * 55)))
    if s.partner:
        domain = s.email.rpartition("@")[2]
        partner = _Person(s.partner, s.last, f"{_local(s.partner, s.last)}@{domain}", "", "", s.city, s.country,
                          date(1950, 1, 1) + timedelta(days=r.randrange(0, 365 * 55)))
    return namesake, partner


def build_demo_databases(folder: Path, people: int = 3000, seed: int = 20261125,
                         cast: Sequence[DemoSubject] = DEMO_SUBJECTS) -> dict[str, Path]:
    """Create the three databases in ``folder`` unless they exist; returns name -> path.

    ``cast``: everybody who asked the organisation something, with what each system holds about
    them; people with no ``systems`` are only kept out of the crowd (their search finds nothing).
    """
    rng = random.Random(seed)
    names_taken = {_name_key(s.first, s.last) for s in cast}
    names_taken |= {_name_key(s.partner, s.last) for s in cast if s.partner}
    phones_taken = {"".join(ch for ch in s.phone if ch.isdigit()) for s in cast if s.phone}
    crowd = _people(rng, people, names_taken, phones_taken)
    extras = {s.email: _look_alikes(s, rng) for s in cast}
    paths = {name: folder / f"{name}.sqlite3" for name in DATABASES}
    start = datetime(2023, 1, 1, 9, 0)

    def held(system: str) -> Iterable[DemoSubject]:
        return (s for s in cast if system in s.systems)

    def crm(conn: sqlite3.Connection) -> None:
        conn.executescript("""
            CREATE TABLE customers (id INTEGER PRIMARY KEY, customer_ref TEXT UNIQUE NOT NULL,
                first_name TEXT, last_name TEXT, email TEXT, phone TEXT, date_of_birth DATE,
                created_at TIMESTAMP);
            CREATE INDEX ix_customers_email ON customers (lower(trim(email)));
            CREATE TABLE contacts (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                label TEXT, email TEXT, phone TEXT);
            CREATE INDEX ix_contacts_customer ON contacts (customer_id);
            CREATE TABLE addresses (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                street TEXT, city TEXT, postcode TEXT, country TEXT);
            CREATE INDEX ix_addresses_customer ON addresses (customer_id);
            CREATE TABLE agents (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT, team TEXT);
            CREATE TABLE support_tickets (id INTEGER PRIMARY KEY, ticket_no TEXT NOT NULL,
                customer_id INTEGER NOT NULL REFERENCES customers(id), agent_id INTEGER REFERENCES agents(id),
                contact_email TEXT, channel TEXT, topic TEXT, status TEXT, opened_at TIMESTAMP);
            CREATE INDEX ix_support_tickets_customer ON support_tickets (customer_id);
        """)
        r = random.Random(seed + 1)
        people_rows = [_Customer(p.first, p.last, _messy_email(r, p.email), _messy_phone(r, p.cc, p.national),
                                 p.dob.isoformat(), p.city, p.country) for p in crowd]
        for s in held("crm"):
            forms = _subject_phone_forms(s)
            street = f"{r.randrange(1, 200)} {r.choice(_STREETS)} Street"
            postcode = _postcode(r, s.country)
            born = date(1950, 1, 1) + timedelta(days=r.randrange(0, 365 * 55))
            people_rows.append(_Customer(s.first, s.crm_last or s.last, _messy_email(r, s.email),
                                         forms[0] if forms else None, born.isoformat(),
                                         s.city or "Demo City", s.country, s.customer_ref, street, postcode,
                                         s.tickets, True))
            namesake, partner = extras[s.email]
            if partner is not None:  # same address, same landline; their own e-mail
                people_rows.append(_Customer(partner.first, partner.last, _messy_email(r, partner.email),
                                             forms[-1] if forms else None, partner.dob.isoformat(),
                                             partner.city or "Demo City", partner.country, "", street, postcode,
                                             0, False))
        for s in cast:  # a namesake is somebody else, whether or not the subject is a customer
            namesake = extras[s.email][0]
            if namesake is not None:
                people_rows.append(_Customer(namesake.first, namesake.last, _messy_email(r, namesake.email),
                                             _messy_phone(r, namesake.cc, namesake.national),
                                             namesake.dob.isoformat(), namesake.city, namesake.country))
        r.shuffle(people_rows)
        customers: list[tuple[object, ...]] = []
        contacts: list[tuple[object, ...]] = []
        addresses: list[tuple[object, ...]] = []
        tickets: list[tuple[object, ...]] = []
        conn.executemany("INSERT INTO agents VALUES (?,?,?,?)",
                         [(i, name, f"{_local(*name.split(' ', 1))}@northwind.example", team)
                          for i, (name, team) in enumerate(_AGENTS, start=1)])
        for i, c in enumerate(people_rows, start=1):
            created = start + timedelta(hours=7 * i)
            customers.append((i, c.ref or f"C-{100000 + i}", c.first, c.last, c.email, c.phone, c.dob,
                              created.isoformat(sep=" ")))
            if c.contact if c.contact is not None else r.random() < 0.35:
                # the cast's own contact rows carry their e-mail: a row of theirs found only by a
                # phone would show as a candidate
                mail = c.email.strip().lower() if c.contact or r.random() < 0.5 else None
                contacts.append((len(contacts) + 1, i, r.choice(["work", "home", "other"]), mail, c.phone))
            street = c.street or f"{r.randrange(1, 200)} {r.choice(_STREETS)} Street"
            addresses.append((len(addresses) + 1, i, street, c.city, c.postcode or _postcode(r, c.country),
                              c.country))
            n_tickets = c.tickets if c.tickets >= 0 else (r.randrange(1, 3) if r.random() < 0.12 else 0)
            for t in range(n_tickets):
                channel = r.choice(["e-mail", "e-mail", "phone", "chat"])
                tickets.append((len(tickets) + 1, f"T-{40000 + len(tickets) + 1}", i, r.randrange(1, len(_AGENTS) + 1),
                                c.email.strip().lower() if channel != "phone" else None, channel,
                                r.choice(_TOPICS), "open" if t == n_tickets - 1 and r.random() < 0.2 else "closed",
                                (created + timedelta(days=30 + 40 * t, hours=r.randrange(0, 48))).isoformat(sep=" ")))
        conn.executemany("INSERT INTO customers VALUES (?,?,?,?,?,?,?,?)", customers)
        conn.executemany("INSERT INTO contacts VALUES (?,?,?,?,?)", contacts)
        conn.executemany("INSERT INTO addresses VALUES (?,?,?,?,?,?)", addresses)
        conn.executemany("INSERT INTO support_tickets VALUES (?,?,?,?,?,?,?,?,?)", tickets)

    def shop(conn: sqlite3.Connection) -> None:
        conn.executescript("""
            CREATE TABLE orders (id INTEGER PRIMARY KEY, order_no TEXT NOT NULL, customer_email TEXT,
                customer_name TEXT, phone TEXT, ordered_at TIMESTAMP, total NUMERIC(10,2));
            CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
                sku TEXT, description TEXT, quantity INTEGER, unit_price NUMERIC(10,2));
            CREATE INDEX ix_order_items_order ON order_items (order_id);
            CREATE TABLE payments (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
                method TEXT, amount NUMERIC(10,2), paid_at TIMESTAMP, provider_reference TEXT);
            CREATE INDEX ix_payments_order ON payments (order_id);
        """)
        r = random.Random(seed + 2)
        buyers: list[tuple[str, str, str, str | None]] = [
            (p.first, p.last, p.email, _messy_phone(r, p.cc, p.national))
            for p in r.sample(crowd, len(crowd) * 2 // 3)]
        for s in held("shop"):
            forms = _subject_phone_forms(s)
            buyers.extend([(s.first, s.last, s.email, forms[1] if len(forms) > 1 else None)] * s.orders)
            partner = extras[s.email][1]
            if partner is not None and forms:  # the partner's order, with the shared landline
                buyers.append((partner.first, partner.last, partner.email, forms[0]))
        r.shuffle(buyers)
        orders: list[tuple[object, ...]] = []
        items: list[tuple[object, ...]] = []
        payments: list[tuple[object, ...]] = []
        for i, (first, last, email, phone) in enumerate(buyers, start=1):
            lines = [r.choice(_PRODUCTS) for _ in range(r.randrange(1, 4))]
            total = 0.0
            for sku, desc, price in lines:
                qty = r.randrange(1, 4)
                total += qty * price
                items.append((len(items) + 1, i, sku, desc, qty, price))
            name = f"{first} {last}" if r.random() < 0.7 else f"{first.upper()} {last.upper()}"
            when = start + timedelta(hours=5 * i)
            orders.append((i, f"SO-{200000 + i}", _messy_email(r, email), name, phone, when.isoformat(sep=" "),
                           round(total, 2)))
            payments.append((i, i, r.choice(["card", "paypal", "bank transfer"]), round(total, 2),
                             (when + timedelta(minutes=3)).isoformat(sep=" "), f"PAY-{r.randrange(10**9, 10**10)}"))
        conn.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?,?)", orders)
        conn.executemany("INSERT INTO order_items VALUES (?,?,?,?,?,?)", items)
        conn.executemany("INSERT INTO payments VALUES (?,?,?,?,?,?)", payments)

    def marketing(conn: sqlite3.Connection) -> None:
        conn.executescript("""
            CREATE TABLE subscribers (id INTEGER PRIMARY KEY, "Email" TEXT, full_name TEXT, mobile TEXT,
                subscribed_at TIMESTAMP, consent_source TEXT, ip_address TEXT);
            CREATE TABLE campaign_events (id INTEGER PRIMARY KEY,
                subscriber_id INTEGER NOT NULL REFERENCES subscribers(id), campaign TEXT, event TEXT,
                occurred_at TIMESTAMP);
            CREATE INDEX ix_campaign_events_subscriber ON campaign_events (subscriber_id);
        """)
        r = random.Random(seed + 3)
        # (name, e-mail, mobile, fewest campaign events): the cast's consent has a history to show
        subs: list[tuple[str, str, str | None, int]] = [
            (f"{p.first} {p.last}", p.email, _messy_phone(r, p.cc, p.national) if r.random() < 0.6 else None, 0)
            for p in r.sample(crowd, len(crowd) * 5 // 6)]
        for s in held("marketing"):
            forms = _subject_phone_forms(s)
            subs.append((s.name.upper() if s.country == "NO" else s.name, s.email.upper(),
                         forms[-1] if forms else None, 1))
        for s in cast:
            namesake = extras[s.email][0]
            if namesake is not None:
                subs.append((namesake.first + " " + namesake.last, namesake.email, None, 0))
        r.shuffle(subs)
        rows: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        for i, (name, email, phone, least) in enumerate(subs, start=1):
            when = start + timedelta(hours=3 * i)
            rows.append((i, _messy_email(r, email), name, phone, when.isoformat(sep=" "),
                         r.choice(["website", "checkout", "event stand"]),
                         f"198.51.100.{r.randrange(1, 255)}" if r.random() < 0.5 else f"203.0.113.{r.randrange(1, 255)}"))
            for _ in range(max(least, r.randrange(0, 4))):
                events.append((len(events) + 1, i, r.choice(["spring-sale", "newsletter-42", "winter-launch"]),
                               r.choice(["sent", "opened", "clicked", "unsubscribed"]),
                               (when + timedelta(days=r.randrange(1, 300))).isoformat(sep=" ")))
        conn.executemany("INSERT INTO subscribers VALUES (?,?,?,?,?,?,?)", rows)
        conn.executemany("INSERT INTO campaign_events VALUES (?,?,?,?,?)", events)

    builders = {"crm": crm, "shop": shop, "marketing": marketing}
    for name, path in paths.items():
        if not path.exists():
            _write_atomically(path, builders[name])
    return paths
