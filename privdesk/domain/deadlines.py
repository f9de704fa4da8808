"""The deadline engine: a pure function of law, request type, dates, holiday calendar and pauses.

How periods are counted (each law file says which rules apply and why):

* ``days``: calendar days; the day of receipt is not counted, so 45 days from 1 March is 15 April.
* ``months``: the same date in the following month, or that month's last day when the date does
  not exist (31 January + 1 month = 28/29 February). This is Regulation 1182/71 Art. 3(2)(c) and
  the ICO's "day of receipt is day 1, corresponding calendar date next month" - the same dates.
* ``business_days``: counted from the day after receipt, skipping weekends and the calendar's
  public holidays, so the result is always a working day.
* Rolling: where the law says so, a due date on a weekend or public holiday moves to the next
  working day (Reg. 1182/71 Art. 3(4); ICO). Where it does not, the calendar date stands.
* Extended due: the response and extension periods counted together from the clock start
  (GDPR: three months), then shifted and rolled like the due date.
* Clock start: where the law lets the clock start only when identity, a fee or a clarification is
  received, ``clock_start`` is that day and the periods run from it instead of from receipt.
* Pauses: a :class:`Pause` from ``start`` to ``end`` stops the clock for ``end - start`` calendar
  days (the clock stops on the day the officer asks, and runs again on the day the answer
  arrives). Only pauses that begin while the clock runs (on or after the clock start and on or
  before the due date as shifted so far) count; overlapping pauses are merged. An open pause
  counts up to ``as_of`` (the day the deadline is looked at), or not at all without it.
* Acknowledgement: counted from receipt, never shifted (it confirms that the request arrived).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from privdesk.domain.laws import LawRule, Period
from privdesk.domain.request_types import RequestType
from privdesk.errors import ValidationError

_DEFAULT_WEEKEND = frozenset({5, 6})
_MAX_YEARS = 3  # a deadline with extension never spans more than a few years; bounds the holiday loop


@functools.lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    import holidays  # loaded on first use: 0.05-0.1 s of every start
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return {d: str(name) for d, name in calendar.items()}


@functools.lru_cache(maxsize=64)
def _weekend(country: str | None) -> frozenset[int]:
    import holidays  # loaded on first use: 0.05-0.1 s of every start
    if country is None:
        return _DEFAULT_WEEKEND
    weekend = getattr(holidays.country_holidays(country), "weekend", None)
    return frozenset(weekend) if weekend else _DEFAULT_WEEKEND


@dataclass(frozen=True)
class HolidayCalendar:
    """Which days count as working days: weekends and public holidays of one country/subdivision.

    ``extra_holidays`` adds days (a company closure the law recognises, a holiday the package
    lacks); ``removed`` takes days away. Without a country only weekends are non-working.
    """

    country: str | None
    subdivision: str | None
    extra_holidays: frozenset[date] = frozenset()
    removed: frozenset[date] = frozenset()

    def holiday_name(self, d: date) -> str | None:
        if d in self.removed:
            return None
        if d in self.extra_holidays:
            return "Additional holiday"
        if self.country is None:
            return None
        return _public_holidays(self.country, self.subdivision, d.year).get(d)

    def name_of(self, d: date) -> str | None:
        """Why ``d`` is not a working day (holiday name, ``Saturday``, ``Sunday``), or None."""
        name = self.holiday_name(d)
        if name is not None:
            return name
        if d.weekday() in _weekend(self.country):
            return d.strftime("%A")
        return None

    def is_working_day(self, d: date) -> bool:
        return d.weekday() not in _weekend(self.country) and self.holiday_name(d) is None

    def next_working_day(self, d: date) -> date:
        """``d`` itself when it is a working day, else the first working day after it."""
        limit = d + timedelta(days=366 * _MAX_YEARS)
        while not self.is_working_day(d):
            d += timedelta(days=1)
            if d > limit:  # pragma: no cover - only a calendar with every day a holiday
                raise ValidationError("The holiday calendar has no working day in the next three years.")
        return d

    def add_business_days(self, start: date, amount: int) -> date:
        """The ``amount``-th working day after ``start`` (``start`` itself is not counted)."""
        d = start
        for _ in range(amount):
            d = self.next_working_day(d + timedelta(days=1))
        return d

    def describe(self) -> str:
        if self.country is None:
            return "weekends only (no public holidays)"
        return f"public holidays of {self.country}{'-' + self.subdivision if self.subdivision else ''}"


@functools.cache
def supported_countries() -> frozenset[str]:
    """The country codes (and aliases such as UK) the holiday calendar knows.

    Read from the package's registry: ``holidays.list_supported_countries()`` imports every
    country's module to list its subdivisions, about 0.1 s that a code check does not need.
    """
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_country_codes(include_aliases=True))


def holiday_calendar(
    country: str | None = None,
    subdivision: str | None = None,
    extra: Iterable[date] = (),
    removed: Iterable[date] = (),
) -> HolidayCalendar:
    """A calendar for a country (ISO code) and optional subdivision, checked against ``holidays``."""
    cc = country.strip().upper() if country and country.strip() else None
    sd = subdivision.strip() if subdivision and subdivision.strip() else None
    if cc is None and sd is not None:
        raise ValidationError(f"The subdivision {subdivision!r} needs a country (for example --country US).")
    if cc is not None:
        if cc not in supported_countries():
            raise ValidationError(
                f"{country!r} is not a country the holiday calendar knows (use ISO codes such as GB, DE, US)."
            )
        if sd is not None:
            import holidays  # loaded on first use: 0.05-0.1 s of every start

            sd = _canonical_subdivision(cc, sd, tuple(getattr(holidays, cc).subdivisions))
    return HolidayCalendar(cc, sd, frozenset(extra), frozenset(removed))


def _canonical_subdivision(country: str, text: str, known: Sequence[str]) -> str:
    """The package's code for a subdivision typed as ``eng``, ``ENG`` or ``England``."""
    import holidays  # loaded on first use: 0.05-0.1 s of every start
    for code in known:
        if code.casefold() == text.casefold():
            return code
    aliases: dict[str, str] = getattr(holidays.country_holidays(country), "subdivisions_aliases", None) or {}
    for alias, code in aliases.items():
        if alias.casefold() == text.casefold():
            return code
    raise ValidationError(
        f"{text!r} is not a subdivision of {country} the holiday calendar knows. Known: {', '.join(known) or 'none'}."
    )


