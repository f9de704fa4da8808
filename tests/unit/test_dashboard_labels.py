"""Labels the dashboard, the report and its CSV print for a law."""

from __future__ import annotations

from privdesk.domain.dashboard import law_label, rate_band


def test_appeal_laws_get_their_short_name_not_the_raw_id() -> None:
    """Found by QA: the compliance report's "Open requests now" listed "VCDPA-APPEAL"."""
    assert law_label("vcdpa-appeal") == "VCDPA appeal"
    assert law_label("uk-gdpr") == "UK GDPR"
    assert law_label("gone-law") == "GONE-LAW"  # a law file removed since: still printable


def test_rate_band_grades_a_share_of_deadlines_met() -> None:
    """Green from 90 %, amber from 75 %, red below: 45 % met is not good news."""
    assert [rate_band(r) for r in (1.0, 0.9, 0.8999, 0.75, 0.7499, 0.45, 0.0)] == [
        "good", "good", "fair", "fair", "poor", "poor", "poor"]
    assert rate_band(None) == "none"
