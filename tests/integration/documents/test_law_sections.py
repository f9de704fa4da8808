"""Each law's export letter prints the sections that law's access reply has, and no other; the
complaint sentence reads naturally whatever authority name the officer typed.

Read back from the rendered PDFs. The items of each law's reply are data in its rule file
(``[access_reply]`` in ``resources/laws/<law>.toml``); the expectations below are written out
independently, from the provisions: GDPR / UK GDPR Art. 15(2) (transfer safeguards), Cal. Civ. Code
1798.110 and 1798.115, Va. Code 59.1-577 and 59.1-578(C), C.R.S. 6-1-1306 and 6-1-1308(1)(a), LGPD
Art. 9, 18, 19 and 20.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from privdesk.documents import (
    ExportSnapshot,
    LetterRequest,
    PortabilityFile,
    load_templates,
    render_letter,
)
from privdesk.domain.laws import load_laws
from privdesk.domain.profile import OrgProfile
from privdesk.paths import resource_path
from tests.integration.documents.conftest import TODAY, flat, pdf_text, with_

SHIPPED = sorted(p.stem for p in resource_path("laws").glob("*.toml"))
#: Laws whose access reply includes the safeguards for transfers to third countries (Art. 15(2)).
GIVES_TRANSFERS = {"gdpr", "uk-gdpr"}
TRANSFERS_HEADING = "Transfers to third countries (safeguards)"

#: Headings each law's letter must print, and headings it must not (items the law does not give).
PRINTED: dict[str, tuple[str, ...]] = {
    "gdpr": ("Why we use your data", "What data we hold", "Who receives your data", "How long we keep your data",
             "Where your data came from", "Automated decision-making", TRANSFERS_HEADING, "Your copy of the data"),
    "uk-gdpr": ("Why we use your data", "How long we keep your data", "Where your data came from",
                "Automated decision-making", TRANSFERS_HEADING, "How to complain"),
    "vcdpa": ("Why we use your data", "What data we hold", "Who receives your data", "Your copy of the data",
              "your right to appeal"),
    "cpa": ("Why we use your data", "What data we hold", "Who receives your data", "Your copy of the data",
            "your right to appeal"),
    "ccpa": ("Categories of personal information we collected", "Categories of sources",
             "Business or commercial purposes", "Categories of third parties", "Sale and sharing",
             "How long we keep it", "Your copy of the information"),
    "lgpd": ("Purposes of the processing (Article 9, I)", "Criteria used in the processing", "Origin of the data",
             "Shared use of the data", "Duration of the processing", "Automated decisions (Article 20)",
             "Copy of your data"),
}
NOT_PRINTED: dict[str, tuple[str, ...]] = {
    "gdpr": (),
    "uk-gdpr": (),
    # Virginia and Colorado: confirmation and a copy, the privacy-notice items, the rights and the appeal
    "vcdpa": ("How long we keep", "Where your data came from", "Automated decision", "third countries"),
    "cpa": ("How long we keep", "Where your data came from", "Automated decision", "third countries"),
    # the right to know (1798.110, 1798.115) has no automated-decision or transfer item
    "ccpa": ("Automated decision", "outside the United States"),
    "lgpd": ("International transfers",),
}


def export_pdf(req: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot, law: str) -> bytes:
    ccpa_answered = replace(profile, ccpa_sells="no", ccpa_shares="no")
    return render_letter("export", with_(req, law=law), ccpa_answered, snapshot,
                         PortabilityFile("dsr.json", "ab" * 32), today=TODAY)


def letter_part(pdf: bytes) -> str:
    """The letter before its appendix (the appendix reproduces data, not sections)."""
    return pdf_text(pdf).split("Appendix:")[0]


def test_every_shipped_law_has_letters_and_says_what_its_access_reply_holds() -> None:
    assert set(SHIPPED) == set(PRINTED) == set(NOT_PRINTED), "a new law needs its expectations here"
    laws = load_laws()
    for law in SHIPPED:
        reply = laws[law].extras.access_reply
        assert reply, law
        assert all(citation.strip() for citation in reply.values()), law


@pytest.mark.parametrize("law", SHIPPED)
def test_transfers_section_only_where_the_law_gives_it(law: str, request_: LetterRequest, profile: OrgProfile,
                                                        snapshot: ExportSnapshot) -> None:
    text = flat(letter_part(export_pdf(request_, profile, snapshot, law)))
    if law in GIVES_TRANSFERS:
        assert TRANSFERS_HEADING in text
        assert "standard data protection clauses" in text  # the safeguards themselves
    else:
        assert TRANSFERS_HEADING not in text
        assert "transfer" not in text.casefold()
        assert "third countr" not in text.casefold()


@pytest.mark.parametrize("law", SHIPPED)
def test_each_law_prints_exactly_its_own_sections_numbered_without_gaps(
        law: str, request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    letter = letter_part(export_pdf(request_, profile, snapshot, law))
    text = flat(letter)
    for heading in PRINTED[law]:
        assert heading in text, heading
    for heading in NOT_PRINTED[law]:
        assert heading not in text, heading
    numbers = [int(n) for n in re.findall(r"^(\d+)\. [A-Z]", letter, flags=re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 5, numbers


@pytest.mark.parametrize("law", sorted(set(SHIPPED) - GIVES_TRANSFERS))
def test_letters_outside_the_gdpr_cite_no_gdpr_articles_from_the_generic_facts(
        law: str, request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    """The organisation's generic Art. 15 facts (art15_defaults.toml) cite GDPR articles ("contract,
    Art. 6(1)(b)", "processors under Art. 28 contracts"); under another law they mean nothing, or
    something else, and are left out, as the register's facts already were."""
    text = flat(letter_part(export_pdf(request_, profile, snapshot, law)))
    assert "To provide our services to customers and manage their accounts (contract)." in text
    assert re.search(r"\bArt\. \d", text) is None, re.findall(r".{40}\bArt\. \d.{10}", text)


