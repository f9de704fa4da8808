"""Law rule files: the shipped facts, and clear errors for a broken file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from privdesk.domain.laws import Period, get_law, law_ids, load_laws
from privdesk.domain.requests import RequestType, legal_basis
from privdesk.errors import ConfigurationError, ValidationError
from privdesk.paths import resource_path

T = RequestType


def test_shipped_laws() -> None:
    assert law_ids() == ["ccpa", "cpa", "gdpr", "lgpd", "uk-gdpr", "vcdpa"]


@pytest.mark.parametrize(
    ("law_id", "response", "extension", "ack", "opt_out", "roll", "clock"),
    [
        ("gdpr", Period(1, "months"), Period(2, "months"), None, None, True, False),
        ("uk-gdpr", Period(1, "months"), Period(2, "months"), None, None, True, True),
        ("ccpa", Period(45, "days"), Period(45, "days"), Period(10, "business_days"), Period(15, "business_days"), False, False),
        ("lgpd", Period(15, "days"), None, None, None, False, False),
        ("vcdpa", Period(45, "days"), Period(45, "days"), None, None, False, False),
        ("cpa", Period(45, "days"), Period(45, "days"), None, None, False, False),
    ],
)
def test_law_facts(
    law_id: str, response: Period, extension: Period | None, ack: Period | None, opt_out: Period | None,
    roll: bool, clock: bool,
) -> None:
    law = get_law(law_id)
    assert law.response == response
    assert (law.extension.period if law.extension else None) == extension
    if law.extension is not None:
        assert not law.extension.repeatable
        assert law.extension.notice_within_first_period
        assert law.extension.citation
    assert law.acknowledge == ack
    assert law.opt_out == opt_out
    assert law.roll_to_working_day is roll
    assert law.clock_starts_on_verification is clock
    assert law.sources and all(s.strip() for s in law.sources)
    assert len(law.notes) > 200, "each law file explains its choices"
    assert law.authority_default
    assert set(law.types) == set(RequestType)
    assert all(rule.citation and rule.right for rule in law.types.values())
    assert law.citations["response"] and law.citations["roll"] and law.citations["clock"]


@pytest.mark.parametrize(
    ("law_id", "rtype", "basis"),
    [
        ("gdpr", T.ACCESS, "GDPR Art. 15"),
        ("gdpr", T.RECTIFICATION, "GDPR Art. 16"),
        ("gdpr", T.ERASURE, "GDPR Art. 17"),
        ("gdpr", T.RESTRICTION, "GDPR Art. 18"),
        ("gdpr", T.OBJECTION, "GDPR Art. 21(1)"),
        ("gdpr", T.OPT_OUT, "GDPR Art. 21(2) and (3)"),
        ("gdpr", T.PORTABILITY, "GDPR Art. 20"),
        ("uk-gdpr", T.ACCESS, "UK GDPR Art. 15"),
        ("ccpa", T.ACCESS, "Cal. Civ. Code §1798.110 (right to know)"),
        ("ccpa", T.ERASURE, "Cal. Civ. Code §1798.105 (right to delete)"),
        ("ccpa", T.RECTIFICATION, "Cal. Civ. Code §1798.106 (right to correct)"),
        ("ccpa", T.OPT_OUT, "Cal. Civ. Code §1798.120 (right to opt out of sale or sharing)"),
        ("lgpd", T.PORTABILITY, "LGPD Art. 18, V"),
        ("vcdpa", T.ERASURE, "Va. Code § 59.1-577(A)(3)"),
        ("cpa", T.ACCESS, "C.R.S. § 6-1-1306(1)(b)"),
    ],
)
def test_legal_basis(law_id: str, rtype: RequestType, basis: str) -> None:
    assert legal_basis(get_law(law_id), rtype) == basis


def test_type_overrides_and_period_citations() -> None:
    ccpa = get_law("ccpa")
    assert ccpa.period_for(T.OPT_OUT) == Period(15, "business_days")
    assert ccpa.period_citation(T.OPT_OUT) == "CCPA Regs. §7026(f)"
    assert ccpa.period_for(T.RESTRICTION) == Period(15, "business_days")
    assert ccpa.period_citation(T.RESTRICTION) == "CCPA Regs. §7027(g)"
    assert ccpa.period_for(T.ACCESS) == Period(45, "days")
    assert not ccpa.types[T.OPT_OUT].extendable and not ccpa.types[T.OPT_OUT].acknowledge
    assert not ccpa.types[T.OBJECTION].available
    assert get_law("gdpr").period_for(T.OPT_OUT) == Period(1, "months")


def test_get_law_normalises_and_refuses_unknown() -> None:
    assert get_law(" UK_GDPR ").id == "uk-gdpr"
    with pytest.raises(ValidationError) as info:
        get_law("hipaa")
    assert str(info.value) == "'hipaa' is not a known law. Known laws: ccpa, cpa, gdpr, lgpd, uk-gdpr, vcdpa."


def test_load_laws_is_cached() -> None:
    assert load_laws()["gdpr"] is load_laws()["gdpr"]


def test_profile_known_laws_agree() -> None:
    from privdesk.domain.profile import known_laws

    assert known_laws() == law_ids()


# --- broken files -------------------------------------------------------------------------------

@pytest.fixture
def law_dir(tmp_path: Path) -> Path:
    d = tmp_path / "laws"
    d.mkdir()
    shutil.copy(resource_path("laws", "gdpr.toml"), d / "gdpr.toml")
    shutil.copy(resource_path("laws", "ccpa.toml"), d / "ccpa.toml")
    return d


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_copied_files_load(law_dir: Path) -> None:
    assert sorted(load_laws(law_dir)) == ["ccpa", "gdpr"]


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('[extension]\namount = 2\nunit = "months"', '[extension]\namount = 2\nunit = "weeks"', "extension.unit", "must be one of days, months, business_days"),
        ('[response]\namount = 1\n', '[response]\n', "response.amount", "is missing"),
        ('[response]\namount = 1\n', '[response]\namount = -1\n', "response.amount", "at least 1"),
        ('[response]\namount = 1\n', '[response]\namount = "one"\n', "response.amount", "whole number"),
        ("roll_to_working_day = true", "roll_to_workingday = true", "clock.roll_to_working_day", "is missing"),
        ("roll_to_working_day = true", 'roll_to_working_day = "yes"', "clock.roll_to_working_day", "true or false"),
        ("pauses = false", "pauses = false\npause = true", "clock.pause", "not a known setting"),
        ('[types.portability]\nright = "Right to data portability"\ncitation = "GDPR Art. 20"\n', "", "types.portability", "is missing"),
        ('citation = "GDPR Art. 15"', 'citation = ""', "types.access.citation", "non-empty text"),
        ('id = "gdpr"', 'id = "eu-gdpr"', "id", "must match the file name"),
        ("[meta]", "[metadata]", "meta", "is missing"),
        ('transfers = "GDPR Art. 15(2)', 'transfer = "GDPR Art. 15(2)', "access_reply.transfer",
         "is not an item of an access reply"),
        ('copy = "GDPR Art. 15(3)"', 'copy = ""', "access_reply.copy", "non-empty text"),
    ],
)
def test_bad_file_names_file_and_key(law_dir: Path, old: str, new: str, key: str, problem: str) -> None:
    path = law_dir / "gdpr.toml"
    _edit(path, old, new)
    with pytest.raises(ConfigurationError) as info:
        load_laws(law_dir)
    message = str(info.value)
    assert str(path) in message
    assert f"key '{key}'" in message
    assert problem in message


def test_invalid_toml_names_the_file(law_dir: Path) -> None:
    path = law_dir / "ccpa.toml"
    _edit(path, "[response]", "[response")
    with pytest.raises(ConfigurationError, match="ccpa.toml is not valid TOML"):
        load_laws(law_dir)


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="No law files"):
        load_laws(tmp_path)


def test_a_new_law_is_a_file(law_dir: Path) -> None:
    text = (law_dir / "ccpa.toml").read_text(encoding="utf-8").replace('id = "ccpa"', 'id = "xx-test"')
    (law_dir / "xx-test.toml").write_text(text, encoding="utf-8")
    laws = load_laws(law_dir)
    assert laws["xx-test"].response == Period(45, "days")


def test_every_missing_right_says_what_to_do_instead() -> None:
    """The intake service refuses an unavailable right with this note, so it must read as advice."""
    missing = [(law.id, t) for law in load_laws().values() for t, rule in law.types.items() if not rule.available]
    assert ("ccpa", T.OBJECTION) in missing and ("vcdpa", T.RESTRICTION) in missing
    for law_id, t in missing:
        assert get_law(law_id).types[t].note.startswith("record it as"), (law_id, t)
