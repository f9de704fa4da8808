"""The notices read back with pypdf: the authority notice holds every Art. 33(3) item and every
value entered; each person's notice names that person and nobody else; the manifest matches the
files; late notices need reasons; the batch survives one person's error and can be cancelled."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from privdesk.documents import breach as docs
from privdesk.errors import ConfigurationError, ValidationError
from privdesk.services import breach_notices as notices
from privdesk.services import breaches as svc
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import NOW, breach_input

ACTOR = "dpo@northwind.example"
ON_TIME = NOW + timedelta(hours=1)
LATE = NOW + timedelta(days=3)

FULL = dict(
    data_categories="credentials, health, Loyalty tier", measures_proposed="Quarterly phishing training for all staff.",
    occurred_from="2026-11-19T22:00+01:00", occurred_to="2026-11-20T06:15+01:00",
    discovery="A recruiter phoned our HR desk.", processor="MailCo Ltd (e-mail provider)",
    incident_type="E-mail to the wrong recipient", cyber_incident="no", countries="GB,IE",
    authorities="Information Commissioner's Office, Data Protection Commission (Ireland)",
    others_informed="Metropolitan Police, crime reference 4411", unintelligible=False, ongoing=False,
)

PEOPLE = [
    {"name": "Zoë Ødegård", "email": "zoe@example.com", "address": "3 Fjord Road\nBergen"},
    {"name": "Łukasz Wróbel", "email": "lukasz@example.pl", "language": "pl"},
    {"name": "Ζωή Παπαδοπούλου", "email": "zoi@example.gr"},
    {"name": "Дмитрий Иванов", "email": "dmitry@example.ru", "address": "ul. Lenina 1\nMoscow"},
    {"name": "Carla Díaz", "email": "carla@example.com", "address": "1 Main St\nFresno, CA 93701", "region": "CA"},
]


def text_of(data: bytes | Path) -> str:
    raw = data.read_bytes() if isinstance(data, Path) else data
    reader = PdfReader(io.BytesIO(raw))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def flat(s: str) -> str:
    return " ".join(s.split())


@pytest.fixture
def full(org_ctx: AppContext) -> svc.BreachDetail:
    return svc.add_breach(org_ctx, breach_input(**FULL), ACTOR, now=NOW)


def test_authority_notice_has_every_art_33_3_item_and_value(org_ctx: AppContext, full: svc.BreachDetail,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "authority.pdf"
    w = notices.notify_authority(org_ctx, full.reference, out, ACTOR, now=ON_TIME)
    assert not w.late and w.pages >= 2 and os.stat(out).st_mode & 0o777 == 0o600
    text = text_of(out)
    for item in ("Art. 33(3)(a)", "Art. 33(3)(b)", "Art. 33(3)(c)", "Art. 33(3)(d)", "Art. 33(1)", "Art. 33(4)"):
        assert item in text, item
    entered = [full.reference, full.title, full.description, full.consequences, full.measures,
               FULL["measures_proposed"], FULL["discovery"], FULL["processor"], FULL["incident_type"],
               FULL["others_informed"], "Amara Okafor", "dpo@northwind.example", "+44 20 7946 0101",
               "Northwind Analytics Ltd", "Information Commissioner's Office", "Data Protection Commission (Ireland)",
               "GB, IE", "about 312 people", "about 1,250 records", "employees; job applicants",
               "Health data", "Loyalty tier", "Identification and access credentials", "loss of confidentiality",
               "Health data of employees.", "Likely to result in a high risk", "20 November 2026 at 09:30 (UTC+01:00)",
               "from 19 November 2026 at 22:00 (UTC+01:00) to 20 November 2026 at 06:15 (UTC+01:00)",
               "23 November 2026 at 09:30 (UTC+01:00)", "initial notification"]
    for value in entered:
        assert flat(value) in text, value
    assert "Yes: Health data" in text  # special categories flagged
    assert "Reasons for the delay" not in text
    meta = PdfReader(out).metadata
    assert meta is not None and meta.title == "Notification of a personal data breach"
    rec = svc.get_breach(org_ctx, full.reference, now=ON_TIME).notifications[0]
    assert rec.kind == "authority" and rec.document_file == "authority.pdf"
    assert rec.document_sha256 == hashlib.sha256(out.read_bytes()).hexdigest() == w.sha256


def test_late_authority_notice_needs_reasons_and_prints_them(org_ctx: AppContext, full: svc.BreachDetail,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "late.pdf"
    with pytest.raises(ValidationError, match="reasons for the delay"):
        notices.notify_authority(org_ctx, full.reference, out, ACTOR, now=LATE)
    assert not out.exists()
    assert svc.get_breach(org_ctx, full.reference, now=LATE).notifications == ()
    reasons = "The forensic report on the extent of the breach arrived only on day four."
    w = notices.notify_authority(org_ctx, full.reference, out, ACTOR, delay_reasons=reasons, now=LATE)
    text = text_of(out)
    assert w.late and "Reasons for the delay" in text and reasons in text and "No: late by" in text
    follow = tmp_path / "follow.pdf"
    notices.notify_authority(org_ctx, full.reference, follow, ACTOR, phase="follow-up", case_reference="ICO-2026-991",
                             now=LATE + timedelta(days=1))
    ft = text_of(follow)
    assert "follow-up notification" in ft and "ICO-2026-991" in ft
    assert "this follow-up completes our earlier notice" in ft and "Reasons for the delay" not in ft


def test_each_individual_notice_names_its_person_and_nobody_else(org_ctx: AppContext, full: svc.BreachDetail,
                                                                 tmp_path: Path) -> None:
    svc.add_affected(org_ctx, full.reference, PEOPLE, ACTOR)
    out = tmp_path / "notices"
    seen: list[tuple[int, int]] = []
    r = notices.notify_subjects(org_ctx, full.reference, ACTOR, out_dir=out, combined=tmp_path / "all.pdf",
                                progress=lambda d, t, _m: seen.append((d, t)), now=ON_TIME)
    assert (r.total, r.written, r.failed, r.cancelled) == (5, 5, (), False)
    assert seen[-1] == (5, 5)
    rows = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8"))))
    assert [row["name"] for row in rows] == [p["name"] for p in PEOPLE]
    assert os.stat(out / "manifest.csv").st_mode & 0o777 == 0o600
    assert not list(out.glob(".*"))  # no temporary files left behind
    names = [p["name"] for p in PEOPLE]
    for row in rows:
        f = out / row["file"]
        assert hashlib.sha256(f.read_bytes()).hexdigest() == row["sha256"]
        assert os.stat(f).st_mode & 0o777 == 0o600
        text = text_of(f)
        assert row["name"] in text and row["email"] in {p["email"] for p in PEOPLE}
        assert [n for n in names if n in text] == [row["name"]]
        assert full.reference in text and "Amara Okafor" in text and "dpo@northwind.example" in text
        for item in ("What happened", "may mean for you", "What you can do"):
            assert item.lower() in text.lower()
        assert "Change your password" in text  # credentials were involved
    carla = text_of(out / rows[4]["file"])
    for heading in ("Notice of Data Breach", "What Happened", "What Information Was Involved", "What We Are Doing",
                    "What You Can Do", "For More Information"):
        assert heading in carla
    zoe = text_of(out / rows[0]["file"])
    assert "Notice of Data Breach" not in zoe and "3 Fjord Road" in zoe
    combined = text_of(tmp_path / "all.pdf")
    assert all(n in combined for n in names)
    d = svc.get_breach(org_ctx, full.reference, now=ON_TIME)
    ind = [n for n in d.notifications if n.kind == "individuals"]
    assert len(ind) == 1 and ind[0].count == 5 and ind[0].document_file == "manifest.csv"
    assert ind[0].document_sha256 == hashlib.sha256((out / "manifest.csv").read_bytes()).hexdigest()
    assert all(p.notified_at is not None and p.notice_sha256 for p in svc.list_affected(org_ctx, full.reference))


def test_california_notice_is_at_least_ten_point(org_ctx: AppContext, tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes="california", risk="risk", data_categories="ssn, financial"),
                       ACTOR, now=NOW)
    svc.add_affected(org_ctx, d.reference, [{"name": "Ana Souza", "email": "ana@example.com"}], ACTOR)
    r = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path, now=ON_TIME)
    f = tmp_path / docs.file_name(d.reference, svc.list_affected(org_ctx, d.reference)[0].id)
    assert r.written == 1
    sizes: list[float] = []

    def visit(text: str, cm: object, tm: list[float], font: object, size: float) -> None:
        if text.strip():
            sizes.append(size * abs(tm[0]) if tm[0] else size)

    page = PdfReader(f).pages[0]
    page.extract_text(visitor_text=visit)  # type: ignore[arg-type]
    assert sizes and min(sizes) >= 10
    text = text_of(f)
    assert text.startswith("Northwind") and "Notice of Data Breach" in text and "Equifax" in text


def test_individuals_late_under_lgpd_need_reasons(org_ctx: AppContext, tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes="lgpd", risk="risk"), ACTOR, now=NOW)
    svc.add_affected(org_ctx, d.reference, [{"name": "Ana Souza", "email": "ana@example.com"}], ACTOR)
    late = NOW + timedelta(days=10)
    with pytest.raises(ValidationError, match="late"):
        notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "x", now=late)
    assert not (tmp_path / "x").exists()
    r = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "x", now=late,
                                delay_reasons="Addresses had to be recovered from backups first.")
    assert r.written == 1 and svc.get_breach(org_ctx, d.reference).notifications[0].late


def test_one_persons_error_does_not_stop_the_batch(org_ctx: AppContext, full: svc.BreachDetail, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    svc.add_affected(org_ctx, full.reference, PEOPLE, ACTOR)
    real = docs.render_person_notice

    def flaky(data: docs.NoticeData, person: docs.Recipient) -> docs.RenderedNotice:
        if person.name.startswith("Ζωή"):
            raise RuntimeError("printer on fire")
        return real(data, person)

    monkeypatch.setattr(docs, "render_person_notice", flaky)
    r = notices.notify_subjects(org_ctx, full.reference, ACTOR, out_dir=tmp_path, now=ON_TIME)
    assert r.written == 4 and len(r.failed) == 1 and "printer on fire" in r.failed[0].error
    rows = list(csv.DictReader(io.StringIO((tmp_path / "manifest.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 4 and "Ζωή Παπαδοπούλου" not in {row["name"] for row in rows}
    # a second run for the pending people only writes the missing one
    monkeypatch.setattr(docs, "render_person_notice", real)
    again = notices.notify_subjects(org_ctx, full.reference, ACTOR, out_dir=tmp_path / "retry",
                                    only_pending=True, now=ON_TIME)
    assert (again.total, again.written) == (1, 1)
    with pytest.raises(ValidationError, match="notified already"):
        notices.notify_subjects(org_ctx, full.reference, ACTOR, out_dir=tmp_path / "x", only_pending=True, now=ON_TIME)


def test_cancel_stops_the_batch(org_ctx: AppContext, full: svc.BreachDetail, tmp_path: Path) -> None:
    people = [{"name": f"Person {i}", "email": f"p{i}@example.com"} for i in range(60)]
    svc.add_affected(org_ctx, full.reference, people, ACTOR)
    cancel = threading.Event()

    def progress(done: int, _total: int, _m: str) -> None:
        if done >= 25:
            cancel.set()

    r = notices.notify_subjects(org_ctx, full.reference, ACTOR, out_dir=tmp_path, progress=progress,
                                cancel=cancel, now=ON_TIME)
    assert r.cancelled and 25 <= r.written < 60
    assert len(list(tmp_path.glob("*.pdf"))) == r.written
    rec = [n for n in svc.get_breach(org_ctx, full.reference).notifications if n.kind == "individuals"]
    assert rec[0].count == r.written and "cancelled" in rec[0].notes


def test_multi_process_batch_matches_single_process(org_ctx: AppContext, full: svc.BreachDetail, tmp_path: Path) -> None:
    svc.add_affected(org_ctx, full.reference, PEOPLE, ACTOR)
    r = notices.notify_subjects(org_ctx, full.reference, ACTOR, out_dir=tmp_path, processes=2, now=ON_TIME,
                                record=False)
    assert r.written == 5 and not r.failed
    rows = list(csv.DictReader(io.StringIO((tmp_path / "manifest.csv").read_text(encoding="utf-8"))))
    for row in rows:
        assert hashlib.sha256((tmp_path / row["file"]).read_bytes()).hexdigest() == row["sha256"]
        assert row["name"] in text_of(tmp_path / row["file"])


def test_template_with_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "authority.toml").write_text('title = "Hello {victim_name}"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"authority.toml.*\{victim_name\}"):
        docs.load_notice_template("authority", "", tmp_path)


def test_no_notice_before_awareness(org_ctx: AppContext, full: svc.BreachDetail) -> None:
    with pytest.raises(ValidationError, match="before the organisation became aware"):
        svc.record_notification(org_ctx, full.reference, "authority", ACTOR,
                                sent_at=datetime(2026, 11, 1, tzinfo=UTC), now=NOW)


def test_people_are_told_in_their_language_when_it_ships(org_ctx: AppContext, tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes="lgpd", risk="risk", data_categories="health, ssn, Plano de saúde",
                                             occurred_from="2026-11-19T22:00-03:00"), ACTOR, now=NOW)
    svc.add_affected(org_ctx, d.reference, [
        {"name": "Ana Souza", "email": "ana@example.com.br", "language": "pt-BR"},
        {"name": "John Smith", "email": "john@example.com", "language": "en"},
        {"name": "Jean Dupont", "email": "jean@example.fr", "language": "fr"},  # no French template: English
    ], ACTOR)
    r = notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path, combined=tmp_path / "all.pdf",
                                now=ON_TIME)
    assert r.written == 3 and not r.warnings
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO((tmp_path / "manifest.csv").read_text(encoding="utf-8")))}
    ana = text_of(tmp_path / rows["Ana Souza"]["file"])
    assert "Prezado(a) Ana Souza" in ana and "O que aconteceu" in ana and "Dados de saúde" in ana
    # shown in the zone awareness was recorded in (+01:00), from a start only
    assert "a partir de 20 de novembro de 2026, às 02:00 (UTC+01:00)" in ana
    assert "Tomamos conhecimento em 20 de novembro de 2026" in ana and "Página 1 de" in ana
    assert "Plano de saúde" in ana and "Documentos oficiais" in ana and "Health data" not in ana
    assert rows["Ana Souza"]["language"] == "pt-br"
    assert "Autoridade Nacional de Proteção de Dados (ANPD)" in ana and "Information Commissioner" not in ana
    for name in ("John Smith", "Jean Dupont"):
        text = text_of(tmp_path / rows[name]["file"])
        assert f"Dear {name}" in text and "What happened" in text and "Prezado" not in text
    combined = text_of(tmp_path / "all.pdf")
    assert "Prezado(a) Ana Souza" in combined and "Dear John Smith" in combined
    assert docs.shipped_languages() == ("pt",)


def test_logo_is_embedded_once_prepared_as_jpeg(org_ctx: AppContext, full: svc.BreachDetail, tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    from privdesk.services import settings

    logo = tmp_path / "logo.png"
    img = Image.new("RGBA", (900, 300), (0, 0, 0, 0))  # transparent background
    ImageDraw.Draw(img).ellipse((10, 10, 290, 290), fill="#2563eb")
    img.save(logo)
    settings.set_logo(org_ctx, logo)
    svc.add_affected(org_ctx, full.reference, PEOPLE[:2], ACTOR)
    r = notices.notify_subjects(org_ctx, full.reference, ACTOR, out_dir=tmp_path / "out", now=ON_TIME)
    assert r.written == 2
    for f in (tmp_path / "out").glob("*.pdf"):
        page = PdfReader(f).pages[0]
        (image,) = page.images
        xobj = image.indirect_reference.get_object() if image.indirect_reference else None
        assert xobj is not None and "/DCTDecode" in str(xobj["/Filter"])
        assert xobj["/Width"] < 900  # down-sampled to print resolution for the letterhead box
        pixel = image.image.convert("RGB").getpixel((2, 2)) if image.image else (0, 0, 0)
        assert min(pixel) > 240  # transparency flattened onto white, not black


def test_authority_notice_counts_each_person_told_once_under_several_regimes(org_ctx: AppContext, tmp_path: Path) -> None:
    """Found by QA: one batch of notices under LGPD and California is recorded once per regime, and
    the ANPD notice said "4 people told" for the 2 people notified."""
    d = svc.add_breach(org_ctx, breach_input(regimes="lgpd,california", countries="BR,US"), ACTOR, now=NOW)
    svc.add_affected(org_ctx, d.reference, [{"name": "Ana Souza", "email": "ana@example.com"},
                                            {"name": "Carla Díaz", "email": "carla@example.com", "region": "CA"}],
                     ACTOR)
    notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "x", now=ON_TIME)
    data = notices.notice_data(org_ctx, svc.get_breach(org_ctx, d.reference), ON_TIME, regime="lgpd")
    text = " ".join(data.values.values())
    assert "Yes: 2 people told" in text and "4 people" not in text
