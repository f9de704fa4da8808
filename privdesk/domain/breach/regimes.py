"""Personal data breaches in the abstract: the record's vocabulary, the notification clocks and
which notices the risk assessment requires.

The regimes (GDPR, UK GDPR, LGPD, California) are data in ``resources/breach_rules/*.toml``,
validated strictly on load, so the 72 hours, the three business days and the 500-resident
threshold are numbers a legal team can read and review, not constants in code.

Clocks (each rule file says which apply):

* ``hours``: the due moment is awareness plus that many hours, to the minute, in absolute time
  (a daylight-saving change in between does not move it).
* ``days``: calendar days after the day of awareness, due at the end of that day (23:59) in the
  awareness time zone.
* ``business_days``: the n-th working day after the day of awareness (weekends and the rule
  file's public holidays skipped), due at the end of that day in the awareness time zone.

A late notice (sent after its due moment) must carry the reasons for the delay (GDPR Art. 33(1)).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from privdesk.domain.deadlines import NO_HOLIDAYS, HolidayCalendar, holiday_calendar
from privdesk.domain.rulefiles import read_toml
from privdesk.errors import ConfigurationError, ValidationError

_REF_RE = re.compile(r"^BR-(\d{4})-(\d{4,})$")


def _key(text: str) -> str:
    return "-".join(text.strip().casefold().replace("_", " ").replace("-", " ").split())


class Nature(StrEnum):
    """Which security property the breach broke (EDPB Guidelines 9/2022, §2.2)."""

    CONFIDENTIALITY = "confidentiality"
    INTEGRITY = "integrity"
    AVAILABILITY = "availability"


class Risk(StrEnum):
    """The risk assessment: unlikely to result in a risk, a risk, or a high risk."""

    NONE = "none"
    RISK = "risk"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RISK_RANK[self]

    @property
    def label(self) -> str:
        return _RISK_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Risk:
        k = _key(text)
        aliases = {"unlikely": cls.NONE, "no-risk": cls.NONE, "low": cls.NONE,
                   "high-risk": cls.HIGH}
        for member in cls:
            if k == member.value:
                return member
        if k in aliases:
            return aliases[k]
        raise ValidationError(f"{text.strip()!r} is not a risk level; use none, risk or high.")


_RISK_RANK = {Risk.NONE: 0, Risk.RISK: 1, Risk.HIGH: 2}
_RISK_LABELS = {Risk.NONE: "unlikely to result in a risk", Risk.RISK: "likely to result in a risk",
                Risk.HIGH: "likely to result in a high risk"}


class BreachStatus(StrEnum):
    """Where the handling of a breach stands."""

    OPEN = "open"
    CONTAINED = "contained"
    CLOSED = "closed"

    @classmethod
    def parse(cls, text: str) -> BreachStatus:
        k = _key(text)
        for member in cls:
            if k == member.value:
                return member
        raise ValidationError(f"{text.strip()!r} is not a breach status; use open, contained or closed.")


class Exemption(StrEnum):
    """The GDPR Art. 34(3) grounds for not telling individuals despite a high risk."""

    UNINTELLIGIBLE = "unintelligible"
    MEASURES = "measures"
    DISPROPORTIONATE = "disproportionate"

    @property
    def label(self) -> str:
        return _EXEMPTION_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Exemption:
        k = _key(text)
        aliases = {"encrypted": cls.UNINTELLIGIBLE, "a": cls.UNINTELLIGIBLE,
                   "subsequent-measures": cls.MEASURES, "b": cls.MEASURES,
                   "disproportionate-effort": cls.DISPROPORTIONATE, "c": cls.DISPROPORTIONATE}
        for member in cls:
            if k == member.value:
                return member
        if k in aliases:
            return aliases[k]
        raise ValidationError(f"{text.strip()!r} is not an Art. 34(3) exception; use unintelligible, "
                              "measures or disproportionate.")


_EXEMPTION_LABELS = {
    Exemption.UNINTELLIGIBLE: "the data was rendered unintelligible to anyone not authorised "
                              "to access it, such as by encryption (Art. 34(3)(a))",
    Exemption.MEASURES: "subsequent measures ensure the high risk is no longer likely to "
                        "materialise (Art. 34(3)(b))",
    Exemption.DISPROPORTIONATE: "telling each person would involve disproportionate effort; a "
                                "public communication is made instead (Art. 34(3)(c))",
}


class NoticeKind(StrEnum):
    """Who a notice goes to."""

    AUTHORITY = "authority"
    INDIVIDUALS = "individuals"
    ATTORNEY_GENERAL = "attorney-general"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        return {"authority": "Supervisory authority", "individuals": "Individuals",
                "attorney-general": "Attorney General (sample copy)",
                "public": "Public communication"}[self.value]

    @classmethod
    def parse(cls, text: str) -> NoticeKind:
        k = _key(text)
        aliases = {"subjects": cls.INDIVIDUALS, "individual": cls.INDIVIDUALS, "ag": cls.ATTORNEY_GENERAL,
                   "dpa": cls.AUTHORITY, "regulator": cls.AUTHORITY}
        for member in cls:
            if k == member.value:
                return member
        if k in aliases:
            return aliases[k]
        raise ValidationError(f"{text.strip()!r} is not a notice recipient; use "
                              f"{', '.join(m.value for m in cls)}.")


class Phase(StrEnum):
    """Art. 33(4): information may be given in phases, an initial notice then follow-ups."""

    INITIAL = "initial"
    FOLLOW_UP = "follow-up"

    @classmethod
    def parse(cls, text: str) -> Phase:
        k = _key(text)
        if k in ("initial", "first"):
            return cls.INITIAL
        if k in ("follow-up", "followup", "follow", "supplementary"):
            return cls.FOLLOW_UP
        raise ValidationError(f"{text.strip()!r} is not a notification phase; use initial or follow-up.")


# -- categories ------------------------------------------------------------------------------------

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


# -- timestamps ------------------------------------------------------------------------------------

_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")


def parse_moment(text: str, default_zone: tzinfo, what: str = "time of awareness") -> datetime:
    """``YYYY-MM-DDTHH:MM[:SS][+HH:MM|Z]`` as an aware datetime; no offset means ``default_zone``.

    Offsets are kept as typed (an officer in Berlin sees +01:00, not UTC). A time that does not
    exist (25:00, 31 February) is refused with the value named.
    """
    raw = (text or "").strip()
    m = _TS_RE.match(raw)
    if not m:
        raise ValidationError(f"The {what} {raw!r} is not a timestamp; write YYYY-MM-DDTHH:MM, "
                              "optionally with an offset such as +02:00.")
    try:
        parsed = datetime.fromisoformat(raw.replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"The {what} {raw!r} is not a real date and time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_zone)
    return parsed.replace(microsecond=0)


_OFFSET_RE = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def zone_from_text(text: str) -> tzinfo:
    """``+01:00``, ``UTC`` or an IANA name such as ``Europe/Berlin`` as a time zone."""
    raw = (text or "").strip()
    if raw in ("", "UTC", "Z", "+00:00"):
        return UTC
    m = _OFFSET_RE.match(raw)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return timezone(-delta if m.group(1) == "-" else delta)
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{raw!r} is not a time zone (use an offset such as +02:00 or a "
                              "name such as Europe/Berlin).") from None


def zone_text(zone: tzinfo | None, moment: datetime) -> str:
    """The name to store for ``zone``: an IANA key when there is one, else the offset at ``moment``."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = moment.utcoffset() if zone is None else zone.utcoffset(moment)
    if not offset:
        return "UTC"
    total = int(offset.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    h, m = divmod(abs(total), 60)
    return f"{sign}{h:02d}:{m:02d}"


def check_not_future(moment: datetime, now: datetime, what: str) -> None:
    if moment - now > timedelta(minutes=5):
        raise ValidationError(f"The {what} {moment.isoformat(timespec='minutes')} is in the future.")


# -- references ------------------------------------------------------------------------------------

def parse_reference(value: str) -> str:
    """``br-2026-1`` as typed becomes ``BR-2026-0001``; anything else is refused."""
    v = value.strip().upper()
    m = _REF_RE.match(v)
    if not m:
        m2 = re.match(r"^BR-(\d{4})-(\d+)$", v)
        if m2:
            return f"BR-{m2.group(1)}-{int(m2.group(2)):04d}"
        raise ValidationError(f"{value.strip()!r} is not a breach reference (they look like BR-2026-0001).")
    return v


def format_reference(year: int, number: int) -> str:
    return f"BR-{year}-{number:04d}"


# -- regimes (rule data) ---------------------------------------------------------------------------

BreachUnit = Literal["hours", "days", "business_days"]
_UNITS: tuple[BreachUnit, ...] = ("hours", "days", "business_days")
Layout = Literal["standard", "california"]


@dataclass(frozen=True)
class BreachPeriod:
    amount: int
    unit: BreachUnit

    def describe(self) -> str:
        one, many = {"hours": ("hour", "hours"), "days": ("calendar day", "calendar days"),
                     "business_days": ("business day", "business days")}[self.unit]
        return f"{self.amount} {one if self.amount == 1 else many}"

    def due(self, start: datetime, calendar: HolidayCalendar = NO_HOLIDAYS) -> datetime:
        """The last moment of the period counted from ``start`` (an aware datetime), in UTC.

        Hours are added in UTC: Python adds to the wall clock of a zone with daylight saving.
        """
        if self.unit == "hours":
            return start.astimezone(UTC) + timedelta(hours=self.amount)
        if self.unit == "days":
            day = start.date() + timedelta(days=self.amount)
        else:
            day = calendar.add_business_days(start.date(), self.amount)
        return _end_of_day(day, start.tzinfo).astimezone(UTC)


def _end_of_day(day: date, zone: tzinfo | None) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=zone)


