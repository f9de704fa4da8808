"""The manager's figures as plain values: what the dashboard, the ``dashboard`` command and the
compliance report show. Computed by :mod:`privdesk.services.dashboard` with SQL; kept here, free
of SQL and Qt, so the report (documents) and the window read the same values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from privdesk.domain.laws import get_law
from privdesk.domain.periods import DUE_SOON_DAYS, Period
from privdesk.domain.requests import RequestType
from privdesk.errors import ValidationError

GOOD_RATE = 0.90  # a share of deadlines met at or above this is good (green) ...
FAIR_RATE = 0.75  # ... at or above this needs watching (amber); below it, red


def rate_band(rate: float | None) -> str:
    """``good``, ``fair`` or ``poor`` for a share of deadlines met (``none`` when there is no
    figure), so every view colours a rate by how good it is, not by what it measures."""
    if rate is None:
        return "none"
    return "good" if rate >= GOOD_RATE else "fair" if rate >= FAIR_RATE else "poor"


FIGURE_LABELS: Mapping[str, str] = {
    "open": "Open requests",
    "overdue": "Overdue now (open, clock running, past the deadline)",
    "due_soon": f"Due within {DUE_SOON_DAYS} days",
    "unassigned": "Open and unassigned",
    "paused": "Open with the clock stopped",
    "received": "Received in the period",
    "closed": "Answered in the period (completed or denied)",
    "closed_on_time": "Answered on time",
    "closed_late": "Answered late",
    "extended": "Received in the period and extended",
    "denied": "Denied in the period",
    "withdrawn": "Withdrawn in the period",
}
FIGURES = tuple(FIGURE_LABELS)


@dataclass(frozen=True)
class Drill:
    """A figure to open in the queue: the figure's condition, narrowed to one law, type, status,
    officer or deadline range when the figure was a bar or a row of a breakdown."""

    figure: str
    period: Period
    today: date
    law: str | None = None
    type: str | None = None
    status: str | None = None
    officer_id: int | None = None
    unassigned: bool = False
    deadline_from: date | None = None
    deadline_before: date | None = None
    running: bool = False
    label: str = ""

    def describe(self) -> str:
        return self.label or FIGURE_LABELS.get(self.figure, self.figure)


# -- plain results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rate:
    """Answered on time and late, for one law or type (or overall)."""

    key: str
    label: str
    closed: int
    on_time: int
    late: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None


@dataclass(frozen=True)
class Workload:
    officer: str
    officer_id: int | None
    open: int
    overdue: int
    due_soon: int


@dataclass(frozen=True)
class WeekBucket:
    """Open requests whose deadline falls in ``[start, end)``; the first bucket holds the overdue."""

    label: str
    start: date | None
    end: date
    due: int
    overdue: bool = False


@dataclass(frozen=True)
class LateRequest:
    """A request answered late in the period, or still open past its deadline."""

    reference: str
    type: str
    law: str
    received: date
    deadline: date
    decided_on: date | None
    status: str
    days_late: int
    assignee: str
    reason: str


@dataclass(frozen=True)
class BreachLine:
    """A breach the organisation became aware of in the period, and how its notices went: to the
    authority (Art. 33) and to the people affected (Art. 34, high risk without an exception)."""

    reference: str
    title: str
    risk: str
    aware: datetime
    authority_due: datetime | None
    notified_at: datetime | None
    notice: str  # "in time", "late", "not sent", "overdue", "not required"
    individuals_told: int
    individuals_notice: str = "not required"  # "in time", "late", "not sent", "not required"


@dataclass(frozen=True)
class BreachClock:
    """The nearest pending breach deadline: red when late, amber under 24 hours."""

    reference: str
    title: str
    notice: str
    due: datetime | None
    minutes_left: int | None
    state: str

    def left(self) -> str:
        """``2 d 03 h left``, ``5 h 10 min left``, ``1 d 18 h late``: short enough for a tile or
        the status bar (the register shows the minutes)."""
        if self.minutes_left is None:
            return "no fixed deadline"
        d, rem = divmod(abs(self.minutes_left), 1440)
        h, m = divmod(rem, 60)
        span = f"{d} d {h:02d} h" if d else (f"{h} h {m:02d} min" if h else f"{m} min")
        return f"{span} late" if self.minutes_left < 0 else f"{span} left"

    def text(self) -> str:
        """``Breach BR-2026-0001, authority: 19 h 56 min left``."""
        short = {"Supervisory authority": "authority", "Individuals": "individuals"}.get(self.notice, self.notice)
        return f"Breach {self.reference}, {short}: {self.left()}"


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard, the command and the report show, computed at ``today``."""

    today: date
    period: Period
    counts: Mapping[str, int]
    open_by_status: Mapping[str, int]
    open_by_type: Mapping[str, int]
    open_by_law: Mapping[str, int]
    rates_by_law: tuple[Rate, ...]
    rates_by_type: tuple[Rate, ...]
    median_days_to_close: float | None
    p90_days_to_close: int | None
    denied_grounds: tuple[tuple[str, int], ...]
    workload: tuple[Workload, ...]
    weeks: tuple[WeekBucket, ...]
    breach_clock: BreachClock | None = None
    breaches: tuple[BreachLine, ...] = ()
    late: tuple[LateRequest, ...] = ()
    late_total: int = 0
    officers: Mapping[int, str] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return int(self.counts["open"])

    @property
    def overdue(self) -> int:
        return int(self.counts["overdue"])

    @property
    def due_soon(self) -> int:
        return int(self.counts["due_soon"])

    @property
    def closed(self) -> int:
        return int(self.counts["closed"])

    @property
    def on_time_rate(self) -> float | None:
        """Share of the period's answered requests decided on or before their deadline; None
        when nothing was answered."""
        closed = self.counts["closed"]
        return self.counts["closed_on_time"] / closed if closed else None

    @property
    def deadlines_met_rate(self) -> float | None:
        """Answered on time, out of those answered plus those open past their deadline now: the
        figure that does not look better the longer overdue requests are left open."""
        base = self.counts["closed"] + self.counts["overdue"]
        return self.counts["closed_on_time"] / base if base else None

    def summary_rows(self) -> list[tuple[str, str, str, float | int | None]]:
        """``(key, label, shown, value)`` of the headline figures, in the order the report's
        first table, the CSV and the command's text print them."""
        c = self.counts

        def pct(r: float | None) -> str:
            return "–" if r is None else f"{r:.0%}"

        def num(v: float | None) -> str:
            return "–" if v is None else f"{v:g}"

        def rnd(r: float | None) -> float | None:
            return None if r is None else round(r, 4)

        rows: list[tuple[str, str, str, float | int | None]] = [
            (k, FIGURE_LABELS[k], str(c[k]), c[k])
            for k in ("received", "closed", "closed_on_time", "closed_late", "extended", "denied", "withdrawn")]
        base = c["closed"] + c["overdue"]
        rows += [
            ("on_time_rate", "Answered on time, of those answered in the period", pct(self.on_time_rate),
             rnd(self.on_time_rate)),
            ("deadlines_met_rate", f"Deadlines met: answered on time of answered plus overdue now "
             f"({c['closed_on_time']} of {base})", pct(self.deadlines_met_rate), rnd(self.deadlines_met_rate)),
            ("median_days_to_close", "Median days from receipt to answer", num(self.median_days_to_close),
             self.median_days_to_close),
            ("p90_days_to_close", "90th percentile of days to answer", num(self.p90_days_to_close),
             self.p90_days_to_close),
        ]
        rows += [(k, FIGURE_LABELS[k], str(c[k]), c[k]) for k in ("open", "overdue", "due_soon", "unassigned", "paused")]
        return rows

    def drill(self, figure: str, **narrow: Any) -> Drill:
        """The queue filter for one figure (optionally narrowed, see :class:`Drill`)."""
        return Drill(figure, self.period, self.today, **narrow)

    def to_json(self) -> dict[str, Any]:
        """The ``dashboard --json`` object; key names are a contract for external checks."""
        c = self.counts

        def rate(r: float | None) -> float | None:
            return None if r is None else round(r, 4)

        return {
            "as_of": self.today.isoformat(),
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                       "label": self.period.label},
            "open": c["open"],
            "overdue": c["overdue"],
            "due_within_7_days": c["due_soon"],
            "unassigned": c["unassigned"],
            "paused": c["paused"],
            "received": c["received"],
            "closed": c["closed"],
            "closed_on_time": c["closed_on_time"],
            "closed_late": c["closed_late"],
            "on_time_rate": rate(self.on_time_rate),
            "deadlines_met_rate": rate(self.deadlines_met_rate),
            "median_days_to_close": self.median_days_to_close,
            "p90_days_to_close": self.p90_days_to_close,
            "extended": c["extended"],
            "denied": c["denied"],
            "denied_grounds": [{"reason": r, "count": n} for r, n in self.denied_grounds],
            "withdrawn": c["withdrawn"],
            "open_by_status": dict(self.open_by_status),
            "open_by_type": dict(self.open_by_type),
            "open_by_law": dict(self.open_by_law),
            "on_time_by_law": [{"law": r.key, "closed": r.closed, "on_time": r.on_time, "late": r.late,
                                "on_time_rate": rate(r.rate)} for r in self.rates_by_law],
            "on_time_by_type": [{"type": r.key, "closed": r.closed, "on_time": r.on_time, "late": r.late,
                                 "on_time_rate": rate(r.rate)} for r in self.rates_by_type],
            "by_officer": [{"officer": w.officer, "open": w.open, "overdue": w.overdue,
                            f"due_within_{DUE_SOON_DAYS}_days": w.due_soon} for w in self.workload],
            "deadlines_by_week": [{"label": b.label, "from": b.start.isoformat() if b.start else None,
                                   "before": b.end.isoformat(), "count": b.due} for b in self.weeks],
            "breaches": [{"reference": b.reference, "title": b.title, "risk": b.risk,
                          "aware": b.aware.isoformat(timespec="minutes"),
                          "authority_due": b.authority_due.isoformat(timespec="minutes") if b.authority_due else None,
                          "notified": b.notified_at.isoformat(timespec="minutes") if b.notified_at else None,
                          "notice": b.notice, "individuals_notice": b.individuals_notice,
                          "individuals_told": b.individuals_told} for b in self.breaches],
            "nearest_breach_deadline": None if self.breach_clock is None else {
                "reference": self.breach_clock.reference, "notice": self.breach_clock.notice,
                "due": self.breach_clock.due.isoformat(timespec="minutes") if self.breach_clock.due else None,
                "minutes_left": self.breach_clock.minutes_left, "state": self.breach_clock.state},
        }

def type_label(value: str) -> str:
    try:
        return RequestType(value).label
    except ValueError:
        return value


def law_label(value: str) -> str:
    """The law's short name ("VCDPA appeal" too: appeal rules are laws outside ``law_ids()``)."""
    try:
        return get_law(value).short_name
    except ValidationError:  # a law file removed since the request was opened
        return value.upper()