NO_HOLIDAYS = HolidayCalendar(None, None)


@dataclass(frozen=True)
class Pause:
    """A stretch during which the clock is stopped (awaiting identity, a fee or a clarification).

    ``end`` is the day the clock runs again (the answer arrived); None while still waiting.
    """

    start: date
    end: date | None = None

    def days(self, as_of: date | None) -> int:
        end = self.end if self.end is not None else as_of
        if end is None or end <= self.start:
            return 0
        return (end - self.start).days


@dataclass(frozen=True)
class Deadline:
    """The dates one request must meet; ``to_json`` is the command-line contract."""

    law: str
    type: RequestType
    received: date
    clock_start: date
    due: date
    extended_due: date | None
    acknowledge_by: date | None
    paused_days: int
    rolled: bool
    unrolled_due: date | None = None
    extension_notice_by: date | None = None
    paused: bool = False
    holidays_used: str = field(default="")
    #: the last day to refuse (GDPR Art. 12(4), Va. Code 59.1-577(B)(2), C.R.S. 6-1-1306(2)):
    #: counted from receipt, never moved by an extension; None where the law sets none
    refuse_by: date | None = None

    def to_json(self) -> dict[str, Any]:
        """Exactly the keys of ``privdesk deadline --json`` (ISO dates, None where none)."""
        return {
            "law": self.law,
            "type": self.type.value,
            "received": self.received.isoformat(),
            "due": self.due.isoformat(),
            "extended_due": self.extended_due.isoformat() if self.extended_due else None,
            "acknowledge_by": self.acknowledge_by.isoformat() if self.acknowledge_by else None,
            "refuse_by": self.refuse_by.isoformat() if self.refuse_by else None,
        }


def add_period(start: date, period: Period, calendar: HolidayCalendar) -> date:
    """The last day of ``period`` counted from ``start`` (the day of receipt or clock start)."""
    if period.unit == "months":
        return start + relativedelta(months=period.amount)
    if period.unit == "business_days":
        return calendar.add_business_days(start, period.amount)
    return start + timedelta(days=period.amount)


def _total(response: Period, extension: Period) -> Period | None:
    if response.unit == extension.unit:
        return Period(response.amount + extension.amount, response.unit)
    return None


