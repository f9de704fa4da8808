"""Reporting periods for the manager's review: this month, last quarter, a date range.

A period is a closed range of calendar days. The dashboard, the ``dashboard`` and ``report``
commands and the compliance report all take one, so "last quarter" means the same days
everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from privdesk.errors import ValidationError

#: "Due soon" means due within this many days, in the badge, the reminder and the dashboard.
DUE_SOON_DAYS = 7

PRESETS: tuple[tuple[str, str], ...] = (
    ("this-month", "This month"),
    ("last-month", "Last month"),
    ("this-quarter", "This quarter"),
    ("last-quarter", "Last quarter"),
    ("this-year", "This year"),
    ("last-year", "Last year"),
    ("last-12-months", "Last 12 months"),
)


@dataclass(frozen=True)
class Period:
    """The days from ``start`` to ``end``, both included."""

    start: date
    end: date
    label: str = ""

    @property
    def end_exclusive(self) -> date:
        return self.end + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def describe(self) -> str:
        span = f"{self.start.isoformat()} to {self.end.isoformat()}"
        return f"{self.label} ({span})" if self.label else span

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def preset(key: str, today: date) -> Period:
    """One of :data:`PRESETS` as seen on ``today``."""
    labels = dict(PRESETS)
    if key not in labels:
        raise ValidationError(f"{key!r} is not a period; choose one of: {', '.join(labels)}.")
    label = labels[key]
    if key == "this-month":
        return Period(today.replace(day=1), _month_end(today.year, today.month), label)
    if key == "last-month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end, label)
    if key == "this-quarter":
        start = _quarter_start(today)
        return Period(start, _month_end(start.year, start.month + 2), label)
    if key == "last-quarter":
        end = _quarter_start(today) - timedelta(days=1)
        return Period(_quarter_start(end), end, label)
    if key == "this-year":
        return Period(date(today.year, 1, 1), date(today.year, 12, 31), label)
    if key == "last-year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), label)
    year_ago = today.replace(year=today.year - 1, day=28) if (today.month, today.day) == (2, 29) \
        else today.replace(year=today.year - 1)
    return Period(year_ago + timedelta(days=1), today, label)


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"The {what} date {text.strip()!r} is not a date; write it as YYYY-MM-DD.") from None


def period_between(start: date | str | None, end: date | str | None, today: date) -> Period:
    """A period from typed dates; a missing start means the first of ``end``'s month (or this
    month), a missing end means ``today`` (or the start's month end when that is earlier)."""
    s = parse_day(start, "start") if isinstance(start, str) else start
    e = parse_day(end, "end") if isinstance(end, str) else end
    if s is None and e is None:
        return preset("this-month", today)
    if s is None:
        assert e is not None
        s = e.replace(day=1)
    if e is None:
        e = today if today >= s else _month_end(s.year, s.month)
    if e < s:
        raise ValidationError(f"The period ends ({e.isoformat()}) before it starts ({s.isoformat()}).")
    return Period(s, e)


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """The nearest-rank percentile of a histogram ``{value: count}``: the smallest value with at
    least ``share`` of all counts at or below it. None for an empty histogram."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(share * total - 1e-9))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def median(histogram: dict[int, int]) -> float | None:
    """The median of a histogram ``{value: count}`` (the mean of the middle two for an even count)."""
    total = sum(histogram.values())
    if not total:
        return None
    values = sorted(histogram)
    lo_rank, hi_rank = (total + 1) // 2, total // 2 + 1
    lo = hi = None
    seen = 0
    for value in values:
        seen += histogram[value]
        if lo is None and seen >= lo_rank:
            lo = value
        if seen >= hi_rank:
            hi = value
            break
    assert lo is not None and hi is not None
    return (lo + hi) / 2
