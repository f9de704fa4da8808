"""The access reply (export letter) read back from the PDF: each sentence cites the provision it
rests on, the complaint route survives a profile without an authority, and a search that found
nothing is answered plainly, with no empty copy.

Expectations are written out from the provisions, not read from the rule files: Va. Code § 59.1-577
A 1 (confirm and access) and § 59.1-578 C (privacy notice: C 1 categories, C 2 purposes, C 4 and 5
third parties); C.R.S. § 6-1-1306(1)(b) and § 6-1-1308(1)(a)(I), (II), (IV), (V); GDPR Art. 15(1),
15(1)(a)-(c), 15(3) and Art. 77(1) (the authority of the Member State of habitual residence, place of
work or place of the alleged infringement); UK GDPR Art. 77 (the Information Commissioner).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from privdesk.documents import (
    ExportSnapshot,
    ExportSource,
    LetterRequest,
    load_templates,
    render_letter,
)
from privdesk.domain.laws import load_laws
from privdesk.domain.profile import OrgProfile
from privdesk.paths import resource_path
from privdesk.services.context import AppContext
from tests.integration.documents.conftest import TODAY, flat, pdf_text, with_

ORG = "Northwind Analytics Ltd"
SHIPPED = sorted(p.stem for p in resource_path("laws").glob("*.toml"))


def _render(req: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot, kind: str = "export") -> str:
    answered = replace(profile, ccpa_sells="no", ccpa_shares="no")
    return flat(pdf_text(render_letter(kind, req, answered, snapshot, today=TODAY)))


def _sentence_with(text: str, citation: str) -> str:
    """The sentence (up to its full stop or colon) in which ``citation`` stands."""
    at = text.index(citation)
    start = max(text.rfind(". ", 0, at), text.rfind(": ", 0, at)) + 2
    ends = [i for i in (text.find(". ", at), text.find(": ", at), text.find("):", at)) if i >= 0]
    return text[start:min(ends) + 2]


# -- 1. every sentence cites the provision it rests on ----------------------------------------------

#: (law, the request's right as the rule file gives it, sentence -> the citation beside it)
CITED = {
    "vcdpa": ("Va. Code § 59.1-577(A)(1)", {
        f"We confirm that {ORG} processes personal data about you": "Va. Code § 59.1-577(A)(1)",
        "We process personal data for these purposes": "Va. Code § 59.1-578(C)(2)",
        "We process these categories of personal data": "Va. Code § 59.1-578(C)(1)",
        "We share personal data with the following recipients or categories of recipient":
            "Va. Code § 59.1-578(C)(4) and (5)",
        "The appendix to this letter contains a copy of the personal data we hold about you":
            "Va. Code § 59.1-577(A)(1)",
    }),
    "cpa": ("C.R.S. § 6-1-1306(1)(b)", {
        f"We confirm that {ORG} processes personal data about you": "C.R.S. § 6-1-1306(1)(b)",
        "We process personal data for these purposes": "C.R.S. § 6-1-1308(1)(a)(II)",
        "We process these categories of personal data": "C.R.S. § 6-1-1308(1)(a)(I)",
        "We share personal data with the following recipients or categories of recipient":
            "C.R.S. § 6-1-1308(1)(a)(IV) and (V)",
        "The appendix to this letter contains a copy of the personal data we hold about you":
            "C.R.S. § 6-1-1306(1)(b)",
    }),
    "gdpr": ("GDPR Art. 15", {
        f"We confirm that {ORG} processes personal data about you": "GDPR Art. 15",
        "We process personal data for these purposes": "Article 15(1)(a) GDPR",
        "We process these categories of personal data": "Article 15(1)(b) GDPR",
        "We share personal data with the following recipients or categories of recipient": "Article 15(1)(c) GDPR",
        "The appendix to this letter contains a copy of the personal data we hold about you": "Article 15(3) GDPR",
    }),
}


@pytest.mark.parametrize("law", sorted(CITED))
def test_each_sentence_cites_the_provision_it_rests_on(law: str, request_: LetterRequest, profile: OrgProfile,
                                                       snapshot: ExportSnapshot) -> None:
    right, sentences = CITED[law]
    req = with_(request_, law=law, citations={"right": right})  # as casefile.letter_request passes it
    text = _render(req, profile, snapshot).split("Appendix:")[0]
    for sentence, citation in sentences.items():
        assert f"{sentence} ({citation})" in text, (sentence, citation)
    # the right of access is not cited for what the privacy notice gives, nor the other way round
    assert f"information {right} requires" not in text
    for citation in ("59.1-578", "6-1-1308"):
        if citation in text:
            assert "confirm" not in _sentence_with(text, citation)
    assert "59.1-577(A)(1)" not in _sentence_with(text, "We process personal data for these purposes")


def _tokens(citation: str) -> list[str]:
    """A provision without the law's name and the words around it: "Va. Code § 59.1-578(C)(2)" and
    "Va. Code §59.1-578(C)(2) (privacy notice: ...)" both start 59.1-578, c, 2."""
    bare = re.sub(r"Va\. Code|C\.R\.S\.|Cal\. Civ\. Code|UK GDPR|GDPR|LGPD|Article|Art\.|of the|§", " ", citation)
    return [t.casefold() for t in re.findall(r"\d+(?:[.\-]\d+)*|[A-Za-z]+", bare)]


@pytest.mark.parametrize("law", SHIPPED)
def test_letter_citations_name_the_provision_the_rule_file_gives(law: str) -> None:
    """The letters' item citations (templates/laws.toml) and the law's access reply (laws/<law>.toml,
    the reviewed source) name the same provision for each item."""
    cites = load_templates().laws[law].citations
    reply = load_laws()[law].extras.access_reply
    for item in ("purposes", "categories", "recipients", "copy"):
        letter, rule = _tokens(cites[item]), _tokens(reply[item])
        assert letter and rule[:len(letter)] == letter, (item, cites[item], reply[item])


# -- 2. the complaint route without an authority in Settings ----------------------------------------

ART_77_ROUTE = ("You have the right to lodge a complaint with a supervisory authority (Article 77 GDPR), in "
                "particular with the supervisory authority of the Member State of your habitual residence, of "
                "your place of work or of the place where you think your rights were infringed.")
NO_AUTHORITY = {"authority_name": "", "authority_address": "", "authority_email": ""}
CNIL = {"authority_name": "CNIL", "authority_address": "3 Place de Fontenoy, 75007 Paris",
        "authority_email": "contact@cnil.example"}


@pytest.mark.parametrize("kind", ["export", "denial"])
def test_gdpr_letter_without_an_authority_gives_the_art_77_route(
        kind: str, request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    req = with_(request_, law="gdpr", status="denied", denial_reasons=("Manifestly unfounded.",))
    text = _render(req, replace(profile, **NO_AUTHORITY), snapshot, kind)
    assert ART_77_ROUTE in text
    assert "responsible for us is" not in text  # no heading over an empty block


@pytest.mark.parametrize("kind", ["export", "denial"])
def test_gdpr_letter_with_an_authority_names_it(kind: str, request_: LetterRequest, profile: OrgProfile,
                                                snapshot: ExportSnapshot) -> None:
    req = with_(request_, law="gdpr", status="denied", denial_reasons=("Manifestly unfounded.",))
    text = _render(req, replace(profile, **CNIL), snapshot, kind)
    assert "The supervisory authority responsible for us is: CNIL 3 Place de Fontenoy, 75007 Paris" in text
    assert "contact@cnil.example" in text
    assert ART_77_ROUTE not in text


def test_short_letters_without_an_authority_still_say_where_to_complain(request_: LetterRequest,
                                                                        profile: OrgProfile) -> None:
    req = with_(request_, law="gdpr", status="completed", request_type="erasure", completion_summary="Erased.")
    text = _render(req, replace(profile, **NO_AUTHORITY), ExportSnapshot(sources=()), "completion")
    assert ("You also have the right to complain to a supervisory authority, in particular in the Member State "
            "where you live or work or where you think your rights were infringed.") in text
    assert "lead supervisory authority" not in text


def test_uk_gdpr_letter_without_an_authority_names_the_commissioner(
        request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    text = _render(request_, replace(profile, **NO_AUTHORITY), snapshot)
    assert "lodge a complaint with the Information Commissioner (Article 77 UK GDPR)" in text
    assert "Information Commissioner's Office, Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF" in text


def _open(ctx: AppContext, law: str) -> str:
    from privdesk.services import requests as svc

    new = svc.NewRequest(type="access", law=law, received=date(2026, 11, 2), name="Aisha Khan",
                         emails=("aisha@example.com",))
    return svc.open_request(ctx, new, "dpo@example.com", today=date(2026, 11, 3)).request.reference


def test_officer_is_warned_before_a_letter_names_no_authority(ctx: AppContext) -> None:
    from privdesk.services import letter_checks
    from privdesk.services import requests as svc
    from privdesk.services.settings import set_setting

    gdpr, uk = _open(ctx, "gdpr"), _open(ctx, "uk-gdpr")
    d = svc.get_request(ctx, gdpr)
    set_setting(ctx, "org.name", "Northwind Traders")  # the organisation and its contact are warned about apart
    set_setting(ctx, "org.email", "privacy@northwind.example")
    for kind in ("export", "denial", "extension", "completion"):
        warnings = letter_checks.profile_warnings(ctx, kind, d)
        assert len(warnings) == 1 and "Settings name no supervisory authority" in warnings[0], kind
        assert "Article 77 GDPR" in warnings[0]
    assert letter_checks.profile_warnings(ctx, "acknowledgement", d) == []  # it names no authority
    # the UK route names the Information Commissioner whatever Settings say
    assert letter_checks.profile_warnings(ctx, "export", svc.get_request(ctx, uk)) == []
    set_setting(ctx, "authority.name", "CNIL")
    assert letter_checks.profile_warnings(ctx, "export", d) == []
    assert letter_checks.letter_warnings(ctx, "export", d, today=date(2026, 11, 4)) == []


def test_cli_warns_before_writing_a_letter_that_names_no_authority(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from privdesk.cli import main

    base = ["--data-dir", str(data_dir)]
    assert main([*base, "request", "add", "--type", "access", "--law", "gdpr", "--received",
                 date.today().isoformat(), "--name", "Aisha Khan", "--email", "aisha@example.com"]) == 0
    ref = capsys.readouterr().out.split()[0]
    assert main([*base, "letter", "acknowledgement", ref, "-o", str(tmp_path / "ack.pdf")]) == 0
    assert "supervisory authority" not in capsys.readouterr().err
    assert main([*base, "request", "deny", ref, "--reason", "The request is manifestly unfounded.",
                 "--as", "dpo@example.com"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main([*base, "letter", "denial", ref, "-o", str(tmp_path / "denial.pdf")]) == 0
    err = capsys.readouterr().err
    assert "warning: Settings name no supervisory authority" in err
    assert ART_77_ROUTE in flat(pdf_text((tmp_path / "denial.pdf").read_bytes()))  # written all the same


def test_a_route_quoting_the_authority_needs_one_without_it(tmp_path: Path) -> None:
    import shutil

    from privdesk.documents import TemplateError
    from privdesk.documents.templates import clear_template_cache

    target = tmp_path / "templates"
    shutil.copytree(resource_path("templates"), target)
    laws = target / "laws.toml"
    text = laws.read_text(encoding="utf-8")
    start = text.index("complaint_route_no_authority")
    laws.write_text(text[:start] + text[text.index('"""', text.index('"""', start) + 3) + 3:], encoding="utf-8")
    clear_template_cache()
    with pytest.raises(TemplateError, match=r"laws\.toml: \[gdpr\]\.letter\.complaint_route names the authority"):
        load_templates(target)


# -- 3. a search that found nothing -------------------------------------------------------------------

SEARCHED = ("crm", "billing", "support")
#: each law's heading over the copy of the data
COPY_HEADING = {"gdpr": "Your copy of the data", "uk-gdpr": "Your copy of the data", "vcdpa": "Your copy of the data",
                "cpa": "Your copy of the data", "ccpa": "Your copy of the information", "lgpd": "Copy of your data"}


def _searched(rows: list[dict[str, object]]) -> ExportSnapshot:
    return ExportSnapshot(sources=(ExportSource("crm", "customers", ("id", "email"), rows),),
                          identifiers=("email: zoe@example.com",), connections=SEARCHED,
                          taken_at=datetime(2026, 11, 3, 9, 30, tzinfo=UTC))


@pytest.mark.parametrize("law", SHIPPED)
def test_nothing_found_says_so_and_prints_no_copy(law: str, request_: LetterRequest, profile: OrgProfile) -> None:
    text = _render(with_(request_, law=law), profile, _searched([]))
    assert set(COPY_HEADING) == set(SHIPPED)
    assert "We searched our systems, listed below, and found no" in text
    listed = text.split("We searched these systems:")[1].split("1. ")[0]
    assert [s.strip(" •") for s in listed.split("•") if s.strip(" •")] == list(SEARCHED)
    assert COPY_HEADING[law] not in text
    assert "Appendix" not in text and "appendix" not in text
    assert "found no records about you" not in text
    assert "processes personal data about you" not in text


def test_nothing_found_still_confirms_under_the_right_of_access(request_: LetterRequest, profile: OrgProfile) -> None:
    text = _render(request_, profile, _searched([]))
    assert f"we confirm that {ORG} holds no personal data about you (Article 15 UK GDPR)" in text


@pytest.mark.parametrize("law", SHIPPED)
def test_data_found_prints_the_copy_and_the_appendix(law: str, request_: LetterRequest, profile: OrgProfile) -> None:
    text = _render(with_(request_, law=law), profile, _searched([{"id": 7, "email": "zoe@example.com"}]))
    assert COPY_HEADING[law] in text
    assert "Appendix:" in text and "zoe@example.com" in text.split("Appendix:")[1]
    assert "found no" not in text


def test_everything_withheld_is_not_reported_as_nothing_found(request_: LetterRequest, profile: OrgProfile) -> None:
    """Data found and then withheld (Art. 15(4)) is held: the letter must not say we hold none."""
    withheld = replace(_searched([]), withheld=("crm · customers: the notes of an ongoing fraud investigation.",))
    text = _render(request_, profile, withheld)
    assert "holds no personal data" not in text and "found no" not in text
    assert f"We confirm that {ORG} processes personal data about you" in text
    assert "the notes of an ongoing fraud investigation" in text
