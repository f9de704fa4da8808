"""Categories of personal data (the special categories of Art. 9 and 10 first) and of data
subjects, and the lists a person types them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from privdesk.domain.breach.vocabulary import Nature, _key
from privdesk.errors import ValidationError

#: GDPR Art. 9(1) special categories and Art. 10 criminal data, with the words people type.
SPECIAL_CATEGORIES: Mapping[str, str] = MappingProxyType({
    "racial-ethnic-origin": "Racial or ethnic origin",
    "political-opinions": "Political opinions",
    "religious-beliefs": "Religious or philosophical beliefs",
    "trade-union": "Trade-union membership",
    "genetic": "Genetic data",
    "biometric": "Biometric data (for identification)",
    "health": "Health data",
    "sex-life": "Sex life or sexual orientation",
    "criminal": "Criminal convictions and offences (Art. 10)",
})
#: Other categories authorities' forms list; anything else is kept as a free entry.
COMMON_CATEGORIES: Mapping[str, str] = MappingProxyType({
    "identifiers": "Basic identifiers (name, address, date of birth)",
    "contact": "Contact details (e-mail, phone)",
    "credentials": "Identification and access credentials (passwords, usernames)",
    "financial": "Financial data (bank account, payment card)",
    "official-documents": "Official documents (passport, ID card, social security number)",
    "location": "Location data",
    "communications": "Content of communications",
})
_CATEGORY_ALIASES = {
    "race": "racial-ethnic-origin", "ethnicity": "racial-ethnic-origin", "ethnic-origin": "racial-ethnic-origin",
    "racial-origin": "racial-ethnic-origin", "politics": "political-opinions", "political": "political-opinions",
    "religion": "religious-beliefs", "religious": "religious-beliefs", "philosophical-beliefs": "religious-beliefs",
    "union": "trade-union", "trade-union-membership": "trade-union", "genetics": "genetic",
    "biometrics": "biometric", "medical": "health", "health-data": "health",
    "sexual-orientation": "sex-life", "sex-life-or-orientation": "sex-life", "sexual-life": "sex-life",
    "criminal-convictions": "criminal", "criminal-records": "criminal", "convictions": "criminal",
    "basic-identifiers": "identifiers", "names": "identifiers", "name": "identifiers",
    "contact-details": "contact", "email": "contact", "e-mail": "contact", "emails": "contact",
    "passwords": "credentials", "password": "credentials", "login": "credentials",
    "finance": "financial", "bank": "financial", "payment": "financial", "card": "financial",
    "id-documents": "official-documents", "passport": "official-documents", "ssn": "official-documents",
    "geolocation": "location",
}
SUBJECT_CATEGORIES: tuple[str, ...] = (
    "customers", "employees", "job applicants", "children", "vulnerable adults", "patients",
    "users", "suppliers' contacts", "members", "students",
)


@dataclass(frozen=True)
class DataCategory:
    """One category of personal data; ``special`` marks GDPR Art. 9/10 data."""

    label: str
    special: bool = False
    key: str = ""

    def to_text(self) -> str:
        """How the category is stored: the key for known ones, the label for free entries."""
        return self.key or self.label


def parse_category(text: str) -> DataCategory:
    """A known category (by key, alias or label, any spelling) or a free entry kept as typed."""
    raw = " ".join(text.split())
    if not raw:
        raise ValidationError("A data category is empty.")
    k = _key(raw)
    k = _CATEGORY_ALIASES.get(k, k)
    if k in SPECIAL_CATEGORIES:
        return DataCategory(SPECIAL_CATEGORIES[k], True, k)
    if k in COMMON_CATEGORIES:
        return DataCategory(COMMON_CATEGORIES[k], False, k)
    for table, special in ((SPECIAL_CATEGORIES, True), (COMMON_CATEGORIES, False)):
        for key, label in table.items():
            if k == _key(label):
                return DataCategory(label, special, key)
    if len(raw) > 200:
        raise ValidationError(f"The data category {raw[:40]!r}… is longer than 200 characters.")
    return DataCategory(raw, False, "")


def parse_categories(values: Iterable[str]) -> tuple[DataCategory, ...]:
    """Parse and de-duplicate, keeping the order typed."""
    seen: dict[str, DataCategory] = {}
    for v in values:
        for part in _split(v):
            c = parse_category(part)
            seen.setdefault(_key(c.to_text()), c)
    return tuple(seen.values())


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def split_list(values: str | Iterable[str]) -> tuple[str, ...]:
    """``"a, b"`` or ``["a", "b, c"]`` as a de-duplicated tuple of trimmed texts."""
    items = [values] if isinstance(values, str) else list(values)
    out: dict[str, str] = {}
    for v in items:
        for part in _split(v):
            out.setdefault(part.casefold(), " ".join(part.split()))
    return tuple(out.values())


def parse_nature(values: str | Iterable[str]) -> frozenset[Nature]:
    """``confidentiality,availability`` (or c/i/a) as a set; at least one is required."""
    found: set[Nature] = set()
    short = {"c": Nature.CONFIDENTIALITY, "i": Nature.INTEGRITY, "a": Nature.AVAILABILITY}
    for part in split_list(values):
        k = _key(part)
        match = next((n for n in Nature if k in (n.value, n.value[:4])), short.get(k))
        if match is None:
            raise ValidationError(f"{part!r} is not a breach nature; use confidentiality, integrity "
                                  "or availability (or several, separated by commas).")
        found.add(match)
    if not found:
        raise ValidationError("Say what the breach affected: confidentiality, integrity or availability.")
    return frozenset(found)


def nature_text(nature: Iterable[Nature]) -> str:
    """The set in a stable order: ``confidentiality,availability``."""
    s = set(nature)
    return ",".join(n.value for n in Nature if n in s)