def _merged(pauses: Sequence[Pause], as_of: date | None, inclusive: bool = False) -> list[tuple[date, int]]:
    """Pauses as (start, days), sorted and with overlaps merged so no day is counted twice.

    ``inclusive``: the day of asking and the day of the answer both do not count (UK GDPR Art. 12A:
    "the period beginning with the day on which the controller makes the request and ending with
    the day on which the controller receives the information"), one day more than "between".
    """
    spans: list[tuple[date, date]] = []
    for p in pauses:
        if p.end is not None and p.end < p.start:
            raise ValidationError(
                f"A pause cannot end ({p.end.isoformat()}) before it starts ({p.start.isoformat()})."
            )
        days = p.days(as_of)
        end = p.end if p.end is not None else as_of
        if inclusive and end is not None and end >= p.start:
            days += 1
        if days:
            spans.append((p.start, p.start + timedelta(days=days)))
    spans.sort()
    merged: list[list[date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, (e - s).days) for s, e in merged]


def compute_deadline(
    law: LawRule,
    rtype: RequestType,
    received: date,
    calendar: HolidayCalendar | None = None,
    pauses: Sequence[Pause] = (),
    clock_start: date | None = None,
    *,
    as_of: date | None = None,
) -> Deadline:
    """Compute the due, extended due and acknowledgement dates of one request (see module doc)."""
    cal = calendar or NO_HOLIDAYS
    start = received if clock_start is None else clock_start
    if start < received:
        raise ValidationError(
            f"The clock cannot start ({start.isoformat()}) before the request was received ({received.isoformat()})."
        )
    if start != received and not law.clock_starts_on_verification:
        raise ValidationError(
            f"Under the {law.short_name} the deadline runs from receipt ({received.isoformat()}); "
            f"it does not restart when identity or other information arrives."
        )
    if pauses and not law.clock_pauses:
        raise ValidationError(
            f"Under the {law.short_name} the clock cannot be stopped; the deadline runs from receipt."
        )

    rule = law.types[rtype]
    if pauses and not rule.pauses:
        raise ValidationError(
            f"Under the {law.short_name} the clock stops only for the requests the law names "
            f"({law.citations['clock']}); it cannot be stopped for {rtype.label.lower()} requests."
        )
    period = law.period_for(rtype)
    base_due = add_period(start, period, cal)

    base_ext: date | None = None
    if law.extension is not None and rule.extendable:
        total = _total(period, law.extension.period)
        base_ext = (
            add_period(start, total, cal)
            if total is not None and law.extension.counted_from == "clock_start"
            else add_period(base_due, law.extension.period, cal)
        )

    paused_days = 0
    running_due = base_due
    open_pause = False
    for p in pauses:
        if p.end is None and p.start >= start:
            open_pause = True
    for p_start, days in _merged(pauses, as_of, inclusive=law.pause_days == "inclusive"):
        # A pause counts only while the clock runs: after it started, before the (shifted) due date.
        if p_start < start or p_start > running_due:
            continue
        paused_days += days
        running_due = base_due + timedelta(days=paused_days)

    def finish(d: date) -> date:
        shifted = d + timedelta(days=paused_days)
        return cal.next_working_day(shifted) if law.roll_to_working_day else shifted

    unrolled = base_due + timedelta(days=paused_days)
    due = finish(base_due)
    extended = finish(base_ext) if base_ext is not None else None

    acknowledge_by: date | None = None
    if law.acknowledge is not None and rule.acknowledge:
        acknowledge_by = add_period(received, law.acknowledge, cal)

    refuse_by = refusal_deadline(law, received, cal)
    notice_by = due if law.extension is not None and law.extension.notice_within_first_period and extended else None
    return Deadline(
        law=law.id,
        type=rtype,
        received=received,
        clock_start=start,
        due=due,
        extended_due=extended,
        acknowledge_by=acknowledge_by,
        paused_days=paused_days,
        rolled=due != unrolled,
        unrolled_due=unrolled,
        extension_notice_by=notice_by,
        paused=open_pause,
        holidays_used=cal.describe(),
        refuse_by=refuse_by,
    )


def refusal_deadline(law: LawRule, received: date, calendar: HolidayCalendar | None = None) -> date | None:
    """The last day to send a refusal: the law's refusal period from receipt, rolled like the due
    date where the law rolls; the extension never moves it."""
    rule = law.extras.refusal
    if rule is None:
        return None
    cal = calendar or NO_HOLIDAYS
    end = add_period(received, Period(rule.amount, rule.unit), cal)  # type: ignore[arg-type]
    return cal.next_working_day(end) if law.roll_to_working_day else end


def days_left(due: date, today: date) -> int:
    """Whole days until ``due``: 0 on the due day, negative when overdue."""
    return (due - today).days