@dataclass(frozen=True)
class NoticeRule:
    """When one notice is required under one regime, by when, and what the law calls it."""

    kind: NoticeKind
    required_from: Risk | None
    period: BreachPeriod | None
    deadline_text: str
    citation: str
    content_citation: str = ""
    late_reasons: bool = False
    phased: bool = False
    phased_citation: str = ""
    exemptions: tuple[Exemption, ...] = ()
    exemptions_citation: str = ""
    layout: Layout = "standard"
    threshold: int = 0
    after: NoticeKind | None = None


@dataclass(frozen=True)
class BreachRegime:
    """One breach-notification law as read from its rule file."""

    id: str
    name: str
    short_name: str
    jurisdiction: str
    authority_label: str
    documentation_citation: str
    notes: str
    notices: Mapping[NoticeKind, NoticeRule]
    amber_hours: int
    calendar_country: str
    sources: tuple[str, ...] = ()

    @property
    def calendar(self) -> HolidayCalendar:
        return holiday_calendar(self.calendar_country) if self.calendar_country else NO_HOLIDAYS

    def rule(self, kind: NoticeKind) -> NoticeRule | None:
        return self.notices.get(kind)


class _Reader:
    """Walks one parsed TOML table; every error names the file and the dotted key."""

    def __init__(self, path: Path, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path, self.data, self.prefix = path, data, prefix
        self.seen: set[str] = set()

    def fail(self, key: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"Breach rule file {self.path}: key '{self.prefix}{key}' {problem}")

    def get(self, key: str, required: bool = True) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if required:
                raise self.fail(key, "is missing.")
            return None
        return self.data[key]

    def text(self, key: str, required: bool = True) -> str:
        v = self.get(key, required)
        if v is None:
            return ""
        if not isinstance(v, str) or (required and not v.strip()):
            raise self.fail(key, "must be a non-empty text.")
        return v.strip()

    def whole(self, key: str, minimum: int, required: bool = True) -> int:
        v = self.get(key, required)
        if v is None:
            return 0
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise self.fail(key, f"must be a whole number of at least {minimum}, not {v!r}.")
        return v

    def flag(self, key: str) -> bool:
        v = self.get(key, False)
        if v is None:
            return False
        if not isinstance(v, bool):
            raise self.fail(key, f"must be true or false, not {v!r}.")
        return v

    def texts(self, key: str) -> tuple[str, ...]:
        v = self.get(key, False)
        if v is None:
            return ()
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(key, "must be a list of texts.")
        return tuple(cast(list[str], v))

    def table(self, key: str, required: bool = True) -> _Reader | None:
        v = self.get(key, required)
        if v is None:
            return None
        if not isinstance(v, dict):
            raise self.fail(key, "must be a table.")
        return _Reader(self.path, v, f"{self.prefix}{key}.")

    def done(self) -> None:
        for key in self.data:
            if key not in self.seen:
                raise self.fail(key, "is not a known setting (check the spelling).")


def _notice(r: _Reader, kind: NoticeKind) -> NoticeRule:
    req = r.text("required_from", required=False)
    try:
        required_from = Risk.parse(req) if req else None
    except ValidationError:
        raise r.fail("required_from", f"must be none, risk or high, not {req!r}.") from None
    period: BreachPeriod | None = None
    if r.get("amount", False) is not None or r.get("unit", False) is not None:
        amount = r.whole("amount", 1)
        unit = r.get("unit")
        if unit not in _UNITS:
            raise r.fail("unit", f"must be one of {', '.join(_UNITS)}, not {unit!r}.")
        period = BreachPeriod(amount, cast(BreachUnit, unit))
    exemptions: list[Exemption] = []
    for e in r.texts("exemptions"):
        try:
            exemptions.append(Exemption(e))
        except ValueError:
            raise r.fail("exemptions", f"lists {e!r}; known: {', '.join(x.value for x in Exemption)}.") from None
    layout = r.text("layout", required=False) or "standard"
    if layout not in ("standard", "california"):
        raise r.fail("layout", f"must be standard or california, not {layout!r}.")
    after_text = r.text("after", required=False)
    after = None
    if after_text:
        try:
            after = NoticeKind(after_text)
        except ValueError:
            raise r.fail("after", f"names an unknown notice {after_text!r}.") from None
    rule = NoticeRule(
        kind=kind, required_from=required_from, period=period,
        deadline_text=r.text("deadline"), citation=r.text("citation"),
        content_citation=r.text("content_citation", required=False),
        late_reasons=r.flag("late_reasons"), phased=r.flag("phased"),
        phased_citation=r.text("phased_citation", required=False),
        exemptions=tuple(exemptions), exemptions_citation=r.text("exemptions_citation", required=False),
        layout=cast(Layout, layout), threshold=r.whole("threshold", 1, required=False), after=after,
    )
    r.done()
    return rule


def _parse_regime(path: Path, data: Mapping[str, Any]) -> BreachRegime:
    top = _Reader(path, data)
    rid = top.text("id")
    if rid != path.stem:
        raise top.fail("id", f"is {rid!r} but must match the file name {path.stem!r}.")
    notices: dict[NoticeKind, NoticeRule] = {}
    for kind in NoticeKind:
        t = top.table(kind.value.replace("-", "_"), required=False)
        if t is not None:
            notices[kind] = _notice(t, kind)
    if not notices:
        raise top.fail("authority", "(or another notice table) is needed: the file requires no notice at all.")
    clock = top.table("clock")
    assert clock is not None
    amber = clock.whole("amber_hours", 1)
    country = clock.text("holidays_country", required=False).upper()
    clock.done()
    if country:
        try:
            holiday_calendar(country)
        except ValidationError as exc:
            raise top.fail("clock.holidays_country", str(exc)) from None
    meta = top.table("meta")
    assert meta is not None
    sources = meta.texts("sources")
    meta.text("reviewed", required=False)
    meta.done()
    regime = BreachRegime(
        id=rid, name=top.text("name"), short_name=top.text("short_name"),
        jurisdiction=top.text("jurisdiction"), authority_label=top.text("authority_label"),
        documentation_citation=top.text("documentation_citation"), notes=top.text("notes"),
        notices=MappingProxyType(notices), amber_hours=amber, calendar_country=country, sources=sources,
    )
    top.done()
    return regime


def load_regime_file(path: Path) -> BreachRegime:
    return _parse_regime(path, read_toml(path, "Breach rule file"))


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> Mapping[str, BreachRegime]:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ConfigurationError(f"No breach rule files (*.toml) found in {directory}.")
    return MappingProxyType({p.stem: load_regime_file(p) for p in files})


def load_regimes(directory: Path | None = None) -> dict[str, BreachRegime]:
    """Every regime in ``directory`` (default: the shipped rule files), keyed by id."""
    if directory is None:
        from privdesk.paths import resource_path

        directory = resource_path("breach_rules")
    return dict(_load(directory.resolve()))


#: Request laws whose breach regime has another name.
_LAW_TO_REGIME = {"ccpa": "california", "cpra": "california", "ca": "california", "us-ca": "california"}


def get_regime(regime_id: str) -> BreachRegime:
    regimes = load_regimes()
    k = _key(regime_id)
    r = regimes.get(_LAW_TO_REGIME.get(k, k))
    if r is None:
        raise ValidationError(f"{regime_id.strip()!r} is not a breach regime. Known: {', '.join(sorted(regimes))}.")
    return r


def parse_regimes(values: str | Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(get_regime(v).id for v in split_list(values)))
    if not out:
        raise ValidationError("Name at least one breach regime (for example gdpr).")
    return out


def default_regime_for_law(law_id: str) -> str:
    """The regime that goes with the organisation's default request law (gdpr when unknown)."""
    try:
        return get_regime(law_id).id if law_id else "gdpr"
    except ValidationError:
        return "gdpr"


# -- the clock -------------------------------------------------------------------------------------

ClockState = Literal["ok", "amber", "red", "done", "not-required", "no-deadline"]


def minutes_between(now: datetime, due: datetime) -> int:
    """Whole minutes from ``now`` to ``due`` (negative once late), rounded towards the past."""
    seconds = (due.astimezone(UTC) - now.astimezone(UTC)).total_seconds()
    return int(seconds // 60)


def clock_state(due: datetime, now: datetime, amber_hours: int = 24) -> ClockState:
    left = minutes_between(now, due)
    if left < 0:
        return "red"
    if left <= amber_hours * 60:
        return "amber"
    return "ok"


def format_left(minutes: int) -> str:
    """``2 d 03 h 12 min left`` or ``late by 5 h 02 min``: to the minute, as the register shows."""
    late = minutes < 0
    m = abs(minutes)
    d, rem = divmod(m, 1440)
    h, mi = divmod(rem, 60)
    body = f"{d} d {h:02d} h {mi:02d} min" if d else (f"{h} h {mi:02d} min" if h else f"{mi} min")
    return f"late by {body}" if late else f"{body} left"


@dataclass(frozen=True)
class SentNotice:
    """A notification already sent, as the clock needs it."""

    kind: NoticeKind
    regime: str
    phase: Phase
    sent_at: datetime
    count: int = 1


@dataclass(frozen=True)
class Requirement:
    """Whether one notice is required, and why (for the detail pane and the register)."""

    regime: str
    kind: NoticeKind
    required: bool
    reason: str
    citation: str


@dataclass(frozen=True)
class NoticeClock:
    """One notice's clock: due moment, state and time left, to the minute."""

    regime: str
    kind: NoticeKind
    required: bool
    reason: str
    due: datetime | None
    deadline_text: str
    citation: str
    sent_at: datetime | None
    state: ClockState
    minutes_left: int | None
    late: bool = False

    def describe(self) -> str:
        if self.state == "not-required":
            return "not required"
        if self.sent_at is not None:
            suffix = " (late)" if self.late else ""
            return f"sent {self.sent_at.isoformat(timespec='minutes')}{suffix}"
        if self.minutes_left is None:
            return self.deadline_text
        return format_left(self.minutes_left)


def requirements(regime: BreachRegime, risk: Risk, exemptions: Iterable[Exemption] = (),
                 residents: int = 0) -> list[Requirement]:
    """Which notices this regime requires for this risk assessment.

    The authority unless unlikely to result in a risk; individuals from the regime's threshold
    (GDPR: high risk) unless an allowed exception is recorded; an Attorney General sample copy
    when more residents are told than the threshold.
    """
    ex = set(exemptions)
    out: list[Requirement] = []
    for kind, rule in regime.notices.items():
        if rule.required_from is None:
            needed, why = True, "always"
        elif risk.rank >= rule.required_from.rank:
            needed, why = True, f"the breach is {risk.label}"
        else:
            needed, why = False, f"the breach is {risk.label}"
        if needed and kind is NoticeKind.INDIVIDUALS:
            invoked = [e for e in rule.exemptions if e in ex]
            if invoked:
                needed = False
                why = "exception recorded: " + "; ".join(e.label for e in invoked)
        if needed and rule.threshold:
            if residents <= rule.threshold:
                needed = False
                why = f"{residents} residents notified, not more than {rule.threshold}"
            else:
                why = f"{residents} residents notified, more than {rule.threshold}"
        out.append(Requirement(regime.id, kind, needed, why, rule.citation))
    return out


def due_moment(regime: BreachRegime, rule: NoticeRule, aware: datetime,
               sent: Sequence[SentNotice]) -> datetime | None:
    """When a notice is due: from awareness, or from the notice it follows (``after``)."""
    if rule.period is None:
        return None
    start = aware
    if rule.after is not None:
        prior = [n.sent_at for n in sent if n.kind is rule.after and n.regime == regime.id]
        if not prior:
            return None
        start = min(prior)
    return rule.period.due(start, regime.calendar)


def notice_clocks(aware: datetime, risk: Risk, regimes: Iterable[BreachRegime], now: datetime,
                  exemptions: Iterable[Exemption] = (), sent: Sequence[SentNotice] = (),
                  residents: int = 0) -> list[NoticeClock]:
    """Every notice's clock for one breach, in regime then notice order."""
    exemptions = tuple(exemptions)
    clocks: list[NoticeClock] = []
    for regime in regimes:
        for req in requirements(regime, risk, exemptions, residents):
            rule = regime.notices[req.kind]
            due = due_moment(regime, rule, aware, sent)
            initial = [n.sent_at for n in sent
                       if n.kind is req.kind and n.regime == regime.id and n.phase is Phase.INITIAL]
            sent_at = min(initial) if initial else None
            late = bool(due is not None and sent_at is not None and sent_at > due)
            state: ClockState
            left: int | None = None
            if sent_at is not None:
                state = "done"
            elif not req.required:
                state = "not-required"
            elif due is None:
                state = "no-deadline"
            else:
                left = minutes_between(now, due)
                state = clock_state(due, now, regime.amber_hours)
            clocks.append(NoticeClock(regime.id, req.kind, req.required, req.reason, due,
                                      rule.deadline_text, req.citation, sent_at, state, left, late))
    return clocks


_STATE_ORDER = {"red": 0, "amber": 1, "ok": 2, "no-deadline": 3, "done": 4, "not-required": 5}


def most_urgent(clocks: Sequence[NoticeClock]) -> NoticeClock | None:
    """The clock the register shows: the pending one due soonest (late ones first)."""
    if not clocks:
        return None
    return min(clocks, key=lambda c: (_STATE_ORDER[c.state],
                                      c.minutes_left if c.minutes_left is not None else 10**9))


def check_notification(due: datetime | None, sent_at: datetime, phase: Phase, reasons: str,
                       rule: NoticeRule | None, aware: datetime) -> str:
    """Refuse a late initial notice without reasons for the delay (GDPR Art. 33(1)).

    Follow-ups complete an initial notice (Art. 33(4)) and need no new reasons. Returns the
    cleaned reasons.
    """
    reasons = reasons.strip()
    if sent_at < aware:
        raise ValidationError(f"A notice cannot be sent ({sent_at.isoformat(timespec='minutes')}) "
                              f"before the organisation became aware of the breach ({aware.isoformat(timespec='minutes')}).")
    if phase is Phase.INITIAL and due is not None and sent_at > due and rule is not None and rule.late_reasons:
        if len(reasons) < 10:
            late = format_left(minutes_between(sent_at, due)).removeprefix("late by ")
            raise ValidationError(
                f"This notice is late by {late} (it was due {due.isoformat(timespec='minutes')}); "
                f"{rule.citation} requires the reasons for the delay. Give them (at least a sentence) "
                "and try again.")
    return reasons


# -- validation of the record ----------------------------------------------------------------------

@dataclass(frozen=True)
class BreachInput:
    """What an officer enters for a breach (plain values; the service parses and validates)."""

    title: str
    aware: str | datetime
    nature: str | Iterable[str]
    description: str
    data_categories: str | Iterable[str] = ()
    subject_categories: str | Iterable[str] = ()
    subjects_approx: int | str | None = None
    records_approx: int | str | None = None
    consequences: str = ""
    measures: str = ""
    risk: str = "risk"
    risk_reasoning: str = ""
    occurred_from: str | datetime | None = None
    occurred_to: str | datetime | None = None
    discovery: str = ""
    measures_proposed: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    countries: str | Iterable[str] = ()
    authorities: str | Iterable[str] = ()
    regimes: str | Iterable[str] = ()
    exemptions: str | Iterable[str] = ()
    exemption_reasoning: str = ""
    incident_type: str = ""
    cyber_incident: str = "unknown"
    ongoing: bool = False
    unintelligible: bool = False
    processor: str = ""
    others_informed: str = ""
    law_enforcement_delay: bool = False
    status: str = "open"
    notes: str = ""


CYBER = ("yes", "no", "unknown")


@dataclass(frozen=True)
class CleanBreach:
    """A validated breach record's values, ready to store."""

    title: str
    aware: datetime
    nature: frozenset[Nature]
    description: str
    data_categories: tuple[DataCategory, ...]
    subject_categories: tuple[str, ...]
    subjects_approx: int | None
    records_approx: int | None
    consequences: str
    measures: str
    risk: Risk
    risk_reasoning: str
    occurred_from: datetime | None
    occurred_to: datetime | None
    discovery: str
    measures_proposed: str
    contact_name: str
    contact_email: str
    contact_phone: str
    countries: tuple[str, ...]
    authorities: tuple[str, ...]
    regimes: tuple[str, ...]
    exemptions: tuple[Exemption, ...]
    exemption_reasoning: str
    incident_type: str
    cyber_incident: str
    ongoing: bool
    unintelligible: bool
    processor: str
    status: BreachStatus
    others_informed: str = ""
    law_enforcement_delay: bool = False
    notes: str = field(default="")


def _count(value: int | str | None, what: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        n = int(str(value).strip().replace(",", "").replace("_", "").lstrip("~"))
    except ValueError:
        raise ValidationError(f"The approximate number of {what} {value!r} is not a whole number.") from None
    if n < 0:
        raise ValidationError(f"The approximate number of {what} cannot be negative.")
    return n


def _moment(value: str | datetime | None, zone: tzinfo, what: str) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=zone, microsecond=0)
        return value.replace(microsecond=0)
    return parse_moment(value, zone, what)


def validate(data: BreachInput, zone: tzinfo, now: datetime) -> CleanBreach:
    """Check everything an authority's form would ask about, with one sentence per problem."""
    title = " ".join(data.title.split())
    if not title:
        raise ValidationError("A breach needs a title (a few words that name it in the register).")
    if len(title) > 200:
        raise ValidationError("The title is longer than 200 characters; put the detail in the description.")
    aware = _moment(data.aware, zone, "time of awareness")
    if aware is None:
        raise ValidationError("Say when the organisation became aware of the breach (date, time and zone).")
    check_not_future(aware, now, "time of awareness")
    occurred_from = _moment(data.occurred_from, zone, "start of the breach")
    occurred_to = _moment(data.occurred_to, zone, "end of the breach")
    if occurred_from and occurred_to and occurred_to < occurred_from:
        raise ValidationError("The breach cannot end before it started.")
    if occurred_from and occurred_from > aware:
        raise ValidationError("The breach cannot start after the organisation became aware of it.")
    description = data.description.strip()
    if not description:
        raise ValidationError("Describe what happened (Art. 33(3)(a): the nature of the breach).")
    risk = Risk.parse(data.risk) if isinstance(data.risk, str) else Risk(data.risk)
    exemptions = tuple(dict.fromkeys(Exemption.parse(e) for e in split_list(data.exemptions)))
    if exemptions and risk is not Risk.HIGH:
        raise ValidationError("Art. 34(3) exceptions only matter when the risk is high; "
                              "remove them or change the risk assessment.")
    if exemptions and len(data.exemption_reasoning.strip()) < 10:
        raise ValidationError("An Art. 34(3) exception must be documented: explain why it applies.")
    cyber = _key(data.cyber_incident or "unknown")
    if cyber not in CYBER:
        raise ValidationError(f"Cyber incident must be yes, no or unknown, not {data.cyber_incident!r}.")
    regimes = parse_regimes(data.regimes) if split_list(data.regimes) else ("gdpr",)
    countries = tuple(c.upper() for c in split_list(data.countries))
    for c in countries:
        if not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", c):
            raise ValidationError(f"{c!r} is not a country code (use ISO codes such as DE, GB, US-CA).")
    return CleanBreach(
        title=title, aware=aware, nature=parse_nature(data.nature), description=description,
        data_categories=parse_categories([data.data_categories] if isinstance(data.data_categories, str)
                                         else data.data_categories),
        subject_categories=split_list(data.subject_categories),
        subjects_approx=_count(data.subjects_approx, "data subjects"),
        records_approx=_count(data.records_approx, "records"),
        consequences=data.consequences.strip(), measures=data.measures.strip(),
        risk=risk, risk_reasoning=data.risk_reasoning.strip(),
        occurred_from=occurred_from, occurred_to=occurred_to, discovery=data.discovery.strip(),
        measures_proposed=data.measures_proposed.strip(),
        contact_name=data.contact_name.strip(), contact_email=data.contact_email.strip(),
        contact_phone=data.contact_phone.strip(), countries=countries,
        authorities=split_list(data.authorities), regimes=regimes, exemptions=exemptions,
        exemption_reasoning=data.exemption_reasoning.strip(), incident_type=data.incident_type.strip(),
        cyber_incident=cyber, ongoing=bool(data.ongoing), unintelligible=bool(data.unintelligible),
        processor=data.processor.strip(), status=BreachStatus.parse(data.status), notes=data.notes.strip(),
        others_informed=data.others_informed.strip(), law_enforcement_delay=bool(data.law_enforcement_delay),
    )
