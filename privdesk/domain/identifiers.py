"""Normalising and validating the identifiers that point at a person.

Matching across systems only works when both sides are normalised the same way: e-mails are
trimmed and case-folded, phones reduced to E.164 (or bare digits when no region is known).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Deliberately pragmatic: one @, a dot in the domain, no spaces. RFC 5322 allows far more, but an
# officer typing a requester's address wants typos caught, not quoted local parts accepted.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_DIGITS = re.compile(r"\D+")


def normalise_email(value: str) -> str:
    """Trim and case-fold an e-mail address (the form stored and matched)."""
    return value.strip().casefold()


def is_valid_email(value: str) -> bool:
    v = value.strip()
    return len(v) <= 320 and bool(_EMAIL_RE.match(v)) and ".." not in v


def email_problem(value: str) -> str | None:
    """A sentence saying what is wrong with an e-mail address, or None when it looks right."""
    v = value.strip()
    if not v:
        return "The e-mail address is empty."
    if "@" not in v:
        return f"{v!r} is not an e-mail address: it has no @."
    if not is_valid_email(v):
        return f"{v!r} is not a valid e-mail address."
    return None


def phone_digits(value: str) -> str:
    """Just the digits of a phone number, as typed."""
    return _DIGITS.sub("", value)


def normalise_phone(value: str, default_region: str | None = None) -> str:
    """E.164 (``+442079460958``) when the number parses, else its bare digits.

    ``default_region`` (ISO country code) lets national formats such as ``(020) 7946-0958`` be
    read; without it only international formats can become E.164.
    """
    import phonenumbers  # loaded on first use: 50 ms that most commands never need

    raw = value.strip()
    if not raw:
        return ""
    region = default_region.upper() if default_region else None
    candidates = [raw]
    if not raw.startswith("+") and not raw.startswith("00") and region is None:
        candidates.append("+" + phone_digits(raw))
    for cand in candidates:
        try:
            num = phonenumbers.parse(cand, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return phone_digits(raw)


def phone_problem(value: str, default_region: str | None = None) -> str | None:
    """A sentence saying what is wrong with a phone number, or None when it looks right."""
    digits = phone_digits(value)
    if not value.strip():
        return "The phone number is empty."
    if re.search(r"[A-Za-z]", value):
        return f"{value!r} is not a phone number: it contains letters."
    if not 6 <= len(digits) <= 15:
        return f"{value!r} is not a phone number: it has {len(digits)} digits (6 to 15 expected)."
    return None


def phone_match_keys(value: str, default_region: str | None = None) -> set[str]:
    """Every digit string this number may be stored as, for matching stored phones.

    ``+44 20 7946 0958`` may sit in a database as ``442079460958`` or, nationally,
    ``02079460958``; both keys are returned so a digits-only comparison finds either.
    """
    import phonenumbers  # loaded on first use: 50 ms that most commands never need

    keys = {phone_digits(value)}
    e164 = normalise_phone(value, default_region)
    if e164.startswith("+"):
        keys.add(e164[1:])
        try:
            num = phonenumbers.parse(e164, None)
            national = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
            keys.add(phone_digits(national))
        except phonenumbers.NumberParseException:
            pass
    return {k for k in keys if k}


#: Dashes (U+2010-2015, U+2212 minus, U+FE63, U+FF0D come through NFKC as "-" or stay) and
#: typographic apostrophes, folded before comparing names.
_NAME_PUNCT = str.maketrans({
    "-": " ", "\u2010": " ", "\u2011": " ", "\u2012": " ", "\u2013": " ", "\u2014": " ", "\u2015": " ",
    "\u2212": " ", "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
    # Turkish: capitals cannot tell dotted from dotless i (YILMAZ is Yılmaz; İ is the capital of i)
    "\u0131": "i", "\u0130": "i",
})


def normalise_name(value: str) -> str:
    """The one key two spellings of a name are compared by (subject search, in SQL candidates and
    in Python; duplicate people; the queue's sort and filter).

    Two spellings match when they differ only in what letter case, typing or a database's
    character set loses: capitals (``YILMAZ``/``Yılmaz``, ``STRAUSS``/``Strauß``, ``ẞ``),
    compatibility forms (full-width ``ＹＩＬＭＡＺ``, the ligature ``ﬁ``), the Turkish dotted and
    dotless i (one letter once capitalised, so ``Yilmaz`` matches ``Yılmaz`` too), dashes and
    hyphens (``Smith-Jones`` / ``Smith Jones``), typographic apostrophes and runs of spaces.
    Accents are kept (``Ødegård`` does not match ``Odegard``): capitals keep them (``ØDEGÅRD``),
    so dropping them would only add other people's rows to the search (a different letter, the
    project's choice since the search began).
    """
    v = unicodedata.normalize("NFKC", value).translate(_NAME_PUNCT).casefold()
    v = v.replace("i\u0307", "i")  # a decomposed İ (I + combining dot) after casefold
    return " ".join(unicodedata.normalize("NFC", v).split())



def request_search_text(reference: str, name: str, identifiers: Iterable[tuple[str, str, str]]) -> str:
    """The text the queue's free-text filter matches a request by (stored, so SQL can filter):
    the case-folded reference, the name's :func:`normalise_name` key and each identifier's
    normalised form (and its typed form when that differs), as ``(kind, value, normalised)``.

    Kept beside :func:`normalise_name` because it is stored: the migration that recomputes
    stored keys after the name rule changed applies this same function."""
    parts = [reference.casefold(), normalise_name(name)]
    for _kind, value, norm in identifiers:
        parts.append(norm.casefold())
        if value.casefold() != norm.casefold():
            parts.append(value.casefold())
    return " ".join(parts)


#: The spellings of one name a stored value may have (before letter case) that
#: :func:`normalise_name` folds together: each class's forms, in the key's own order.
_SPELLING_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("i", ("i", "\u0131")), ("ss", ("ss", "\u00df", "\u1e9e")), (" ", (" ", "-")), ("'", ("'", "\u2019")))
#: At most this many spellings per name are sent to a database (each becomes a few bound
#: values): a name rarely has more than three letters that fold.
MAX_NAME_SPELLINGS = 16


def name_spellings(value: str) -> list[str]:
    """Lower-case spellings a stored name with the same :func:`normalise_name` key may take:
    the key, the name as typed, and the key with dotless ı for i, ß or ẞ for ss, hyphens for spaces
    and ’ for ' (combinations, up to :data:`MAX_NAME_SPELLINGS`). A database compares these
    exactly (and by index); the key confirms every row in Python, so a spelling left out can
    only miss a row, never add another person's."""
    import itertools

    key = normalise_name(value)
    pieces: list[tuple[str, ...]] = []
    i = 0
    while i < len(key):
        for token, forms in _SPELLING_CLASSES:
            if key.startswith(token, i):
                pieces.append(forms)
                i += len(token)
                break
        else:
            pieces.append((key[i],))
            i += 1
    typed = " ".join(unicodedata.normalize("NFC", value).casefold().split())
    out = dict.fromkeys([key, typed])
    for combo in itertools.islice(itertools.product(*pieces), MAX_NAME_SPELLINGS):
        out.setdefault("".join(combo))
    return [s for s in out if s]


def phone_search_keys(value: str, default_region: str | None = None) -> set[str]:
    """:func:`phone_match_keys` plus the other digit strings people store a number as.

    Besides ``442079460958`` and ``02079460958`` this covers the international call prefix
    (``00442079460958``) and the UK habit of keeping the trunk zero (``+44 (0)20 7946 0958`` ->
    ``4402079460958``).
    """
    import phonenumbers  # loaded on first use: 50 ms that most commands never need

    keys = phone_match_keys(value, default_region)
    e164 = normalise_phone(value, default_region)
    if e164.startswith("+"):
        keys.add("00" + e164[1:])
        try:
            num = phonenumbers.parse(e164, None)
        except phonenumbers.NumberParseException:
            return keys
        cc = str(num.country_code)
        national = phonenumbers.national_significant_number(num)
        trunk = phone_digits(phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL))
        if trunk.endswith(national) and len(trunk) > len(national):
            keys.add(cc + trunk)
    return {k for k in keys if k}
