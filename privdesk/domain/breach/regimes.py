"""The breach regimes (GDPR, UK GDPR, LGPD, California) as data: ``resources/breach_rules/*.toml``
read and validated strictly, so the 72 hours, the three business days and the 500-resident
threshold are numbers a legal team can review, not constants in code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

from privdesk.domain.breach.categories import split_list
from privdesk.domain.breach.vocabulary import Exemption, NoticeKind, Risk, _key
from privdesk.domain.deadlines import NO_HOLIDAYS, HolidayCalendar, holiday_calendar
from privdesk.domain.laws import organisation_is_small_agent
from privdesk.domain.rulefiles import RuleReader, load_rule_file
from privdesk.errors import ConfigurationError, ValidationError

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
    #: periods multiplied for a small processing agent (LGPD: Resolução CD/ANPD 2/2022 Art. 14, II)
    small_agent_factor: int = 1
    small_agent_citation: str = ""

    @property
    def calendar(self) -> HolidayCalendar:
        return holiday_calendar(self.calendar_country) if self.calendar_country else NO_HOLIDAYS

    def rule(self, kind: NoticeKind) -> NoticeRule | None:
        return self.notices.get(kind)


_WHAT = "Breach rule file"


def _notice(r: RuleReader, kind: NoticeKind) -> NoticeRule:
    req = r.text("required_from", required=False)
    try:
        required_from = Risk.parse(req) if req else None
    except ValidationError:
        raise r.fail("required_from", f"must be none, risk or high, not {req!r}.") from None
    period: BreachPeriod | None = None
    if r.has("amount") or r.has("unit"):
        period = BreachPeriod(r.whole("amount", 1), cast(BreachUnit, r.choice("unit", _UNITS)))
    exemptions: list[Exemption] = []
    for e in r.texts("exemptions", required=False):
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
        late_reasons=r.flag("late_reasons", default=False), phased=r.flag("phased", default=False),
        phased_citation=r.text("phased_citation", required=False),
        exemptions=tuple(exemptions), exemptions_citation=r.text("exemptions_citation", required=False),
        layout=cast(Layout, layout), threshold=r.whole("threshold", 1, required=False), after=after,
    )
    r.done()
    return rule


def _parse_regime(path: Path, data: Mapping[str, Any]) -> BreachRegime:
    top = RuleReader(path, data, _WHAT)
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
    amber = clock.whole("amber_hours", 1)
    country = clock.text("holidays_country", required=False).upper()
    clock.done()
    if country:
        try:
            holiday_calendar(country)
        except ValidationError as exc:
            raise top.fail("clock.holidays_country", f"is wrong: {exc}") from None
    small = top.table("small_agent", required=False)
    factor, small_citation = 1, ""
    if small is not None:
        factor, small_citation = small.whole("factor", 2), small.text("citation")
        small.done()
    meta = top.table("meta")
    sources = meta.texts("sources", required=False)
    meta.text("reviewed", required=False)
    meta.done()
    regime = BreachRegime(
        id=rid, name=top.text("name"), short_name=top.text("short_name"),
        jurisdiction=top.text("jurisdiction"), authority_label=top.text("authority_label"),
        documentation_citation=top.text("documentation_citation"), notes=top.text("notes"),
        notices=MappingProxyType(notices), amber_hours=amber, calendar_country=country, sources=sources,
        small_agent_factor=factor, small_agent_citation=small_citation,
    )
    top.done()
    return regime


def load_regime_file(path: Path) -> BreachRegime:
    """Read and validate one breach rule file; an error names the line when the key is in the file."""
    return load_rule_file(path, _WHAT, _parse_regime)


@functools.lru_cache(maxsize=64)
def _load_file(path: Path) -> BreachRegime:
    return load_regime_file(path)


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> Mapping[str, BreachRegime]:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ConfigurationError(f"No breach rule files (*.toml) found in {directory}.")
    return MappingProxyType({p.stem: _load_file(p) for p in files})


def _shipped() -> Path:
    from privdesk.paths import resource_path

    return resource_path("breach_rules").resolve()


def load_regimes(directory: Path | None = None) -> dict[str, BreachRegime]:
    """Every regime in ``directory`` (default: the shipped rule files), keyed by id."""
    return dict(_load((directory or _shipped()).resolve()))


_REGIME_ID = re.compile(r"[a-z0-9][a-z0-9-]*")  # a rule file's stem; nothing that leaves the folder

#: Request laws whose breach regime has another name.
_LAW_TO_REGIME = {"ccpa": "california", "cpra": "california", "ca": "california", "us-ca": "california"}


def get_regime(regime_id: str) -> BreachRegime:
    """One regime, reading only its own rule file: the register's clocks for UK GDPR breaches do
    not parse the LGPD file (nor load the holiday calendars its business days need)."""
    k = _key(regime_id)
    rid = _LAW_TO_REGIME.get(k, k)
    path = _shipped() / f"{rid}.toml"
    if _REGIME_ID.fullmatch(rid) and path.is_file():
        r: BreachRegime | None = _load_file(path)
    else:
        r = None
    if r is None:
        known = load_regimes()
        raise ValidationError(f"{regime_id.strip()!r} is not a breach regime. Known: {', '.join(sorted(known))}.")
    if r.small_agent_factor > 1 and organisation_is_small_agent():
        return _as_small_agent(r)
    return r


def _as_small_agent(r: BreachRegime) -> BreachRegime:
    """The regime with its notice periods multiplied (e.g. LGPD: 3 business days become 6)."""
    f = r.small_agent_factor
    notices = {k: replace(n, period=BreachPeriod(n.period.amount * f, n.period.unit),
                          citation=f"{n.citation}; x{f} for a small processing agent ({r.small_agent_citation})")
               if n.period is not None else n for k, n in r.notices.items()}
    return replace(r, notices=MappingProxyType(notices))


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


