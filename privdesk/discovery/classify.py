"""Which columns hold which identifier kinds: by column name first, then by a bounded sample of
the column's content (e-mail, phone and IP patterns).

Pure functions, so the rules are unit-tested in milliseconds.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

EMAIL = "email"
PHONE = "phone"
FULL_NAME = "full_name"
FIRST_NAME = "first_name"
LAST_NAME = "last_name"
BIRTH_DATE = "birth_date"
ADDRESS = "address"
POSTCODE = "postcode"
IP = "ip"
NATIONAL_ID = "national_id"
CUSTOMER_ID = "customer_id"
NONE = "none"  # an override: "this column is not an identifier"

KINDS: tuple[str, ...] = (EMAIL, PHONE, FULL_NAME, FIRST_NAME, LAST_NAME, BIRTH_DATE, ADDRESS,
                          POSTCODE, IP, NATIONAL_ID, CUSTOMER_ID)
SEARCHABLE: frozenset[str] = frozenset({EMAIL, PHONE, FULL_NAME, FIRST_NAME, LAST_NAME, CUSTOMER_ID})
KIND_LABELS = {
    EMAIL: "E-mail", PHONE: "Phone", FULL_NAME: "Full name", FIRST_NAME: "First name",
    LAST_NAME: "Last name", BIRTH_DATE: "Birth date", ADDRESS: "Address", POSTCODE: "Postcode",
    IP: "IP address", NATIONAL_ID: "National id", CUSTOMER_ID: "Customer id", NONE: "Not an identifier",
}

# Tables whose rows are people: a bare ``name`` there is a person's name, a bare ``id`` their id.
_PERSON_TABLES = {"customer", "customers", "contact", "contacts", "client", "clients", "user", "users",
                  "person", "persons", "people", "member", "members", "subscriber", "subscribers",
                  "employee", "employees", "patient", "patients", "account", "accounts", "recipient",
                  "recipients", "student", "students", "lead", "leads", "applicant", "applicants"}
_PERSON_WORDS = {"customer", "contact", "client", "person", "display", "holder", "recipient",
                 "subscriber", "member", "billing", "shipping", "full", "legal", "patient", "employee",
                 "account", "cardholder", "owner", "applicant", "sender", "buyer"}
_NATIONAL = {"ssn", "cnic", "passport", "nino", "nin", "sin", "cpf", "nid", "tin", "pesel", "bsn",
             "aadhaar", "nric", "dni", "nie", "steuerid", "personnummer", "fodselsnummer"}
# Ids an organisation quotes to the person (``customer_ref``, ``user_id``). Local keys such as
# ``subscriber_id`` are reached through foreign keys instead of being searched for.
_CUSTOMER_ROOTS = {"customer", "cust", "client", "user", "member", "account", "patient", "employee",
                   "loyalty", "crm"}
_ID_TABLES = {"customer", "user", "client", "member", "account", "patient", "employee"}
_ID_WORDS = {"id", "no", "nr", "num", "number", "ref", "reference", "code", "key", "uuid", "guid"}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def tokens(name: str) -> list[str]:
    """``customerEmail`` / ``Customer E-Mail`` / ``customer_email`` -> ``['customer', 'email']``."""
    parts = _SPLIT.split(_CAMEL.sub("_", name))
    return [p.lower() for p in parts if p]


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def classify_name(column: str, table: str = "", affinity: str = "text", is_pk: bool = False) -> str | None:
    """The identifier kind a column's *name* suggests, or None.

    ``affinity`` (text, integer, number, date, binary, other) keeps a boolean ``email_opt_in`` or
    a numeric ``mail_count`` from being called an e-mail column.
    """
    t = tokens(column)
    if not t:
        return None
    joined = "".join(t)
    tset = set(t)
    table_t = [_singular(x) for x in tokens(table)]
    textual = affinity in ("text", "other")
    if textual and (tset & {"email", "mail", "emailaddress"} or joined in ("email", "emailaddress")
                    or ("e" in t and "mail" in t)):
        if not tset & {"opt", "optin", "optout", "consent", "verified", "count", "sent", "status", "flag", "type"}:
            return EMAIL
    if textual and (tset & {"ip", "ipaddr", "ipv4", "ipv6"} or joined in ("ipaddress", "remoteaddr", "remoteaddress")):
        return IP
    if affinity in ("text", "other", "integer", "number") and (
            tset & {"phone", "mobile", "msisdn", "tel", "telephone", "cell", "cellphone", "fax", "whatsapp"}
            or joined in ("phonenumber", "mobilenumber", "telno")):
        if not tset & {"verified", "type", "opt", "consent", "count", "country"}:
            return PHONE
    if textual:
        if joined in ("firstname", "givenname", "forename", "forenames", "fname", "first") or (
                "name" in tset and tset & {"first", "given", "fore"}):
            return FIRST_NAME
        if joined in ("lastname", "surname", "familyname", "lname", "last") or (
                "name" in tset and tset & {"last", "family", "sur"}):
            return LAST_NAME
        if joined in ("fullname", "displayname", "name") or ("name" in tset and tset & _PERSON_WORDS):
            if joined == "name" and not (set(table_t) & {_singular(p) for p in _PERSON_TABLES}):
                return None
            if tset & {"company", "product", "file", "table", "user", "campaign", "org", "organisation",
                       "organization", "business", "bank", "host", "server", "street", "city"}:
                return None
            return FULL_NAME
    if affinity in ("date", "text", "other") and (tset & {"dob", "birthday", "birthdate"} or "birth" in tset):
        return BIRTH_DATE
    if textual and (tset & {"postcode", "zip", "zipcode", "postal", "postalcode", "cep"} or
                    joined in ("postcode", "postalcode", "zipcode")):
        return POSTCODE
    if textual and (tset & {"address", "addr", "street"} or joined.startswith("addressline")):
        return ADDRESS
    if tset & _NATIONAL or joined in ("nationalid", "nationalinsurance", "nationalinsurancenumber",
                                      "taxid", "socialsecurity", "socialsecuritynumber", "idnumber",
                                      "drivinglicence", "driverslicense", "driverlicense"):
        return NATIONAL_ID
    if len(t) >= 2 and t[-1] in _ID_WORDS and (set(t[:-1]) & _CUSTOMER_ROOTS):
        return CUSTOMER_ID
    if joined in ("customerid", "custid", "userid", "clientid", "memberid", "accountid",
                  "customerno", "customernumber", "customerref", "uid"):
        return CUSTOMER_ID
    if is_pk and joined in ("id", "uuid", "guid") and table_t and table_t[-1] in _ID_TABLES:
        return CUSTOMER_ID
    return None


_EMAIL_RE = re.compile(r"^\s*[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\s*$")
_PHONE_RE = re.compile(r"^\s*(\+|00)?[\d\s().\-/]{6,24}\s*$")


def _looks_like_phone(v: str) -> bool:
    if not _PHONE_RE.match(v):
        return False
    digits = sum(ch.isdigit() for ch in v)
    if not 7 <= digits <= 15:
        return False
    s = v.strip()
    # A bare run of digits is as likely an order number as a phone; demand a phone-ish shape.
    return s.startswith(("+", "0", "(")) or any(ch in s for ch in " -./()")


def _looks_like_ip(v: str) -> bool:
    s = v.strip()
    if not s or len(s) > 45 or not (":" in s or s.count(".") == 3):
        return False
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return False
    return True


def classify_values(values: Iterable[object], threshold: float = 0.6) -> str | None:
    """The kind most sampled values share (e-mail, phone, IP), or None.

    Only non-empty strings count; at least three are needed so one stray value decides nothing.
    """
    texts = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if len(texts) < 3:
        return None
    n = len(texts)
    for kind, test in ((EMAIL, _EMAIL_RE.match), (IP, _looks_like_ip), (PHONE, _looks_like_phone)):
        if sum(1 for v in texts if test(v)) / n >= threshold:
            return kind
    return None


def name_splits(name: str) -> list[tuple[str, str]]:
    """Every way to read a full name as (first, last): ``Ana Maria Santos`` gives
    ``('ana', 'maria santos')`` and ``('ana maria', 'santos')``."""
    parts = name.split()
    return [(" ".join(parts[:i]), " ".join(parts[i:])) for i in range(1, len(parts))]


def searchable_kinds(kinds: Sequence[str]) -> list[str]:
    return [k for k in kinds if k in SEARCHABLE]
