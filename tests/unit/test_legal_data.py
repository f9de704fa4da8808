"""Issue 10: the law files and letter data say what the statutes say (checked as data, in ms)."""

from __future__ import annotations

import re
import tomllib
from datetime import date

import pytest

from privdesk.documents.templates import load_templates
from privdesk.domain.laws import load_laws
from privdesk.paths import resource_path


@pytest.mark.parametrize("folder", ["laws", "breach_rules"])
def test_every_law_file_says_when_it_was_reviewed_and_from_which_sources(folder: str) -> None:
    for path in sorted(resource_path(folder).glob("*.toml")):
        meta = tomllib.loads(path.read_text(encoding="utf-8"))["meta"]
        assert date.fromisoformat(meta["reviewed"]) <= date(2026, 12, 31), path.name
        assert meta["sources"] and all(isinstance(s, str) and s.strip() for s in meta["sources"]), path.name


def test_uk_time_limits_cite_article_12a_and_its_commencement() -> None:
    uk = load_laws()["uk-gdpr"]
    assert "Art. 12A" in uk.citations["response"] and "Art. 12A" in uk.citations["extension"]
    assert "SI 2026/82" in uk.citations["time_limits"] and "5 February 2026" in uk.citations["time_limits"]
    assert "s.164A" in uk.citations["complaint_to_controller"] and "19 June 2026" in uk.citations["complaint_to_controller"]
    assert "Art. 15" in uk.notes and "does not count" in uk.notes  # the stop-the-clock rule's reach
    text = load_templates().laws["uk-gdpr"]
    assert text.citations["deadline"] == "Articles 12(3) and 12A UK GDPR"
    assert text.citations["extension"] == "Article 12A UK GDPR"


@pytest.mark.parametrize("law", ["vcdpa", "cpa"])
def test_us_state_letter_data_has_no_gdpr_rights_or_authority(law: str) -> None:
    text = load_templates().laws[law]
    everything = " ".join([*text.other_rights, *text.letter.values()])
    for word in ("restrict", "object", "supervisory authority", "lead"):
        assert word not in everything, word
    assert "Attorney General" in text.letter["complaint_route"]
    assert re.search(r"within (60|45) days of receiving your appeal", text.letter["complaint_route"])


def test_each_law_lists_its_own_rights() -> None:
    laws = load_templates().laws
    assert len(laws["gdpr"].other_rights) == 4 and all("GDPR)" in r for r in laws["gdpr"].other_rights)
    assert all("UK GDPR" in r for r in laws["uk-gdpr"].other_rights)
    assert any("§ 1798.120" in r for r in laws["ccpa"].other_rights)
    assert any("Article 18, IX" in r for r in laws["lgpd"].other_rights)
    assert "lead" not in laws["uk-gdpr"].letter["complaint_route"]
