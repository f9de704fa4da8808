"""One rule per letter, whatever its kind, read back from real PDFs made through the case file.

- The authority to complain to: a UK GDPR letter names the Information Commissioner's Office (UK
  GDPR Art. 77; the UK has one supervisory authority) even when Settings name an EU authority for
  the organisation's GDPR letters; a GDPR letter names the authority of Settings.
- One citation style per law in every letter (Va. Code § 59.1-577(A)(1), as the Code of Virginia's
  section sign and the subdivisions in brackets of LEGAL.md and the rule file; C.R.S. § 6-1-1306(2);
  Cal. Civ. Code § 1798.130; "Article 15 GDPR"; "Article 18, II of the LGPD").
- A search that found nothing: no empty portability file beside the access reply, none in the case
  file, and no heading or sentence that says data about the person is held.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from privdesk.documents import LETTER_KINDS
from privdesk.services import casefile
from privdesk.services import discovery as ds
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.demo import seed_profile
from privdesk.services.settings import update_settings
from tests.integration.documents.conftest import flat, pdf_text

ACTOR = "dpo@northwind.example"
CNIL = "Commission nationale de l'informatique et des libertés (CNIL)"
CNIL_ADDRESS = "3 Place de Fontenoy, 75007 Paris"
ICO = "Information Commissioner"

#: per law, a pattern of the citation style its letters must NOT use, and one its letters do use
STYLES: dict[str, tuple[str, str]] = {
    "vcdpa": (r"§59|59\.1-57\d\s+[A-C]\b|59\.1-578\s+C\b", r"Va\. Code § 59\.1-577\([A-C]\)"),
    "cpa": (r"§6|C\.R\.S\. 6-", r"C\.R\.S\. § 6-1-1306\(\d\)"),
    "ccpa": (r"§\d|CCPA Regs", r"Cal\. Civ\. Code § 1798\.1\d\d"),
    "gdpr": (r"\bGDPR Art\.", r"Article 1\d(\(\d\))? GDPR"),
    "uk-gdpr": (r"\bGDPR Art\.", r"Articles? [\dA()]+( and [\dA()]+)? UK GDPR"),
    "lgpd": (r"LGPD Art\.", r"Article \d+, (§ \d+|[IVX]+) of the LGPD"),
}


@pytest.fixture
def crm(ctx: AppContext, tmp_path: Path) -> AppContext:
    """The demo profile with an EU authority in Settings, and one connected CRM holding Zoë."""
    seed_profile(ctx)
    update_settings(ctx, {"authority.name": CNIL, "authority.address": CNIL_ADDRESS,
                          "authority.email": "plaintes@cnil.example"})
    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT)")
        c.execute("INSERT INTO customers VALUES (1, 'Zoë Ødegård', 'zoe@example.com')")
    ds.add_connection(ctx, "crm", f"sqlite:///{db}")
    return ctx


def _open(ctx: AppContext, law: str, rtype: str, email: str = "zoe@example.com") -> str:
    return rq.open_request(ctx, rq.NewRequest(type=rtype, law=law, received=date.today() - timedelta(days=3),
                                              name="Zoë Ødegård", emails=(email,)), actor=ACTOR).reference


def _attach(ctx: AppContext, ref: str, email: str) -> None:
    result = ds.search(ctx, ds.make_query(ctx, emails=[email]))
    casefile.attach_snapshot(ctx, ref, ds.make_snapshot(ctx, result), ACTOR)


def letters_of(ctx: AppContext, law: str) -> dict[str, str]:
    """Every letter kind under ``law`` the request allows, as the officer would make it, flattened."""
    out: dict[str, str] = {}

    def take(kind: str, ref: str) -> None:
        out[kind] = flat(pdf_text(casefile.preview_letter(ctx, kind, ref)))

    access = _open(ctx, law, "access")
    take("acknowledgement", access)
    if rq.get_request(ctx, access).verification == "pending":
        take("verification", access)
    rq.verify_identity(ctx, access, ACTOR)
    if law != "lgpd":  # the LGPD allows no extension
        rq.extend(ctx, access, "Your request covers twelve years of records.", ACTOR)
        take("extension", access)
    _attach(ctx, access, "zoe@example.com")
    take("export", access)
    fixed = _open(ctx, law, "rectification")
    rq.verify_identity(ctx, fixed, ACTOR)
    rq.complete(ctx, fixed, "Corrected the postal address.", ACTOR)
    take("completion", fixed)
    refused = _open(ctx, law, "erasure")
    rq.deny(ctx, refused, "We must keep the invoices for ten years.", ACTOR)
    take("denial", refused)
    return out


def test_every_uk_gdpr_letter_names_the_ico_never_the_eu_authority_of_settings(crm: AppContext) -> None:
    """Found in review: the UK GDPR extension and completion letters said "complain to the CNIL"
    when Settings named the CNIL for the organisation's GDPR letters; only the access reply named
    the ICO."""
    uk, eu = letters_of(crm, "uk-gdpr"), letters_of(crm, "gdpr")
    assert set(uk) == set(LETTER_KINDS)
    complaining = {kind for kind, text in eu.items() if "CNIL" in text}
    # the kinds that name an authority to complain to: the rule must reach each of them
    assert complaining >= {"extension", "completion", "export", "denial"}, complaining
    for kind, text in uk.items():
        assert "CNIL" not in text and CNIL_ADDRESS not in text and "cnil" not in text.casefold(), kind
        if kind in complaining:
            assert ICO in text, kind
    assert "complain to the Information Commissioner's Office (ICO)" in uk["extension"]
    assert "complain to the Information Commissioner's Office (ICO)" in uk["completion"]
    for kind in complaining:  # a GDPR letter still names the authority of Settings
        assert ICO not in eu[kind], kind
    assert f"complain to the {CNIL}" in eu["extension"] and f"complain to the {CNIL}" in eu["completion"]
    assert CNIL_ADDRESS in eu["export"] and CNIL_ADDRESS in eu["denial"]


@pytest.mark.parametrize("law", sorted(STYLES))
def test_each_law_is_cited_in_one_style_in_every_letter(crm: AppContext, law: str) -> None:
    """Found in review: a Virginia letter cited "§59.1-577(A)(1)" (the rule file) beside
    "§ 59.1-577 A 1" (the letter wording); GDPR letters mixed "GDPR Art. 15" and "Article 15 GDPR"."""
    other, own = STYLES[law]
    letters = letters_of(crm, law)
    for kind, text in letters.items():
        found = re.findall(rf".{{0,30}}(?:{other}).{{0,20}}", text)
        assert not found, (kind, found)
    missing = [kind for kind, text in letters.items() if kind != "verification" and not re.search(own, text)]
    assert not missing, (law, missing)


@pytest.mark.parametrize("law", sorted(STYLES))
def test_nothing_found_reply_has_no_empty_portability_file_and_says_no_data_is_held(
        crm: AppContext, tmp_path: Path, law: str) -> None:
    """Found in review: the access reply to a search that found nothing printed no copy but still
    wrote "letter-data.json" with empty data beside it and listed it in the case file; and the CCPA
    letter's heading "Categories of personal information we collected" implied data was held."""
    ref = _open(crm, law, "access", "nobody@example.org")
    rq.verify_identity(crm, ref, ACTOR)
    _attach(crm, ref, "nobody@example.org")
    out = tmp_path / "letter.pdf"
    doc = casefile.generate_letter(crm, "export", ref, out, ACTOR)
    assert doc.kind == "export" and out.is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("letter")) == ["letter.pdf"]
    assert [d.kind for d in casefile.list_documents(crm, ref)] == ["export"]
    text = flat(pdf_text(out.read_bytes()))
    assert "no personal" in text  # the letter says we hold none
    implies_held = [
        "Categories of personal information we collected", "Why we use your data", "What data we hold", "Who receives your data",
        "How long we keep your data", "Where your data came from", "your account", "provided by you",
        "decisions about you", "contract with you", "with your consent for marketing", "how we have used your personal data",
        "you signed up", "your payments", "know the personal information we have collected", "Appendix", "Your copy", "SHA-256", "letter-data",
    ]
    for phrase in implies_held:
        assert phrase not in text, re.findall(rf".{{0,60}}{re.escape(phrase)}.{{0,40}}", text)


def test_a_reply_with_data_still_writes_and_records_its_portability_file(crm: AppContext, tmp_path: Path) -> None:
    ref = _open(crm, "gdpr", "access")
    rq.verify_identity(crm, ref, ACTOR)
    _attach(crm, ref, "zoe@example.com")
    casefile.generate_letter(crm, "export", ref, tmp_path / "letter.pdf", ACTOR)
    assert (tmp_path / "letter-data.json").is_file()
    assert "portability-json" in [d.kind for d in casefile.list_documents(crm, ref)]
    assert "letter-data.json" in flat(pdf_text((tmp_path / "letter.pdf").read_bytes()))