@pytest.mark.parametrize("law", SHIPPED)
def test_every_item_of_the_law_has_a_section_in_its_letter(law: str) -> None:
    """The reverse direction, as data: an item the rule file lists but no section prints would be
    information the law requires and the letter leaves out."""
    template = load_templates().pick("export", law)
    printed = {s.item for s in template.sections if s.item}
    assert set(load_laws()[law].extras.access_reply) <= printed


# -- the supervisory authority in a sentence -----------------------------------------------------

@pytest.mark.parametrize(("typed", "reads"), [
    ("Information Commissioner's Office", "complain to the Information Commissioner's Office."),
    ("the Information Commissioner's Office", "complain to the Information Commissioner's Office."),
    ("The Information Commissioner's Office", "complain to the Information Commissioner's Office."),
    ("  Information Commissioner's Office (ICO) ", "complain to the Information Commissioner's Office (ICO)."),
    ("Data Protection Commission", "complain to the Data Protection Commission."),
    ("Hellenic Data Protection Authority", "complain to the Hellenic Data Protection Authority."),
    ("Commission Nationale de l'Informatique et des Libertés (CNIL)",
     "complain to the Commission Nationale de l'Informatique et des Libertés (CNIL)."),
    ("CNIL", "complain to CNIL."),
    ("Datatilsynet", "complain to Datatilsynet."),
    ("Autoriteit Persoonsgegevens", "complain to Autoriteit Persoonsgegevens."),
])
@pytest.mark.parametrize("kind", ["completion", "extension"])
def test_complaint_sentence_reads_naturally_whatever_was_typed(
        typed: str, reads: str, kind: str, request_: LetterRequest, profile: OrgProfile) -> None:
    from datetime import date

    req = with_(request_, law="gdpr", request_type="erasure", completion_summary="Deleted from CRM.",
                extended_due=date(2027, 2, 2), extension_reason="Twelve systems.")
    text = flat(pdf_text(render_letter(kind, req, replace(profile, authority_name=typed), today=TODAY)))
    assert reads in text, text[-400:]
    assert "the the" not in text.casefold() and "the The" not in text


def test_a_blank_authority_falls_back_to_the_laws_body(request_: LetterRequest, profile: OrgProfile) -> None:
    req = with_(request_, law="uk-gdpr", request_type="erasure", completion_summary="Deleted from CRM.")
    text = flat(pdf_text(render_letter("completion", req, replace(profile, authority_name=" "), today=TODAY)))
    assert "complain to the Information Commissioner's Office (ICO)." in text
