"""The deadline engine: worked examples from the law text and regulators' guidance, then properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privdesk.domain.deadlines import (
    Deadline,
    HolidayCalendar,
    Pause,
    add_period,
    compute_deadline,
    days_left,
    holiday_calendar,
)
from privdesk.domain.laws import Period, get_law, law_ids
from privdesk.domain.requests import RequestType
from privdesk.errors import ValidationError

D = date
T = RequestType

# (law, type, received, country, subdivision, due, extended_due, acknowledge_by, why)
WORKED = [
    # ICO: "received 3 September -> until 3 October"; day of receipt is day 1.
    ("uk-gdpr", T.ACCESS, D(2025, 9, 3), None, None, D(2025, 10, 3), D(2025, 12, 3), None, "ICO corresponding date"),
    # ICO: no corresponding date -> last day of the next month.
    ("uk-gdpr", T.ACCESS, D(2025, 3, 31), None, None, D(2025, 4, 30), D(2025, 6, 30), None, "ICO 31 Mar -> 30 Apr"),
    # GDPR Art. 12(3) "extended by two further months": counted on from the end of the first month
    # (28 Feb -> 28 Apr), not three months from receipt (issue 10 point 10).
    ("gdpr", T.ACCESS, D(2025, 1, 31), None, None, D(2025, 2, 28), D(2025, 4, 28), None, "1182/71 last day of month"),
    ("gdpr", T.ACCESS, D(2024, 1, 31), None, None, D(2024, 2, 29), D(2024, 4, 29), None, "leap year"),
    # 28 Feb 2026 is a Saturday: the period ends on the next working day, Monday 2 March; the two
    # further months run from 28 February (the end of the first month before the roll).
    ("gdpr", T.ERASURE, D(2026, 1, 31), None, None, D(2026, 3, 2), D(2026, 4, 28), None, "Saturday rolls to Monday"),
    # The UK keeps the ICO's counting: three months from the clock start.
    ("uk-gdpr", T.ACCESS, D(2025, 1, 31), None, None, D(2025, 2, 28), D(2025, 4, 30), None, "ICO extension"),
    # 3 Oct 2026 is a Saturday, 4 Oct a Sunday.
    ("uk-gdpr", T.ACCESS, D(2026, 9, 3), None, None, D(2026, 10, 5), D(2026, 12, 3), None, "Saturday -> Monday"),
    ("uk-gdpr", T.ACCESS, D(2026, 9, 4), None, None, D(2026, 10, 5), D(2026, 12, 4), None, "Sunday -> Monday"),
    # Spring bank holiday Monday 25 May 2026 (UK-wide).
    ("uk-gdpr", T.ACCESS, D(2026, 4, 25), "GB", None, D(2026, 5, 26), D(2026, 7, 27), None, "bank holiday"),
    ("uk-gdpr", T.ACCESS, D(2026, 4, 25), None, None, D(2026, 5, 25), D(2026, 7, 27), None, "no holidays without country"),
    # Christmas Day (Fri), weekend, Boxing Day observed (Mon 28 Dec 2026) -> Tuesday 29 December.
    ("uk-gdpr", T.ACCESS, D(2026, 11, 25), "GB", "ENG", D(2026, 12, 29), D(2027, 2, 25), None, "Christmas chain"),
    # Scotland's summer bank holiday is the first Monday of August, England's the last.
    ("uk-gdpr", T.ACCESS, D(2026, 7, 3), "GB", "SCT", D(2026, 8, 4), D(2026, 10, 5), None, "Scottish bank holiday"),
    ("uk-gdpr", T.ACCESS, D(2026, 7, 3), "GB", "ENG", D(2026, 8, 3), D(2026, 10, 5), None, "not a holiday in England"),
    # Labour Day Friday 1 May 2026 in Germany, then the weekend.
    ("gdpr", T.ACCESS, D(2026, 4, 1), "DE", None, D(2026, 5, 4), D(2026, 7, 1), None, "German public holiday"),
    # GDPR extension away from month ends: the same date either way.
    ("gdpr", T.PORTABILITY, D(2026, 1, 15), None, None, D(2026, 2, 16), D(2026, 4, 15), None, "extension total"),
    # CCPA: 45 calendar days, day of receipt excluded; 90 with the extension; ack 10 business days.
    ("ccpa", T.ACCESS, D(2026, 3, 2), None, None, D(2026, 4, 16), D(2026, 5, 31), D(2026, 3, 16), "CCPA 45/90/10"),
    # CCPA counts calendar days and does not roll: 19 April 2026 is a Sunday and stays.
    ("ccpa", T.ERASURE, D(2026, 3, 5), None, None, D(2026, 4, 19), D(2026, 6, 3), D(2026, 3, 19), "no roll"),
    # Acknowledgement skips California's Independence Day (observed Friday 3 July 2026).
    ("ccpa", T.RECTIFICATION, D(2026, 6, 26), "US", "CA", D(2026, 8, 10), D(2026, 9, 24), D(2026, 7, 13), "CA holiday"),
    ("ccpa", T.RECTIFICATION, D(2026, 6, 26), None, None, D(2026, 8, 10), D(2026, 9, 24), D(2026, 7, 10), "weekends only"),
    # Opt-out of sale/sharing: 15 business days, no extension, no acknowledgement duty.
    ("ccpa", T.OPT_OUT, D(2026, 3, 2), None, None, D(2026, 3, 23), None, None, "CCPA opt-out"),
    ("ccpa", T.RESTRICTION, D(2026, 3, 2), None, None, D(2026, 3, 23), None, None, "CCPA limit sensitive PI"),
    ("lgpd", T.ACCESS, D(2026, 3, 1), None, None, D(2026, 3, 16), None, None, "LGPD 15 days"),
    ("lgpd", T.ERASURE, D(2026, 3, 1), "BR", None, D(2026, 3, 16), None, None, "LGPD no extension"),
    ("vcdpa", T.ACCESS, D(2026, 3, 1), None, None, D(2026, 4, 15), D(2026, 5, 30), None, "VCDPA 45+45"),
    ("cpa", T.ACCESS, D(2026, 3, 1), None, None, D(2026, 4, 15), D(2026, 5, 30), None, "CPA 45+45"),
    # CPA opt-outs: as soon as feasibly possible (Rule 4.03(A)(1)); 45 days at most, no extension.
    ("cpa", T.OPT_OUT, D(2026, 3, 1), None, None, D(2026, 4, 15), None, None, "CPA opt-out"),
]


@pytest.mark.parametrize(
    ("law_id", "rtype", "received", "country", "sub", "due", "extended", "ack", "why"),
    WORKED,
    ids=[w[-1] for w in WORKED],
)
def test_worked_examples(
    law_id: str, rtype: RequestType, received: date, country: str | None, sub: str | None,
    due: date, extended: date | None, ack: date | None, why: str,
) -> None:
    cal = holiday_calendar(country, sub)
    result = compute_deadline(get_law(law_id), rtype, received, cal)
    assert (result.due, result.extended_due, result.acknowledge_by) == (due, extended, ack), why
    assert result.law == law_id and result.type is rtype and result.received == received


def test_rolled_flag_and_unrolled_date() -> None:
    result = compute_deadline(get_law("uk-gdpr"), T.ACCESS, D(2026, 9, 3))
    assert result.rolled and result.unrolled_due == D(2026, 10, 3) and result.due == D(2026, 10, 5)
    plain = compute_deadline(get_law("uk-gdpr"), T.ACCESS, D(2025, 9, 3))
    assert not plain.rolled and plain.unrolled_due == plain.due


def test_extension_notice_by_is_the_first_period() -> None:
    result = compute_deadline(get_law("gdpr"), T.ACCESS, D(2025, 9, 3))
    assert result.extension_notice_by == result.due == D(2025, 10, 3)
    assert compute_deadline(get_law("lgpd"), T.ACCESS, D(2025, 9, 3)).extension_notice_by is None


def test_to_json_has_exactly_the_contract_keys() -> None:
    data = compute_deadline(get_law("ccpa"), T.OPT_OUT, D(2026, 3, 2)).to_json()
    assert data == {
        "law": "ccpa", "type": "opt-out", "received": "2026-03-02", "due": "2026-03-23",
        "extended_due": None, "acknowledge_by": None, "refuse_by": None,
    }


# --- clock start and pauses -------------------------------------------------------------------

def test_clock_restarts_on_identity_where_the_law_allows() -> None:
    # UK GDPR: ID received 10 Sep 2025 -> one month from that day; acknowledgement stays on receipt.
    result = compute_deadline(get_law("uk-gdpr"), T.ACCESS, D(2025, 9, 3), clock_start=D(2025, 9, 10))
    assert result.clock_start == D(2025, 9, 10)
    assert result.due == D(2025, 10, 10) and result.extended_due == D(2025, 12, 10)
    assert result.received == D(2025, 9, 3)


@pytest.mark.parametrize("law_id", ["gdpr", "ccpa", "lgpd", "vcdpa", "cpa"])
def test_clock_restart_refused_where_the_law_runs_from_receipt(law_id: str) -> None:
    with pytest.raises(ValidationError, match="runs from receipt"):
        compute_deadline(get_law(law_id), T.ACCESS, D(2025, 9, 3), clock_start=D(2025, 9, 10))


def test_clock_start_equal_to_receipt_is_always_fine() -> None:
    result = compute_deadline(get_law("ccpa"), T.ACCESS, D(2026, 3, 2), clock_start=D(2026, 3, 2))
    assert result.due == D(2026, 4, 16)


def test_clock_start_before_receipt_refused() -> None:
    with pytest.raises(ValidationError, match="before the request was received"):
        compute_deadline(get_law("uk-gdpr"), T.ACCESS, D(2025, 9, 3), clock_start=D(2025, 9, 1))


def test_pause_shifts_due_and_extended_due_by_paused_days() -> None:
    law = get_law("uk-gdpr")
    # UK GDPR Art. 12A: the period from the day of asking to the day of the answer, both
    # included, does not count: 10 to 15 September is six days.
    result = compute_deadline(law, T.ACCESS, D(2025, 9, 3), pauses=[Pause(D(2025, 9, 10), D(2025, 9, 15))])
    assert result.paused_days == 6
    assert result.due == D(2025, 10, 9)
    assert result.extended_due == D(2025, 12, 9)
    assert not result.paused


def test_overlapping_pauses_count_each_day_once() -> None:
    law = get_law("uk-gdpr")
    pauses = [Pause(D(2025, 9, 10), D(2025, 9, 15)), Pause(D(2025, 9, 12), D(2025, 9, 17))]
    result = compute_deadline(law, T.ACCESS, D(2025, 9, 3), pauses=pauses)
    assert result.paused_days == 8 and result.due == D(2025, 10, 13)  # 10-17 Sep; 11 Oct is a Saturday


def test_pause_after_the_due_date_or_before_the_clock_does_not_count() -> None:
    law = get_law("uk-gdpr")
    late = compute_deadline(law, T.ACCESS, D(2025, 9, 3), pauses=[Pause(D(2025, 10, 20), D(2025, 10, 25))])
    assert late.paused_days == 0 and late.due == D(2025, 10, 3)
    early = compute_deadline(
        law, T.ACCESS, D(2025, 9, 3), clock_start=D(2025, 9, 10), pauses=[Pause(D(2025, 9, 4), D(2025, 9, 8))]
    )
    assert early.paused_days == 0 and early.due == D(2025, 10, 10)


def test_second_pause_counts_when_the_first_pushed_the_due_date_past_it() -> None:
    law = get_law("uk-gdpr")
    pauses = [Pause(D(2025, 9, 10), D(2025, 9, 20)), Pause(D(2025, 10, 8), D(2025, 10, 9))]
    result = compute_deadline(law, T.ACCESS, D(2025, 9, 3), pauses=pauses)
    assert result.paused_days == 13 and result.due == D(2025, 10, 16)  # 10-20 Sep (11) + 8-9 Oct (2)


def test_open_pause_counts_up_to_as_of() -> None:
    law = get_law("uk-gdpr")
    open_pause = [Pause(D(2025, 9, 10))]
    now = compute_deadline(law, T.ACCESS, D(2025, 9, 3), pauses=open_pause, as_of=D(2025, 9, 13))
    assert now.paused and now.paused_days == 4 and now.due == D(2025, 10, 7)
    unknown = compute_deadline(law, T.ACCESS, D(2025, 9, 3), pauses=open_pause)
    assert unknown.paused and unknown.paused_days == 0 and unknown.due == D(2025, 10, 3)


def test_pause_ending_before_it_starts_refused() -> None:
    with pytest.raises(ValidationError, match="cannot end"):
        compute_deadline(get_law("uk-gdpr"), T.ACCESS, D(2025, 9, 3), pauses=[Pause(D(2025, 9, 10), D(2025, 9, 5))])


def test_pauses_refused_where_the_clock_cannot_stop() -> None:
    with pytest.raises(ValidationError, match="cannot be stopped"):
        compute_deadline(get_law("ccpa"), T.ACCESS, D(2026, 3, 2), pauses=[Pause(D(2026, 3, 3), D(2026, 3, 5))])


# --- calendar ---------------------------------------------------------------------------------

def test_calendar_names_and_overrides() -> None:
    cal = holiday_calendar("gb", "eng", extra=[D(2026, 6, 1)], removed=[D(2026, 5, 25)])
    assert cal.country == "GB" and cal.subdivision == "ENG"
    assert cal.name_of(D(2026, 12, 25)) == "Christmas Day"
    assert cal.name_of(D(2026, 10, 3)) == "Saturday"
    assert cal.name_of(D(2026, 10, 5)) is None
    assert not cal.is_working_day(D(2026, 6, 1)) and cal.name_of(D(2026, 6, 1)) == "Additional holiday"
    assert cal.is_working_day(D(2026, 5, 25))
    assert cal.next_working_day(D(2026, 12, 25)) == D(2026, 12, 29)
    assert cal.next_working_day(D(2026, 12, 29)) == D(2026, 12, 29)


@pytest.mark.parametrize(("text", "code"), [("eng", "ENG"), ("SCT", "SCT"), ("Scotland", "SCT"), ("northern ireland", "NIR")])
def test_subdivision_spellings(text: str, code: str) -> None:
    assert holiday_calendar("GB", text).subdivision == code


def test_calendar_without_country_has_only_weekends() -> None:
    cal = holiday_calendar()
    assert cal.is_working_day(D(2026, 12, 25))
    assert not cal.is_working_day(D(2026, 12, 26))


@pytest.mark.parametrize(
    ("country", "sub", "message"),
    [
        ("XX", None, "'XX' is not a country"),
        ("GB", "ZZ", "'ZZ' is not a subdivision of GB.*ENG, NIR, SCT, WLS"),
        (None, "CA", "needs a country"),
    ],
)
def test_unknown_calendar_refused(country: str | None, sub: str | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        holiday_calendar(country, sub)


def test_add_period_units() -> None:
    cal = HolidayCalendar(None, None)
    assert add_period(D(2026, 3, 2), Period(45, "days"), cal) == D(2026, 4, 16)
    assert add_period(D(2026, 1, 31), Period(1, "months"), cal) == D(2026, 2, 28)
    # Received on a Saturday: Monday is business day 1.
    assert add_period(D(2026, 3, 7), Period(1, "business_days"), cal) == D(2026, 3, 9)
    assert add_period(D(2026, 3, 6), Period(0, "business_days"), cal) == D(2026, 3, 6)


def test_days_left() -> None:
    assert days_left(D(2026, 3, 10), D(2026, 3, 3)) == 7
    assert days_left(D(2026, 3, 10), D(2026, 3, 10)) == 0
    assert days_left(D(2026, 3, 10), D(2026, 3, 12)) == -2


# --- properties -------------------------------------------------------------------------------

CALENDARS = [
    HolidayCalendar(None, None),
    holiday_calendar("GB"),
    holiday_calendar("GB", "SCT"),
    holiday_calendar("DE", "BY"),
    holiday_calendar("US", "CA"),
    holiday_calendar("BR"),
]
_received = st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31))
_pause = st.tuples(st.integers(0, 120), st.integers(0, 60))


def _check(result: Deadline, law_id: str, cal: HolidayCalendar) -> None:
    law = get_law(law_id)
    assert result.due >= result.received
    assert result.due >= result.clock_start
    if law.roll_to_working_day or law.period_for(result.type).unit == "business_days":
        assert cal.is_working_day(result.due)
    if result.extended_due is not None:
        assert result.extended_due > result.due
        if law.roll_to_working_day:
            assert cal.is_working_day(result.extended_due)
    if result.acknowledge_by is not None:
        assert result.received < result.acknowledge_by <= result.due
        assert cal.is_working_day(result.acknowledge_by)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    law_id=st.sampled_from(law_ids()),
    rtype=st.sampled_from(list(RequestType)),
    received=_received,
    cal=st.sampled_from(CALENDARS),
)
def test_properties_due_never_before_receipt_rolled_is_working_extension_never_shortens(
    law_id: str, rtype: RequestType, received: date, cal: HolidayCalendar
) -> None:
    _check(compute_deadline(get_law(law_id), rtype, received, cal), law_id, cal)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rtype=st.sampled_from(list(RequestType)),
    received=_received,
    cal=st.sampled_from(CALENDARS),
    id_after=st.integers(0, 60),
    pauses=st.lists(_pause, max_size=3),
)
def test_properties_with_clock_start_and_pauses_never_earlier(
    rtype: RequestType, received: date, cal: HolidayCalendar, id_after: int, pauses: list[tuple[int, int]]
) -> None:
    law = get_law("uk-gdpr")
    plain = compute_deadline(law, rtype, received, cal)
    start = received + timedelta(days=id_after)
    # UK GDPR Art. 12A stops the clock for access requests only
    stops = [Pause(received + timedelta(days=a), received + timedelta(days=a + n)) for a, n in pauses
             ] if rtype is T.ACCESS else []
    result = compute_deadline(law, rtype, received, cal, pauses=stops, clock_start=start)
    _check(result, "uk-gdpr", cal)
    assert result.due >= plain.due
    assert result.extended_due is not None and plain.extended_due is not None
    assert result.extended_due >= plain.extended_due
    assert result.paused_days <= sum(n + 1 for _, n in pauses)
