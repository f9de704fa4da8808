"""Issue 10 (legal review), points 1-3 and 7: each letter states exactly what its law gives.

Read back from the rendered PDFs: the rights and complaint route per law (Va. Code 59.1-577,
C.R.S. 6-1-1306, UK GDPR Art. 77 / DPA 2018 s.164A), the CCPA sale/sharing statement from the
profile (Cal. Civ. Code 1798.115), the LGPD criteria (Art. 19, II) and the proportionate verification
letter (GDPR Art. 12(6), EDPB Guidelines 01/2022).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from privdesk.documents import (
    ExportSnapshot,
    LetterNotApplicableError,
    LetterRequest,
    render_letter,
)
from privdesk.domain.profile import OrgProfile, validate_setting
from privdesk.errors import ValidationError
from tests.integration.documents.conftest import TODAY, flat, pdf_text, with_

GDPR_ONLY = ("restriction", "to object", "supervisory authority", "Article 77", "lead")


def export_text(req: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot, law: str) -> str:
    return flat(pdf_text(render_letter("export", with_(req, law=law), profile, snapshot, today=TODAY)))


@pytest.mark.parametrize(("law", "ag", "days"), [
    ("vcdpa", "Office of the Attorney General of Virginia", "within 60 days of receiving your appeal"),
    ("cpa", "Colorado Attorney General", "within 45 days of receiving your appeal"),
])
def test_us_state_letters_list_their_own_rights_and_the_appeal_route(
    law: str, ag: str, days: str, request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot,
) -> None:
    text = export_text(request_, profile, snapshot, law)
    for phrase in GDPR_ONLY:
        assert phrase not in text, phrase
    assert "to opt out of the processing of your personal data for targeted advertising" in text
    assert "portable" in text
    assert days in text and ag in text
    assert 'the subject "Appeal DSR-2026-0042"' in text
    # the Attorney General comes after a denied appeal, not as a supervisory authority
    assert text.index("appeal our decision") < text.index(ag)
    if law == "cpa":
        assert "extend this by 60 days" in text


def test_uk_letter_names_the_commissioner_and_the_complaint_to_us_not_a_lead_authority(
    request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot,
) -> None:
    text = export_text(request_, profile, snapshot, "uk-gdpr")
    assert "lead" not in text.casefold().replace("leading", "")
    assert "Data Protection Act 2018, section 164A" in text
    assert "acknowledge your complaint within 30 days" in text
    assert "Information Commissioner (Article 77 UK GDPR)" in text


def test_gdpr_letter_keeps_the_art15_rights(request_: LetterRequest, profile: OrgProfile,
                                            snapshot: ExportSnapshot) -> None:
    text = export_text(request_, profile, snapshot, "gdpr")
    for phrase in ("(Article 16 GDPR)", "(Article 17 GDPR)", "(Article 18 GDPR)", "(Article 21 GDPR)",
                   "lodge a complaint with a supervisory authority (Article 77 GDPR)"):
        assert phrase in text


def test_ccpa_letter_says_what_the_profile_says_about_sale_and_sharing(
    request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot,
) -> None:
    unset = replace(profile, ccpa_sells="", ccpa_shares="")
    with pytest.raises(LetterNotApplicableError, match=r"set ccpa\.sells to yes or no in Settings"):
        export_text(request_, unset, snapshot, "ccpa")
    with pytest.raises(LetterNotApplicableError, match=r"list the categories sold"):
        export_text(request_, replace(profile, ccpa_sells="yes", ccpa_shares="no"), snapshot, "ccpa")

    neither = export_text(request_, replace(profile, ccpa_sells="no", ccpa_shares="no"), snapshot, "ccpa")
    assert "we have neither sold nor shared personal information" in neither
    assert "We do not sell" not in neither

    sells = replace(profile, ccpa_sells="yes", ccpa_shares="yes",
                    ccpa_sold="Identifiers - data brokers\nCommercial information - marketing partners",
                    ccpa_shared="Internet activity - advertising networks")
    text = export_text(request_, sells, snapshot, "ccpa")
    for phrase in ("Identifiers - data brokers", "Commercial information - marketing partners",
                   "Internet activity - advertising networks", "cross-context behavioural advertising",
                   "right to opt out of the sale and sharing"):
        assert phrase in text
    assert "neither sold nor shared" not in text and "We have not sold" not in text

    shares_only = replace(sells, ccpa_sells="no", ccpa_sold="")
    text = export_text(request_, shares_only, snapshot, "ccpa")
    assert "We have not sold personal information." in text and "advertising networks" in text


def test_ccpa_settings_take_yes_or_no_only() -> None:
    assert validate_setting("ccpa.sells", " YES ") == "yes"
    with pytest.raises(ValidationError, match="write yes or no"):
        validate_setting("ccpa.shares", "sometimes")


def test_lgpd_letter_gives_the_criteria_used(request_: LetterRequest, profile: OrgProfile,
                                             snapshot: ExportSnapshot) -> None:
    text = export_text(request_, profile, snapshot, "lgpd")
    assert "Criteria used in the processing (Article 19, II)" in text
    assert "legal bases the LGPD provides (Article 7" in text
    assert "Autoridade Nacional de Proteção de Dados" in text and "Article 18, § 8" in text
    assert "Information Commissioner" not in text


def test_verification_letter_asks_proportionately_by_default(request_: LetterRequest, profile: OrgProfile) -> None:
    pending = with_(request_, verification="pending")
    text = flat(pdf_text(render_letter("verification", pending, profile, today=TODAY)))
    assert "reply to this letter from the e-mail address you registered" in text
    assert "customer number" in text
    assert "identity document" not in text and "passport" not in text and "proof of address" not in text.casefold()

    only_id = with_(pending, verification_asks=("id-document",))
    text = flat(pdf_text(render_letter("verification", only_id, profile, today=TODAY)))
    assert "copy of an identity document" in text and "reasonable doubts" in text
    assert "reply to this letter" not in text and "customer number" not in text

    with pytest.raises(LetterNotApplicableError, match="'passport' is not something"):
        render_letter("verification", with_(pending, verification_asks=("passport",)), profile, today=TODAY)


@pytest.mark.parametrize(("law", "phrases"), [
    ("uk-gdpr", ("section 164A", "Information Commissioner (Article 77 UK GDPR)", "judicial remedy")),
    ("lgpd", ("Autoridade Nacional de Proteção de Dados", "Article 18, § 8")),
    ("gdpr", ("lodge a complaint with a supervisory authority (Article 77 GDPR)", "Article 79 GDPR")),
])
def test_denial_gives_the_complaint_route_of_its_law(law: str, phrases: tuple[str, ...], request_: LetterRequest,
                                                    profile: OrgProfile) -> None:
    req = with_(request_, law=law, denial_reasons=("Manifestly unfounded.",))
    text = flat(pdf_text(render_letter("denial", req, profile, today=TODAY)))
    for phrase in phrases:
        assert phrase in text, phrase
    assert "lead" not in text.casefold()


@pytest.mark.parametrize(("law", "phrases"), [
    ("vcdpa", ("may appeal our decision", "within 60 days", "Office of the Attorney General of Virginia", "1-800-552-9963")),
    ("cpa", ("may appeal our decision", "within 45 days", "Colorado Attorney General", "coag.gov/file-complaint")),
])
def test_us_state_denial_sends_a_denied_appeal_to_the_attorney_general_not_the_profile_authority(
        law: str, phrases: tuple[str, ...], request_: LetterRequest, profile: OrgProfile) -> None:
    """Found by QA on the demo data: a Virginia denial said "If we deny the appeal, you may contact
    Information Commissioner's Office to submit a complaint", with the ICO's address (the profile's
    supervisory authority, which Virginia and Colorado law do not have)."""
    assert profile.authority_name, "the fixture profile must name an authority for this test to bite"
    req = with_(request_, law=law, denial_reasons=("Manifestly unfounded.",))
    text = flat(pdf_text(render_letter("denial", req, profile, today=TODAY)))
    for phrase in phrases:
        assert phrase in text, phrase
    assert profile.authority_name not in text


@pytest.mark.parametrize("law", ["vcdpa", "cpa", "ccpa", "lgpd"])
@pytest.mark.parametrize("kind", ["completion", "denial"])
def test_letters_outside_the_gdpr_never_name_the_profiles_gdpr_authority(
        law: str, kind: str, request_: LetterRequest, profile: OrgProfile) -> None:
    """Found by QA: completion letters under every law ended "You also have the right to complain to
    Information Commissioner's Office", and the CCPA denial gave the ICO's address: the profile's
    authority is the GDPR one (Settings: "the GDPR authority your letters name")."""
    assert profile.authority_name
    req = with_(request_, law=law, request_type="erasure", completion_summary="Deleted from CRM.",
                denial_reasons=("Manifestly unfounded.",))
    text = flat(pdf_text(render_letter(kind, req, profile, today=TODAY)))
    assert profile.authority_name not in text


def test_letter_wording_cites_once_and_names_the_body_with_its_article(
        request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot, tmp_path: Path) -> None:
    """Found by QA: the LGPD export said "As LGPD Art. 18, I and II; Art. 19 and LGPD Art. 19, II
    provide", the CCPA completion "complain to California Privacy Protection Agency", and the CCPA
    denial printed the agency's name a second time as if it were its address."""
    from privdesk.domain.laws import get_law
    from privdesk.domain.request_types import RequestType

    law = get_law("lgpd")  # the request's own citation (its legal basis) and the law's response citation
    cites = {"right": law.types[RequestType("access")].citation, "deadline": law.citations["response"]}
    lgpd = export_text(with_(request_, citations=cites), profile, snapshot, "lgpd")
    assert "As LGPD Art. 18, I and II and LGPD Art. 19, II provide, this is our complete statement" in lgpd
    req = with_(request_, law="ccpa", request_type="erasure", completion_summary="Deleted from CRM.",
                denial_reasons=("Manifestly unfounded.",))
    done = flat(pdf_text(render_letter("completion", req, profile, today=TODAY)))
    assert "complain to the California Privacy Protection Agency" in done
    denial = render_letter("denial", req, profile, today=TODAY)
    text = flat(pdf_text(denial))
    assert text.count("California Privacy Protection Agency") == 1 and "cppa.ca.gov" in text
    for kind, data in (("lgpd-export", render_letter("export", with_(request_, law="lgpd"), profile, snapshot,
                                                     today=TODAY)), ("ccpa-denial", denial)):
        (tmp_path / f"{kind}.pdf").write_bytes(data)
