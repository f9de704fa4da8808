"""Letters read back from the PDF: content, appendix rows, Unicode, metadata, pages, encryption."""

from __future__ import annotations

import io
import stat
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from privdesk.documents import (
    ENCRYPTION,
    ENCRYPTION_METHOD,
    LETTER_KINDS,
    ExportSnapshot,
    LetterNotApplicableError,
    LetterRequest,
    PortabilityFile,
    UnprintableTextError,
    build_letter,
    check_letter_fits,
    render_letter,
    write_letter,
)
from privdesk.domain.profile import OrgProfile
from privdesk.errors import PrivDeskError
from tests.integration.documents.conftest import (
    TODAY,
    TOKEN,
    flat,
    page_texts,
    pdf_text,
    pdftotext,
    value,
    with_,
)

PORTABILITY = PortabilityFile("dsr-2026-0042.json", "9f" * 32)


def fitting_request(kind: str, base: LetterRequest) -> LetterRequest:
    """A variant of ``base`` that each letter kind fits."""
    if kind == "verification":
        return with_(base, verification="pending")
    if kind == "extension":
        return with_(base, extended_due=date(2027, 2, 2), extension_reason="Your request covers twelve systems.")
    if kind == "completion":
        return with_(base, request_type="erasure", completion_summary="Deleted from CRM and billing.")
    if kind == "denial":
        return with_(base, denial_reasons=("The request is manifestly unfounded.",))
    return base


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_every_kind_names_subject_reference_due_date_and_organisation(
    kind: str, request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot
) -> None:
    req = fitting_request(kind, request_)
    letter = build_letter(kind, req, profile, snapshot=snapshot, today=TODAY)
    text = flat(pdf_text(letter.pdf))
    assert "Zoë Ødegård" in text
    assert "DSR-2026-0042" in text
    assert ("2 February 2027" if kind == "extension" else "2 December 2026") in text
    assert "Northwind Analytics Ltd" in text
    assert "20 November 2026" in text  # the letter's date
    assert f"Page 1 of {letter.pages}" in text
    assert letter.warnings == ()


def test_metadata(request_: LetterRequest, profile: OrgProfile) -> None:
    meta = PdfReader(io.BytesIO(render_letter("acknowledgement", request_, profile, today=TODAY))).metadata
    assert meta is not None
    assert meta.title == "Acknowledgement of your request – DSR-2026-0042"
    assert meta.author == "Northwind Analytics Ltd"
    assert meta.subject == "Your request for access to your personal data (reference DSR-2026-0042)"


ART15_ITEMS = {
    "(1)(a) purposes": "Why we use your data (purposes of the processing)",
    "(1)(b) categories": "What data we hold (categories of personal data)",
    "(1)(c) recipients": "Who receives your data (recipients)",
    "(1)(d) retention": "How long we keep your data (retention period)",
    "(1)(e) rights": "to have inaccurate personal data about you rectified",
    "(1)(e) erasure": "to have your personal data erased (Article 17 UK GDPR)",
    "(1)(e) restriction": "processing of your personal data restricted (Article 18 UK GDPR)",
    "(1)(e) objection": "to object to the processing of your personal data",
    "(1)(f) complaint": "right to lodge a complaint with the Information Commissioner (Article 77 UK GDPR)",
    "(1)(f) authority": "Information Commissioner's Office",
    "(1)(g) source": "Where your data came from (source)",
    "(1)(h) automated": "Automated decision-making, including profiling",
    "(2) transfers": "Transfers to third countries (safeguards)",
    "(2) safeguards": "standard data protection clauses",
    "(3) copy": "Appendix: copy of your personal data",
    "retention text": "six years after it closes",
}


