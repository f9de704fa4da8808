"""The notification clocks: which notices the risk assessment requires, when each is due, how
urgent it is now, and whether a notice sent late carries its reasons (GDPR Art. 33(1)).

Clocks (each rule file says which apply):

* ``hours``: the due moment is awareness plus that many hours, to the minute, in absolute time
  (a daylight-saving change in between does not move it).
* ``days``: calendar days after the day of awareness, due at the end of that day (23:59) in the
  awareness time zone.
* ``business_days``: the n-th working day after the day of awareness (weekends and the rule
  file's public holidays skipped), due at the end of that day in the awareness time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from privdesk.domain.breach.regimes import BreachRegime, NoticeRule
from privdesk.domain.breach.vocabulary import Exemption, NoticeKind, Phase, Risk
from privdesk.errors import ValidationError

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


