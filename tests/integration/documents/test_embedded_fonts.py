"""Every PDF PrivDesk writes embeds every font it names: letters of each kind under each law, the
breach notices to the authority and to people (plain, Portuguese, California; one file each, the
combined print file and the Attorney General's sample), the compliance report with its charts and
the record of processing activities.

A font a PDF names but does not embed is drawn with whatever the reader substitutes (found by QA:
the authority notice, the report and the register named an unembedded Helvetica through platypus
tables and chart drawings). Fonts are listed with pypdf, from every page's resources and the form
XObjects they use.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from privdesk.documents import LAWS, LETTER_KINDS, ExportSnapshot, LetterRequest, render_letter
from privdesk.domain.profile import OrgProfile
from privdesk.services import breach_notices as notices
from privdesk.services import breaches as svc
from privdesk.services import settings
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import NOW, PROFILE, breach_input
from tests.integration.documents.conftest import TODAY, pdf_text, with_
from tests.integration.documents.test_letters import fitting_request

ACTOR = "dpo@northwind.example"
ON_TIME = NOW.replace(hour=13)
PEOPLE = [
    {"name": "Zoë Ødegård", "email": "zoe@example.com", "address": "3 Fjord Road\nBergen"},
    {"name": "Ana Souza", "email": "ana@example.com.br", "language": "pt-BR"},
    {"name": "Carla Díaz", "email": "carla@example.com", "address": "1 Main St\nFresno, CA 93701", "region": "CA"},
]


def _font_dicts(resources: Any, seen: set[int]) -> Iterator[tuple[str, DictionaryObject]]:
    """Every font of a resource dictionary, and of the form XObjects it holds (charts are forms)."""
    if resources is None:
        return
    resources = resources.get_object()
    for name, ref in (resources.get("/Font") or {}).items():
        yield name, ref.get_object()
    for ref in (resources.get("/XObject") or {}).values():
        xobject = ref.get_object()
        key = id(xobject)
        if xobject.get("/Subtype") == "/Form" and key not in seen:
            seen.add(key)
            yield from _font_dicts(xobject.get("/Resources"), seen)


def _embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:  # the 14 standard fonts have none: never embedded
        return False
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def fonts_of(pdf: bytes) -> dict[str, bool]:
    """Base font name -> embedded, over all pages."""
    found: dict[str, bool] = {}
    seen: set[int] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for _name, font in _font_dicts(page.get("/Resources"), seen):
            base = str(font.get("/BaseFont"))
            found[base] = found.get(base, True) and _embedded(font)
    return found


def assert_all_embedded(pdf: bytes, what: str) -> None:
    fonts = fonts_of(pdf)
    assert fonts, f"{what}: no fonts found (the check would pass vacuously)"
    unembedded = sorted(name for name, embedded in fonts.items() if not embedded)
    assert unembedded == [], f"{what} names fonts it does not embed: {unembedded}"


def test_the_check_finds_an_unembedded_font() -> None:
    """The helper itself: a reportlab PDF drawn in Helvetica is reported."""
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf)
    canvas.drawString(72, 72, "Helvetica")
    canvas.save()
    assert fonts_of(buf.getvalue()) == {"/Helvetica": False}


# every kind under every law, but an extension notice under the LGPD, which allows no extension
@pytest.mark.parametrize(("kind", "law"), [(k, law) for k in LETTER_KINDS for law in LAWS
                                           if (k, law) != ("extension", "lgpd")])
def test_every_letter_embeds_its_fonts(kind: str, law: str, request_: LetterRequest, profile: OrgProfile,
                                       snapshot: ExportSnapshot) -> None:
    from dataclasses import replace

    answered = replace(profile, ccpa_sells="no", ccpa_shares="no")
    req = fitting_request(kind, with_(request_, law=law))
    pdf = render_letter(kind, req, answered, snapshot if kind == "export" else None, today=TODAY)
    assert_all_embedded(pdf, f"the {kind} letter under {law}")


def test_a_password_protected_letter_embeds_its_fonts(request_: LetterRequest, profile: OrgProfile) -> None:
    pdf = render_letter("acknowledgement", request_, profile, today=TODAY, password="s3cret-pass")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.decrypt("s3cret-pass")
    out = io.BytesIO()
    from pypdf import PdfWriter

    PdfWriter(clone_from=reader).write(out)
    assert_all_embedded(out.getvalue(), "the encrypted letter")


@pytest.fixture
def org_ctx(ctx: AppContext) -> AppContext:
    settings.update_settings(ctx, PROFILE)
    return ctx


@pytest.mark.parametrize("regimes", ["uk-gdpr", "lgpd"])
def test_breach_notices_embed_their_fonts(regimes: str, org_ctx: AppContext, tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes=f"{regimes},california", countries="GB,BR,US"), ACTOR, now=NOW)
    authority = tmp_path / "authority.pdf"
    notices.notify_authority(org_ctx, d.reference, authority, ACTOR, regime=regimes, now=ON_TIME)
    assert d.reference in pdf_text(authority.read_bytes())
    assert_all_embedded(authority.read_bytes(), f"the authority notice ({regimes})")

    svc.add_affected(org_ctx, d.reference, PEOPLE, ACTOR)
    out = tmp_path / "people"
    result = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=out, combined=tmp_path / "all.pdf",
                                     now=ON_TIME)
    assert result.written == len(PEOPLE)
    files = sorted(out.glob("*.pdf"))
    assert len(files) == len(PEOPLE)
    texts = [pdf_text(f.read_bytes()) for f in files]
    assert any("Prezado(a) Ana Souza" in t for t in texts) and any("Notice of Data Breach" in t for t in texts)
    for f in files:
        assert_all_embedded(f.read_bytes(), f"the individual notice {f.name}")
    assert_all_embedded((tmp_path / "all.pdf").read_bytes(), "the combined notices")

    sample = tmp_path / "sample.pdf"
    notices.write_sample_notice(org_ctx, d.reference, sample, now=ON_TIME)
    assert_all_embedded(sample.read_bytes(), "the Attorney General's sample notice")


def test_report_and_register_embed_their_fonts(demo_ctx: AppContext, tmp_path: Path) -> None:
    from privdesk.domain.dashboard import Period
    from privdesk.services.report import write_report
    from privdesk.services.ropa import export_register

    report = tmp_path / "report.pdf"
    written = write_report(demo_ctx, Period(date(2026, 1, 1), date(2026, 12, 31)), report, today=TODAY)
    assert written.pages >= 2 and "Compliance report" in pdf_text(report.read_bytes())
    assert_all_embedded(report.read_bytes(), "the compliance report")

    register = export_register(demo_ctx, tmp_path / "register.pdf", ACTOR)
    assert "Record of processing activities" in pdf_text(register.read_bytes())
    assert_all_embedded(register.read_bytes(), "the record of processing activities")