def test_export_letter_has_every_art15_item(request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    text = flat(pdf_text(render_letter("export", request_, profile, snapshot, PORTABILITY, TODAY)))
    missing = [item for item, phrase in ART15_ITEMS.items() if phrase not in text]
    assert missing == []
    assert "Article 15 UK GDPR" in text
    assert "dsr-2026-0042.json" in text
    assert "9f" * 32 in text.replace(" ", "")


def test_export_appendix_holds_exactly_the_snapshot_rows(
    request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot
) -> None:
    letter = build_letter("export", request_, profile, snapshot, PORTABILITY, TODAY)
    text = pdf_text(letter.pdf)
    expected = Counter()
    for s, source in enumerate(snapshot.sources, start=1):
        for n, row in enumerate(source.rows, start=1):
            for col, v in row.items():
                if v is not None:
                    expected[value(s, n, col)] += 1
    found = Counter(TOKEN.findall(text.replace("\n", " ")))
    assert found == expected
    # the empty source is not listed; the others are, with their record counts
    assert "crm · customers (records: 130)" in flat(text)
    assert "billing · invoices (records: 3)" in flat(text)
    assert "support · tickets" not in text


def test_long_appendix_repeats_the_header_on_every_page(
    request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot
) -> None:
    pages = page_texts(render_letter("export", request_, profile, snapshot, PORTABILITY, TODAY))
    with_rows = [p for p in pages if "S1R" in p]
    assert len(with_rows) >= 3
    for page in with_rows:
        assert "full_name" in page or "notes" in page  # one of the two column groups' headers


def test_export_without_data_says_so(request_: LetterRequest, profile: OrgProfile) -> None:
    empty = ExportSnapshot(sources=(), identifiers=("email: zoe@example.com",))
    text = flat(pdf_text(render_letter("export", request_, profile, empty, today=TODAY)))
    assert "found no personal data about you" in text
    # no appendix reproducing nothing (the empty appendix was the bug: tests in test_access_reply.py)
    assert "Appendix" not in text and "Our search found no records about you." not in text


UNICODE_NAMES = ["Zoë Ødegård", "Łukasz Wróbel", "Ζωή Παπαδοπούλου", "Дмитрий Иванов"]


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_unicode_names_survive(name: str, request_: LetterRequest, profile: OrgProfile, tmp_path: Path) -> None:
    req = with_(request_, subject_name=name, subject_address="")
    written = write_letter("acknowledgement", req, profile, tmp_path / "a.pdf", today=TODAY)
    assert f"Dear {name}," in flat(pdf_text(written.path.read_bytes()))
    assert f"Dear {name}," in flat(pdftotext(written.path).stdout)


def test_unprintable_characters_are_reported_not_dropped(request_: LetterRequest, profile: OrgProfile) -> None:
    req = with_(request_, subject_name="王小明")
    with pytest.raises(UnprintableTextError) as err:
        render_letter("acknowledgement", req, profile, today=TODAY)
    assert "U+738B" in str(err.value) and "name" in str(err.value)
    marked = build_letter("acknowledgement", req, profile, today=TODAY, unprintable="mark")
    assert "[U+738B][U+5C0F][U+660E]" in flat(pdf_text(marked.pdf))
    assert len(marked.warnings) == 2  # subject_name and addressee_name


@pytest.mark.parametrize("name", ["محمد علي", "דוד לוי"])
def test_right_to_left_names_are_reported(name: str, request_: LetterRequest, profile: OrgProfile) -> None:
    with pytest.raises(UnprintableTextError, match="right-to-left"):
        render_letter("acknowledgement", with_(request_, subject_name=name), profile, today=TODAY)


def test_unprintable_cell_in_appendix_names_table_and_column(request_: LetterRequest, profile: OrgProfile) -> None:
    from privdesk.documents import ExportSource

    snap = ExportSnapshot(sources=(ExportSource("crm", "people", ("nick",), [{"nick": "ok"}, {"nick": "🙂"}]),))
    with pytest.raises(UnprintableTextError, match=r"crm · people, column nick, record 2"):
        render_letter("export", request_, profile, snap, today=TODAY)


def test_password_protection(request_: LetterRequest, profile: OrgProfile, tmp_path: Path) -> None:
    out = tmp_path / "locked.pdf"
    written = write_letter("acknowledgement", request_, profile, out, today=TODAY, password="s3cret-Ω")
    assert written.encryption == ENCRYPTION
    reader = PdfReader(out)
    assert reader.is_encrypted
    assert not reader.decrypt("wrong")
    with pytest.raises(Exception):  # noqa: B017 - pypdf raises FileNotDecryptedError
        reader.pages[0].extract_text()
    assert "DSR-2026-0042" in pdf_text(out.read_bytes(), password="s3cret-Ω")
    assert pdftotext(out).returncode != 0
    assert "Zoë Ødegård" in pdftotext(out, "s3cret-Ω").stdout
    if ENCRYPTION_METHOD == "aes-256":
        assert reader.trailer["/Encrypt"]["/V"] == 5


def test_no_weaker_fallback_when_aes_is_missing(request_: LetterRequest, profile: OrgProfile, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11 point 7: without AES-256 a protected letter is refused, never written with RC4."""
    import sys

    from privdesk.documents import letters

    monkeypatch.setitem(sys.modules, "cryptography", None)  # the package cannot be imported
    out = tmp_path / "locked.pdf"
    with pytest.raises(letters.EncryptionUnavailableError, match="AES-256") as exc:
        write_letter("acknowledgement", request_, profile, out, today=TODAY, password="pw")
    assert "not written" in exc.value.message
    assert not out.exists() and list(tmp_path.iterdir()) == []
    # Without a password the letter is written as before.
    write_letter("acknowledgement", request_, profile, out, today=TODAY)
    assert not PdfReader(out).is_encrypted


def test_write_is_private_and_atomic(request_: LetterRequest, profile: OrgProfile, tmp_path: Path) -> None:
    out = tmp_path / "letter.pdf"
    out.write_bytes(b"old")
    written = write_letter("acknowledgement", request_, profile, out, today=TODAY)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["letter.pdf"]  # no temporary file left
    import hashlib

    assert written.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    with pytest.raises(PrivDeskError, match="does not exist"):
        write_letter("acknowledgement", request_, profile, tmp_path / "nope" / "x.pdf", today=TODAY)


@pytest.mark.parametrize(
    ("kind", "changes", "message"),
    [
        ("export", {"request_type": "erasure"}, "export letter answers access and portability"),
        ("completion", {}, "completion letter confirms"),
        ("denial", {}, "must give the reasons"),
        ("verification", {"verification": "verified"}, "already verified"),
        ("extension", {}, "has not been extended"),
        ("extension", {"extended_due": date(2027, 2, 2), "extension_reason": "Complex."}, "before the original deadline"),
        ("extension", {"extended_due": date(2027, 2, 2), "extension_reason": "", "due": date(2026, 12, 31)}, "needs the reason"),
        ("extension", {"law": "lgpd", "extended_due": date(2027, 2, 2), "extension_reason": "x", "due": date(2026, 12, 31)}, "allows no extension"),
        ("letter", {}, "not a letter kind"),
    ],
)
def test_letters_that_do_not_fit_are_refused(kind: str, changes: dict[str, object], message: str, request_: LetterRequest) -> None:
    req = with_(request_, **changes)
    with pytest.raises(LetterNotApplicableError, match=message):
        check_letter_fits(kind, req, today=date(2026, 12, 3))


def test_export_needs_snapshot_and_portability_needs_file(request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    with pytest.raises(LetterNotApplicableError, match="Attach the subject search"):
        render_letter("export", request_, profile, today=TODAY)
    with pytest.raises(LetterNotApplicableError, match="machine-readable file"):
        render_letter("export", with_(request_, request_type="portability"), profile, snapshot, today=TODAY)


def test_ccpa_and_lgpd_letters_cite_their_own_law(request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    ccpa = flat(pdf_text(render_letter("export", with_(request_, law="ccpa", law_name="CCPA"), profile, snapshot, today=TODAY)))
    assert "Cal. Civ. Code §§ 1798.100 and 1798.110" in ccpa
    assert "GDPR" not in ccpa and "Article 15" not in ccpa
    lgpd = flat(pdf_text(render_letter("export", with_(request_, law="lgpd", law_name="LGPD"), profile, snapshot, today=TODAY)))
    assert "Article 18, II of the LGPD" in lgpd
    assert "GDPR" not in lgpd.replace("LGPD", "")
    denial = with_(request_, law="ccpa", law_name="CCPA", denial_reasons=("We could not verify your identity.",))
    text = flat(pdf_text(render_letter("denial", denial, profile, today=TODAY)))
    assert "We could not verify your identity." in text and "11, §§ 7022 to 7024" in text


def test_denial_gives_reasons_complaint_and_judicial_remedy(request_: LetterRequest, profile: OrgProfile) -> None:
    req = with_(request_, law="gdpr", denial_reasons=("Reason one.", "Reason two."))
    text = flat(pdf_text(render_letter("denial", req, profile, today=TODAY)))
    for phrase in ("Reason one.", "Reason two.", "Article 12(4) GDPR", "lodge a complaint with a supervisory authority", "Information Commissioner's Office",
                   "Article 77 GDPR", "judicial remedy", "Article 79 GDPR"):
        assert phrase in text


@pytest.mark.parametrize(("rtype", "phrase"), [
    ("rectification", "We have rectified"), ("erasure", "We have erased"),
    ("restriction", "We have restricted"), ("opt-out", "removed you from our marketing lists"),
])
def test_completion_wording_per_type(rtype: str, phrase: str, request_: LetterRequest, profile: OrgProfile) -> None:
    text = flat(pdf_text(render_letter("completion", with_(request_, request_type=rtype), profile, today=TODAY)))
    assert phrase in text


def test_acknowledgement_asks_for_id_only_when_pending(request_: LetterRequest, profile: OrgProfile) -> None:
    ask = "Please help us confirm your identity"
    assert ask not in flat(pdf_text(render_letter("acknowledgement", request_, profile, today=TODAY)))
    pending = with_(request_, verification="pending")
    assert ask in flat(pdf_text(render_letter("acknowledgement", pending, profile, today=TODAY)))


def test_agent_is_addressed_on_behalf_of_subject(request_: LetterRequest, profile: OrgProfile) -> None:
    req = with_(request_, requester_name="Дмитрий Иванов")
    text = flat(pdf_text(render_letter("acknowledgement", req, profile, today=TODAY)))
    assert "Dear Дмитрий Иванов," in text and "on behalf of Zoë Ødegård" in text


def test_bad_logo_is_a_user_error(request_: LetterRequest, profile: OrgProfile) -> None:
    from dataclasses import replace

    with pytest.raises(PrivDeskError, match="logo"):
        render_letter("acknowledgement", request_, replace(profile, logo_png=b"not a png"), today=TODAY)


def test_page_numbers_on_every_page(request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    pages = page_texts(render_letter("export", request_, profile, snapshot, PORTABILITY, TODAY))
    assert len(pages) > 3
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page


def test_wide_table_splits_into_column_groups_and_long_values_into_notes(
    request_: LetterRequest, profile: OrgProfile
) -> None:
    from privdesk.documents import ExportSource

    cols = tuple(f"field_{n:02d}" for n in range(12))
    rows = [{c: f"W{r}{c.upper()}" for c in cols} for r in range(1, 4)]
    essay = " ".join(f"word{n}" for n in range(3000))  # far too long for a cell
    rows[1]["field_03"] = essay
    snap = ExportSnapshot(sources=(ExportSource("crm", "wide", cols, rows),))
    text = flat(pdf_text(render_letter("export", request_, profile, snap, today=TODAY)))
    assert "columns, part 1 of 2" in text and "columns, part 2 of 2" in text
    for r, row in enumerate(rows, start=1):
        for c, v in row.items():
            if v is not essay:
                assert v in text, (r, c)
    assert "(long value, see note 1)" in text
    assert "Note 1: record 2, field_03" in text
    assert "word0 word1" in text and "word2999" in text
    assert text.count("word1500 ") == 1


def test_letter_without_logo_or_dpo(request_: LetterRequest) -> None:
    bare = OrgProfile(org_name="Tiny Shop", org_email="hello@tiny.example")
    letter = build_letter("acknowledgement", request_, bare, today=TODAY)
    text = flat(pdf_text(letter.pdf))
    assert "Tiny Shop" in text and "hello@tiny.example" in text  # the DPO contact falls back to the org e-mail
    assert letter.pages == 1


def test_snapshot_from_a_discovery_search(request_: LetterRequest, profile: OrgProfile) -> None:
    from privdesk.discovery.export import SearchSnapshot
    from privdesk.discovery.search import Match

    search = SearchSnapshot(
        taken_at="2026-11-03T09:30:00+00:00",
        identifiers={"email": ["zoe@example.com"]},
        connections=("shop",),
        matches=(
            Match("shop", "customers", {"id": 1}, {"id": 1, "email": "zoe@example.com"}, ("email",)),
            Match("shop", "orders", {"id": 7}, {"id": 7, "customer_id": 1, "total": "12.50"}, ("customer_id",)),
            Match("shop", "orders", {"id": 8}, {"id": 8, "customer_id": 1, "total": "99.00", "note": "gift"}, ("customer_id",)),
        ),
    )
    snap = ExportSnapshot.from_search(search)
    assert [s.title for s in snap.sources] == ["shop · customers", "shop · orders"]
    assert snap.sources[1].columns == ("id", "customer_id", "total", "note")
    assert snap.identifiers == ("E-mail address: zoe@example.com",)
    assert snap.row_count == 3
    text = flat(pdf_text(render_letter("export", request_, profile, snap, today=TODAY)))
    assert "99.00" in text and "gift" in text and "3 November 2026 at 09:30 UTC" in text


def test_the_identifiers_searched_read_as_words(request_: LetterRequest, profile: OrgProfile) -> None:
    """Found on the Chinook sample: a real search stores its identifiers under the query's field
    names, and the letter printed them as ``emails: ...`` and ``customer_ids: 2``."""
    from privdesk.discovery.export import SearchSnapshot
    from privdesk.discovery.search import Match, SearchQuery

    query = SearchQuery(("leonekohler@surfeu.de",), ("+49 0711 2842222",), ("Leonie Köhler",), ("2",))
    search = SearchSnapshot(taken_at="2026-11-03T09:30:00+00:00", identifiers=query.to_dict(), connections=("chinook",),
                            matches=(Match("chinook", "Customer", {"CustomerId": 2}, {"CustomerId": 2}, ("Email",)),))
    snap = ExportSnapshot.from_search(search)
    assert snap.identifiers == ("E-mail address: leonekohler@surfeu.de", "Telephone number: +49 0711 2842222",
                                "Name: Leonie Köhler", "Customer number: 2")
    text = flat(pdf_text(render_letter("export", request_, profile, snap, today=TODAY)))
    assert "Customer number: 2" in text and "E-mail address: leonekohler@surfeu.de" in text
    assert "customer_ids" not in text and "emails:" not in text


@pytest.mark.parametrize(("changes", "message"), [
    ({"errors": ("crm: connection refused",)}, "incomplete \\(crm: connection refused\\)"),
    ({"truncated": ("crm · customers",)}, "row limit in crm · customers"),
])
def test_incomplete_search_is_refused(changes: dict[str, object], message: str, request_: LetterRequest,
                                      profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    from dataclasses import replace

    with pytest.raises(LetterNotApplicableError, match=message):
        render_letter("export", request_, profile, replace(snapshot, **changes), today=TODAY)  # type: ignore[arg-type]


def test_tall_cells_become_notes_and_never_break_the_layout(request_: LetterRequest, profile: OrgProfile) -> None:
    from privdesk.documents import ExportSource

    cols = tuple(f"c{n}" for n in range(7))
    rows = [{c: "short" for c in cols} for _ in range(3)]
    rows[0]["c1"] = "\n".join(f"line {n}" for n in range(45))  # many short lines
    rows[1]["c2"] = "W" * 700  # one unbreakable, wide word
    rows[2]["c3"] = "Straße " * 60  # wraps, but fits in a row
    letter = build_letter("export", request_, profile, ExportSnapshot((ExportSource("db", "t", cols, rows),)), today=TODAY)
    text = flat(pdf_text(letter.pdf))
    assert "Note 1: record 1, c1" in text and "line 44" in text
    assert "Note 2: record 2, c2" in text
    assert "Note 3" not in text
    assert text.replace(" ", "").count("W" * 50) >= 1


@pytest.mark.parametrize("law", ["gdpr", "uk-gdpr", "ccpa", "lgpd", "vcdpa", "cpa"])
def test_every_kind_under_every_law(law: str, request_: LetterRequest, profile: OrgProfile, snapshot: ExportSnapshot) -> None:
    from privdesk.documents.templates import load_templates

    short = load_templates().laws[law].short
    for kind in LETTER_KINDS:
        req = with_(fitting_request(kind, request_), law=law)
        if kind == "extension" and law == "lgpd":
            continue  # the LGPD allows no extension (refusal tested above)
        text = flat(pdf_text(render_letter(kind, req, profile, snapshot, PORTABILITY, TODAY)))
        assert "()" not in text and "{" not in text and "}" not in text, (law, kind)
        if kind != "verification":  # a practical request that cites nothing
            cites = (short.split("/")[0], "Cal. Civ. Code", "Va. Code", "C.R.S.")
            assert any(c in text for c in cites), (law, kind)


def test_completion_summary_of_several_systems_puts_each_system_on_its_own_line(
    request_: LetterRequest, profile: OrgProfile
) -> None:
    """Found by QA: "• subscribers: 1 row erased In demo-crm:" (the next system's heading ran into
    the last bullet of the one before)."""
    from privdesk.domain import erasure as e

    steps = (e.Step("mkt", "subscribers", e.DELETE, (e.RowChange({"id": 1}),), (), ""),
             e.Step("crm", "customers", e.DELETE, (e.RowChange({"id": 2}),), (), ""))
    summary = "\n".join(e.summary_lines(e.Plan("DSR-2026-0042", "erasure", "sha", steps)))
    req = with_(request_, request_type="erasure", completion_summary=summary)
    lines = [ln.strip() for ln in pdf_text(build_letter("completion", req, profile, today=TODAY).pdf).splitlines()]
    assert "In crm:" in lines
    assert not any("erased In" in ln for ln in lines)
