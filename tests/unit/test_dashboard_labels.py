"""Labels the dashboard, the report and its CSV print for a law."""

from __future__ import annotations

from privdesk.domain.dashboard import law_label


def test_appeal_laws_get_their_short_name_not_the_raw_id() -> None:
    """Found by QA: the compliance report's "Open requests now" listed "VCDPA-APPEAL"."""
    assert law_label("vcdpa-appeal") == "VCDPA appeal"
    assert law_label("uk-gdpr") == "UK GDPR"
    assert law_label("gone-law") == "GONE-LAW"  # a law file removed since: still printable
