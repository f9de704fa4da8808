"""Three fictional company databases for the demo: a CRM, a shop and a marketing list.

A few thousand made-up people in the messy formats real systems hold (mixed-case e-mails with
stray spaces, phones written five different ways), plus the subjects of the demo requests so a
search finds them in every system. Deterministic (fixed seed) and written atomically.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path


@dataclass(frozen=True)
class DemoSubject:
    first: str
    last: str
    email: str
    phone: str | None  # E.164-ish as the requester would type it
    country: str


DEMO_SUBJECTS: tuple[DemoSubject, ...] = (
    DemoSubject("Zoë", "Ødegård", "zoe.odegard@example.com", "+47 912 34 567", "NO"),
    DemoSubject("Łukasz", "Wróbel", "lukasz.wrobel@example.pl", "+48 512 345 678", "PL"),
    DemoSubject("Maria", "Santos", "maria.santos@example.com.br", None, "BR"),
    DemoSubject("James", "Carter", "james.carter@example.com", "+1 415 555 0142", "US"),
    DemoSubject("Aisha", "Khan", "aisha.khan@example.co.uk", "+44 20 7946 0958", "GB"),
)

DATABASES = ("crm", "shop", "marketing")

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
_PRODUCTS = [("SKU-100", "Notebook A5", 4.5), ("SKU-204", "Fountain pen", 24.0), ("SKU-311", "Desk lamp", 39.9),
             ("SKU-412", "Ink, blue", 6.25), ("SKU-518", "Paper, 500 sheets", 9.99), ("SKU-620", "Stapler", 12.0)]


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
    if s.phone is None:
        return []
    digits = "".join(ch for ch in s.phone if ch.isdigit())
    if s.country == "GB":
        return ["(020) 7946-0958", "442079460958", "+44 20 7946 0958"]
    if s.country == "US":
        return ["(415) 555-0142", "+1 415-555-0142", "14155550142"]
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


def _people(rng: random.Random, n: int) -> list[_Person]:
    out: list[_Person] = []
    used: set[str] = set()
    while len(out) < n:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        email = f"{local}{rng.randrange(1, 999)}@{rng.choice(_DOMAINS)}"
        if email in used:
            continue
        used.add(email)
        city, country = rng.choice(_CITIES)
        cc = {"GB": "44", "DE": "49", "NO": "47", "PL": "48", "BR": "55", "US": "1", "PT": "351", "FR": "33"}[country]
        national = "7700" + f"{rng.randrange(900000, 999999)}"  # fictional mobile-style range
        dob = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
        out.append(_Person(first, last, email, cc, national, city, country, dob))
    return out


def build_demo_databases(folder: Path, people: int = 3000, seed: int = 20261125) -> dict[str, Path]:
    """Create the three databases in ``folder`` unless they exist; returns name -> path."""
    rng = random.Random(seed)
    crowd = _people(rng, people)
    paths = {name: folder / f"{name}.sqlite3" for name in DATABASES}
    start = datetime(2023, 1, 1, 9, 0)

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
        """)
        r = random.Random(seed + 1)
        customers: list[tuple[object, ...]] = []
        contacts: list[tuple[object, ...]] = []
        addresses: list[tuple[object, ...]] = []
        rows: list[tuple[str, str, str, str | None, str, str, str]] = [(p.first, p.last, _messy_email(r, p.email), _messy_phone(r, p.cc, p.national), p.dob.isoformat(),
                 p.city, p.country) for p in crowd]
        for s in DEMO_SUBJECTS:
            forms = _subject_phone_forms(s)
            rows.append((s.first, s.last, _messy_email(r, s.email), forms[0] if forms else None,
                         date(1985, 4, 12).isoformat(), "Demo City", s.country))
        r.shuffle(rows)
        for i, (first, last, email, phone, dob, city, country) in enumerate(rows, start=1):
            created = (start + timedelta(hours=7 * i)).isoformat(sep=" ")
            customers.append((i, f"C-{100000 + i}", first, last, email, phone, dob, created))
            if r.random() < 0.35 or first in {s.first for s in DEMO_SUBJECTS}:
                contacts.append((len(contacts) + 1, i, r.choice(["work", "home", "other"]),
                                 email.strip().lower() if r.random() < 0.5 else None, phone))
            addresses.append((len(addresses) + 1, i, f"{r.randrange(1, 200)} {r.choice(['High', 'Mill', 'Church', 'Station'])} Street",
                              city, f"{r.randrange(10000, 99999)}", country))
        conn.executemany("INSERT INTO customers VALUES (?,?,?,?,?,?,?,?)", customers)
        conn.executemany("INSERT INTO contacts VALUES (?,?,?,?,?)", contacts)
        conn.executemany("INSERT INTO addresses VALUES (?,?,?,?,?,?)", addresses)

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
        buyers: list[tuple[str, str, str, str | None]] = [(p.first, p.last, p.email, _messy_phone(r, p.cc, p.national)) for p in r.sample(crowd, len(crowd) * 2 // 3)]
        for s in DEMO_SUBJECTS:
            if s.country != "PL":  # Łukasz never bought anything: only the CRM and the newsletter know him
                forms = _subject_phone_forms(s)
                buyers.extend([(s.first, s.last, s.email, forms[1] if len(forms) > 1 else None)] * 2)
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
        subs: list[tuple[str, str, str | None]] = [(f"{p.first} {p.last}", p.email, _messy_phone(r, p.cc, p.national) if r.random() < 0.6 else None)
                for p in r.sample(crowd, len(crowd) * 5 // 6)]
        for s in DEMO_SUBJECTS:
            if s.country != "BR":  # Maria never subscribed
                forms = _subject_phone_forms(s)
                subs.append((f"{s.first} {s.last}".upper() if s.country == "NO" else f"{s.first} {s.last}",
                             s.email.upper(), forms[-1] if forms else None))
        r.shuffle(subs)
        rows: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        for i, (name, email, phone) in enumerate(subs, start=1):
            when = start + timedelta(hours=3 * i)
            rows.append((i, _messy_email(r, email), name, phone, when.isoformat(sep=" "),
                         r.choice(["website", "checkout", "event stand"]),
                         f"198.51.100.{r.randrange(1, 255)}" if r.random() < 0.5 else f"203.0.113.{r.randrange(1, 255)}"))
            for _ in range(r.randrange(0, 4)):
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
