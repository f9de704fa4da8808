"""Every dashboard figure of a known case database, on SQLite and PostgreSQL, and the queue's
drill-down listing exactly the requests each figure counts."""

from __future__ import annotations

from datetime import date, timedelta

from privdesk.services import requests as rq
from privdesk.services.dashboard import FIGURES, Dashboard, dashboard, reminder
from tests.integration.dashboard.conftest import NOW, OCTOBER, TODAY, Case


def figures(case: Case) -> Dashboard:
    return dashboard(case.ctx, today=TODAY, period=OCTOBER, details=True, now=NOW)


def test_every_figure_of_october(case: Case) -> None:
    d = figures(case)
    assert dict(d.counts) == {
        "open": 5,            # C, F, H, I, J
        "overdue": 1,         # H (F's clock is stopped)
        "due_soon": 1,        # I, due 30 Nov
        "unassigned": 3,      # C, F, J
        "paused": 1,          # F
        "received": 6,        # C, D, E, F, H, I
        "closed": 3,          # A, B, D (G in August and K in November are outside)
        "closed_on_time": 2,  # A, D
        "closed_late": 1,     # B
        "extended": 1,        # C
        "denied": 1,          # D
        "withdrawn": 1,       # E
    }
    assert d.on_time_rate == 2 / 3
    assert d.deadlines_met_rate == 2 / 4  # the overdue H counts against it
    assert (d.median_days_to_close, d.p90_days_to_close) == (25, 49)  # 22, 25, 49 days
    assert d.denied_grounds == (("Manifestly unfounded", 1),)
    assert [(r.key, r.closed, r.on_time, r.late) for r in d.rates_by_law] == [("gdpr", 2, 1, 1), ("uk-gdpr", 1, 1, 0)]
    assert [(r.key, r.closed, r.on_time, r.late) for r in d.rates_by_type] == [("access", 2, 1, 1),
                                                                              ("erasure", 1, 1, 0)]
    assert d.open_by_status == {"received": 3, "extended": 1, "in_progress": 1}
    assert d.open_by_law == {"gdpr": 4, "uk-gdpr": 1}
    assert [(w.officer, w.open, w.overdue, w.due_soon) for w in d.workload] == [
        ("Olga Reviewer", 2, 1, 1), ("Unassigned", 3, 0, 0)]
    assert [(b.label, b.due) for b in d.weeks[:3]] == [("Overdue", 1), ("This week", 0), ("30 Nov", 1)]
    assert sum(b.due for b in d.weeks) == 4  # H, I, J and C (4 Jan); F's clock is stopped
    assert [(r.reference, r.days_late) for r in d.late] == [(case.refs["B"], 19), (case.refs["H"], 23)]
    assert [(b.title, b.notice, b.individuals_notice) for b in d.breaches] == [
        ("Lost laptop", "in time", "in time"), ("Phished mailbox", "late", "not sent")]  # high risk, nobody told
    assert d.breaches[0].individuals_told == 312
    assert d.breach_clock is not None and d.breach_clock.reference == "BR-2026-0003"
    assert (d.breach_clock.minutes_left, d.breach_clock.state) == (62 * 60, "ok")


def test_contract_keys_of_the_json(case: Case) -> None:
    j = figures(case).to_json()
    assert {k: j[k] for k in ("open", "overdue", "due_within_7_days", "extended", "closed")} == {
        "open": 5, "overdue": 1, "due_within_7_days": 1, "extended": 1, "closed": 3}
    assert j["on_time_rate"] == 0.6667 and j["median_days_to_close"] == 25
    assert j["by_officer"][0] == {"officer": "Olga Reviewer", "open": 2, "overdue": 1, "due_within_7_days": 1}


def test_nothing_closed_gives_null_rates(case: Case) -> None:
    d = dashboard(case.ctx, today=TODAY, period=type(OCTOBER)(date(2025, 1, 1), date(2025, 1, 31)), now=NOW)
    assert d.counts["closed"] == 0
    assert d.on_time_rate is None and d.median_days_to_close is None
    assert d.deadlines_met_rate == 0.0  # nothing answered, one overdue: no deadline met


def test_drill_down_lists_exactly_what_each_figure_counts(case: Case) -> None:
    d = figures(case)

    def listed(drill: object) -> set[str]:
        q = rq.RequestQuery(drill=drill)
        refs = {r.reference for r in rq.list_requests(case.ctx, q, limit=None, today=TODAY)}
        assert rq.count_requests(case.ctx, q, today=TODAY) == len(refs)
        return refs

    for figure in FIGURES:
        assert len(listed(d.drill(figure))) == d.counts[figure], figure
    r = case.refs
    assert listed(d.drill("closed_late")) == {r["B"]}
    assert listed(d.drill("closed", law="uk-gdpr")) == {r["D"]}
    assert listed(d.drill("overdue", officer_id=case.officer_id)) == {r["H"]}
    assert listed(d.drill("open", unassigned=True)) == {r["C"], r["F"], r["J"]}
    for week in d.weeks:
        drill = d.drill("overdue") if week.overdue else d.drill(
            "open", deadline_from=week.start, deadline_before=week.end, running=True)
        assert len(listed(drill)) == week.due, week.label


def test_badge_and_dashboard_agree_on_due_soon(case: Case) -> None:
    d = figures(case)
    rem = reminder(case.ctx, today=TODAY, now=NOW)
    assert (rem.overdue, rem.due_soon, rem.days) == (d.counts["overdue"], d.counts["due_soon"], 7)
    assert rem.breach is not None and "BR-2026-0003" in rem.message()
    late = reminder(case.ctx, today=TODAY, now=NOW + timedelta(days=3))
    assert late.breach is not None and late.breach.state == "red" and late.breach.text() == "Breach BR-2026-0003, authority: 10 h 00 min late"
    soon = reminder(case.ctx, today=TODAY, now=NOW + timedelta(days=2))
    assert soon.breach is not None and soon.breach.state == "amber"
