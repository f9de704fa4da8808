"""The breach clock, the rule files and the risk -> notices rules (pure, milliseconds)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from privdesk.domain import breach as dom
from privdesk.errors import ConfigurationError, ValidationError
from privdesk.paths import resource_path

CET = timezone(timedelta(hours=1))


def regime(rid: str) -> dom.BreachRegime:
    return dom.get_regime(rid)


def test_shipped_rule_files_load_with_their_numbers() -> None:
    regimes = dom.load_regimes()
    assert set(regimes) >= {"gdpr", "uk-gdpr", "lgpd", "california"}
    gdpr = regimes["gdpr"].notices[dom.NoticeKind.AUTHORITY]
    assert gdpr.period == dom.BreachPeriod(72, "hours")
    assert gdpr.required_from is dom.Risk.RISK and gdpr.late_reasons and gdpr.phased
    assert regimes["gdpr"].notices[dom.NoticeKind.INDIVIDUALS].required_from is dom.Risk.HIGH
    assert regimes["lgpd"].notices[dom.NoticeKind.AUTHORITY].period == dom.BreachPeriod(3, "business_days")
    ca = regimes["california"]
    assert ca.notices[dom.NoticeKind.INDIVIDUALS].period == dom.BreachPeriod(30, "days")
    assert ca.notices[dom.NoticeKind.INDIVIDUALS].layout == "california"
    assert ca.notices[dom.NoticeKind.ATTORNEY_GENERAL].threshold == 500
    assert "UK GDPR Art. 33(1)" == regimes["uk-gdpr"].notices[dom.NoticeKind.AUTHORITY].citation


@pytest.mark.parametrize(("old", "new", "message"), [
    ("amount = 72", "amount = 72\namonut = 3",
     r"line (\d+): key 'authority.amonut' is not a known setting \(check the spelling\)\.$"),
    ('unit = "hours"', 'unit = "weeks"', r"line (\d+): key 'authority.unit' must be one of hours, days, business_days, "
                                         r"not 'weeks'\.$"),
    ("amount = 72", "amount = 0", r"line (\d+): key 'authority.amount' must be a whole number of at least 1, not 0\.$"),
    ("late_reasons = true", 'late_reasons = "yes"', r"line (\d+): key 'authority.late_reasons' must be true or false"),
    ('required_from = "risk"', 'required_from = "some"', r"line (\d+): key 'authority.required_from' must be none, "
                                                         r"risk or high, not 'some'\.$"),
    ('"unintelligible", ', '"encrypted", ', r"line (\d+): key 'individuals.exemptions' lists 'encrypted'; known: "),
    ('layout = "standard"', 'layout = "letter"', r"line (\d+): key 'individuals.layout' must be standard or california"),
    ('citation = "GDPR Art. 34(1)"', 'citation = ""', r"line (\d+): key 'individuals.citation' must be a non-empty text"),
    ("amber_hours = 24", "amber_hours = 24\nholidays_country = \"XX\"", r"line (\d+): key 'clock.holidays_country' "),
    ('id = "gdpr"', 'id = "eu-gdpr"', r"line (\d+): key 'id' is 'eu-gdpr' but must match the file name 'gdpr'\.$"),
    ("sources = [", "sources = 3\nold = [", r"line (\d+): key 'meta.sources' must be a list of texts\.$"),
    ("[clock]\namber_hours = 24\n", "", r"gdpr.toml: key 'clock' is missing\.$"),
    ("[authority]", "[authority_notice]", r"line (\d+): key 'authority_notice' is not a known setting"),
])
def test_a_wrong_rule_file_is_refused_with_file_line_key_and_reason(tmp_path: Path, old: str, new: str,
                                                                     message: str) -> None:
    text = resource_path("breach_rules", "gdpr.toml").read_text()
    assert old in text, old
    bad = tmp_path / "gdpr.toml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigurationError) as info:
        dom.load_regime_file(bad)
    err = info.value.message
    assert err.startswith(f"Breach rule file {bad}"), err
    found = re.search(message, err)
    assert found, err
    if found.groups():  # the line named is the line of the key (or of its table)
        line = bad.read_text().splitlines()[int(found.group(1)) - 1]
        key = err.split("key '")[1].split("'")[0]
        assert key.split(".")[-1] in line or f"[{key.split('.')[0]}]" in line, (line, err)


def test_one_regime_reads_only_its_own_rule_file() -> None:
    """The register's clocks for UK GDPR breaches need the UK GDPR file only: the LGPD file (and
    the holiday calendars its business days load) stays unread; a name that is no file is refused."""
    probe = ("import json, sys\nfrom privdesk.domain.breach.regimes import get_regime\n"
             "print(json.dumps([get_regime('UK GDPR').id, 'holidays' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    rid, holidays_loaded = json.loads(out.stdout)
    assert rid == "uk-gdpr" and holidays_loaded is False
    assert dom.get_regime("ccpa").id == "california" and dom.get_regime("lgpd").calendar_country == "BR"
    for wrong in ("../breach_rules/gdpr", "nowhere", ""):
        with pytest.raises(ValidationError, match="is not a breach regime. Known: california, gdpr, lgpd, uk-gdpr"):
            dom.get_regime(wrong)


def test_authority_due_is_72_hours_to_the_minute_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    aware = datetime(2026, 10, 24, 9, 30, tzinfo=berlin)  # DST ends on 25 October
    rule = regime("gdpr").notices[dom.NoticeKind.AUTHORITY]
    due = dom.due_moment(regime("gdpr"), rule, aware, ())
    assert due is not None
    assert due.astimezone(berlin).hour == 8  # 72 real hours: the clock went back one hour
    assert (due.astimezone(UTC) - aware.astimezone(UTC)) == timedelta(hours=72)


def test_lgpd_counts_three_business_days_skipping_weekend_and_holidays() -> None:
    lg = regime("lgpd")
    rule = lg.notices[dom.NoticeKind.AUTHORITY]
    # Thursday 19 Nov 2026 -> Fri 20 Nov is a national holiday (Consciência Negra), weekend skipped
    aware = datetime(2026, 11, 19, 15, 0, tzinfo=timezone(timedelta(hours=-3)))
    due = dom.due_moment(lg, rule, aware, ())
    assert due is not None
    local = due.astimezone(aware.tzinfo)
    assert local.date().isoformat() == "2026-11-25" and (local.hour, local.minute) == (23, 59)


def test_clock_states_ok_amber_red_and_minutes() -> None:
    aware = datetime(2026, 11, 20, 9, 30, tzinfo=CET)
    due = aware + timedelta(hours=72)
    assert dom.clock_state(due, aware + timedelta(hours=47, minutes=59)) == "ok"
    assert dom.clock_state(due, aware + timedelta(hours=48)) == "amber"
    assert dom.clock_state(due, aware + timedelta(hours=72)) == "amber"
    assert dom.clock_state(due, aware + timedelta(hours=72, minutes=1)) == "red"
    assert dom.minutes_between(aware, due) == 72 * 60
    assert dom.format_left(3 * 1440 + 2 * 60 + 5) == "3 d 02 h 05 min left"
    assert dom.format_left(59) == "59 min left"
    assert dom.format_left(-(5 * 60 + 2)) == "late by 5 h 02 min"


def test_required_notices_follow_the_risk_and_exceptions() -> None:
    g = regime("gdpr")

    def req(risk: dom.Risk, ex: tuple[dom.Exemption, ...] = ()) -> dict[str, bool]:
        return {r.kind.value: r.required for r in dom.requirements(g, risk, ex)}

    assert req(dom.Risk.NONE) == {"authority": False, "individuals": False}
    assert req(dom.Risk.RISK) == {"authority": True, "individuals": False}
    assert req(dom.Risk.HIGH) == {"authority": True, "individuals": True}
    assert req(dom.Risk.HIGH, (dom.Exemption.UNINTELLIGIBLE,)) == {"authority": True, "individuals": False}
    # California: no disproportionate-effort exception, AG copy only above 500 residents
    ca = regime("california")
    r = {x.kind.value: x.required for x in dom.requirements(ca, dom.Risk.HIGH, (dom.Exemption.DISPROPORTIONATE,), 501)}
    assert r == {"individuals": True, "attorney-general": True}
    r = {x.kind.value: x.required for x in dom.requirements(ca, dom.Risk.HIGH, (), 500)}
    assert r["attorney-general"] is False


def test_notice_clocks_and_most_urgent() -> None:
    aware = datetime(2026, 11, 20, 9, 30, tzinfo=CET)
    now = aware + timedelta(hours=50)
    clocks = dom.notice_clocks(aware, dom.Risk.HIGH, [regime("gdpr")], now)
    auth = next(c for c in clocks if c.kind is dom.NoticeKind.AUTHORITY)
    assert auth.state == "amber" and auth.minutes_left == 22 * 60
    assert auth.describe() == "22 h 00 min left"
    ind = next(c for c in clocks if c.kind is dom.NoticeKind.INDIVIDUALS)
    assert ind.state == "no-deadline" and ind.describe() == "without undue delay"
    assert dom.most_urgent(clocks) == auth
    sent = [dom.SentNotice(dom.NoticeKind.AUTHORITY, "gdpr", dom.Phase.INITIAL, aware + timedelta(hours=80))]
    after = dom.notice_clocks(aware, dom.Risk.HIGH, [regime("gdpr")], now, sent=sent)
    a2 = next(c for c in after if c.kind is dom.NoticeKind.AUTHORITY)
    assert a2.state == "done" and a2.late and "late" in a2.describe()


def test_late_initial_notice_needs_reasons_follow_up_does_not() -> None:
    g = regime("gdpr")
    rule = g.notices[dom.NoticeKind.AUTHORITY]
    aware = datetime(2026, 11, 20, 9, 30, tzinfo=CET)
    due = aware + timedelta(hours=72)
    late = due + timedelta(minutes=1)
    with pytest.raises(ValidationError, match=r"late by 1 min.*reasons for the delay"):
        dom.check_notification(due, late, dom.Phase.INITIAL, "", rule, aware)
    assert dom.check_notification(due, late, dom.Phase.INITIAL, " Forensics took four days. ", rule, aware) == \
        "Forensics took four days."
    assert dom.check_notification(due, late, dom.Phase.FOLLOW_UP, "", rule, aware) == ""
    assert dom.check_notification(due, due, dom.Phase.INITIAL, "", rule, aware) == ""
    with pytest.raises(ValidationError, match="before the organisation became aware"):
        dom.check_notification(due, aware - timedelta(minutes=1), dom.Phase.INITIAL, "", rule, aware)


@pytest.mark.parametrize("text", ["2026-11-20", "20/11/2026 09:30", "2026-11-20T25:00", "2026-02-30T10:00",
                                  "yesterday", "", "2026-11-20T09:30+1"])
def test_bad_timestamps_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="time of awareness"):
        dom.parse_moment(text, UTC)


def test_timestamps_keep_their_offset_or_take_the_default_zone() -> None:
    assert dom.parse_moment("2026-11-20T09:30+01:00", UTC).utcoffset() == timedelta(hours=1)
    assert dom.parse_moment("2026-11-20T09:30Z", CET).utcoffset() == timedelta(0)
    local = dom.parse_moment("2026-11-20T09:30", ZoneInfo("America/Los_Angeles"))
    assert local.utcoffset() == timedelta(hours=-8)
    assert dom.zone_text(local.tzinfo, local) == "America/Los_Angeles"
    assert dom.zone_text(CET, local) == "+01:00"
    assert dom.zone_from_text("+05:30").utcoffset(None) == timedelta(hours=5, minutes=30)
    with pytest.raises(ValidationError):
        dom.zone_from_text("Mars/Olympus")


def test_categories_flag_special_ones_and_keep_free_entries() -> None:
    cats = dom.parse_categories(["Health, email, religion", "Loyalty points balance", "health data"])
    assert [(c.key, c.special) for c in cats] == [("health", True), ("contact", False),
                                                   ("religious-beliefs", True), ("", False)]
    assert cats[3].label == "Loyalty points balance"
    assert all(dom.parse_category(k).special for k in dom.SPECIAL_CATEGORIES)
    assert dom.parse_category("Criminal convictions").key == "criminal"


def test_risk_nature_and_reference_parsing() -> None:
    assert dom.Risk.parse("HIGH") is dom.Risk.HIGH
    with pytest.raises(ValidationError, match="not a risk level"):
        dom.Risk.parse("medium")
    assert dom.parse_nature("confidentiality, a") == {dom.Nature.CONFIDENTIALITY, dom.Nature.AVAILABILITY}
    with pytest.raises(ValidationError):
        dom.parse_nature("secrecy")
    assert dom.parse_reference("br-2026-7") == "BR-2026-0007"
    with pytest.raises(ValidationError):
        dom.parse_reference("DSR-2026-0001")


def _input(**kw: object) -> dom.BreachInput:
    base: dict[str, object] = dict(title="Misdirected e-mail", aware="2026-11-20T09:30+01:00",
                                   nature="confidentiality", description="A spreadsheet was sent to the wrong client.",
                                   risk="high")
    base.update(kw)
    return dom.BreachInput(**base)  # type: ignore[arg-type]


def test_validate_checks_the_record() -> None:
    now = datetime(2026, 11, 21, tzinfo=UTC)
    clean = dom.validate(_input(subjects_approx="1,200", data_categories="health,name"), UTC, now)
    assert clean.subjects_approx == 1200 and clean.regimes == ("gdpr",)
    with pytest.raises(ValidationError, match="in the future"):
        dom.validate(_input(aware="2026-12-20T09:30+01:00"), UTC, now)
    with pytest.raises(ValidationError, match="only matter when the risk is high"):
        dom.validate(_input(risk="risk", exemptions="unintelligible", exemption_reasoning="AES-256 at rest"), UTC, now)
    with pytest.raises(ValidationError, match="must be documented"):
        dom.validate(_input(exemptions="unintelligible"), UTC, now)
    with pytest.raises(ValidationError, match="whole number"):
        dom.validate(_input(records_approx="lots"), UTC, now)
    with pytest.raises(ValidationError, match="title"):
        dom.validate(_input(title="  "), UTC, now)
    with pytest.raises(ValidationError, match="cannot end before"):
        dom.validate(_input(occurred_from="2026-11-19T10:00Z", occurred_to="2026-11-18T10:00Z"), UTC, now)
