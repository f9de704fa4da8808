"""Fixtures for the letter tests: a profile with a logo, requests, a snapshot, PDF text helpers."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from privdesk.documents import ExportSnapshot, ExportSource, LetterRequest
from privdesk.domain.profile import OrgProfile
from privdesk.services.demo import DEMO_PROFILE

TODAY = date(2026, 11, 20)


def make_logo() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (240, 90), "#1f4e79")
    ImageDraw.Draw(img).ellipse((8, 8, 82, 82), fill="#f0a500")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def profile() -> OrgProfile:
    return OrgProfile.from_settings(DEMO_PROFILE, logo_png=make_logo())


@pytest.fixture
def request_() -> LetterRequest:
    return LetterRequest(
        reference="DSR-2026-0042",
        request_type="access",
        law="uk-gdpr",
        law_name="UK General Data Protection Regulation",
        received=date(2026, 11, 2),
        due=date(2026, 12, 2),
        subject_name="Zoë Ødegård",
        subject_email="zoe@example.com",
        subject_address="Storgata 5\n0155 Oslo\nNorway",
        verification="verified",
        assignee_name="Tomás Herrera",
    )


def with_(req: LetterRequest, **changes: object) -> LetterRequest:
    return replace(req, **changes)  # type: ignore[arg-type]


def value(source: int, row: int, col: str) -> str:
    return f"S{source}R{row:03d}{col.upper()}"


@pytest.fixture
def snapshot() -> ExportSnapshot:
    """Two sources; the first long enough to span pages and wide enough to split into column groups."""
    cols1 = ("id", "email", "full_name", "city", "phone", "notes", "created_at")
    rows1 = [{c: value(1, n, c) for c in cols1} for n in range(1, 131)]
    rows1[4]["notes"] = " ".join(["lorem ipsum"] * 60) + " " + value(1, 5, "notes")  # wraps in its cell
    rows1[6]["phone"] = None
    cols2 = ("invoice_no", "amount")
    rows2 = [{c: value(2, n, c) for c in cols2} for n in range(1, 4)]
    return ExportSnapshot(
        sources=(ExportSource("crm", "customers", cols1, rows1), ExportSource("billing", "invoices", cols2, rows2),
                 ExportSource("support", "tickets", ("id",), [])),
        identifiers=("email: zoe@example.com",),
        taken_at=datetime(2026, 11, 3, 9, 30, tzinfo=UTC),
    )


def pdf_text(pdf: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Whitespace-normalised text, so phrases match across line breaks."""
    return " ".join(text.split())


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdftotext(path: Path, password: str | None = None) -> subprocess.CompletedProcess[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    args = ["pdftotext", "-layout"]
    if password is not None:
        args += ["-upw", password]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=False)


TOKEN = re.compile(r"S\dR\d{3}[A-Z_]+")
