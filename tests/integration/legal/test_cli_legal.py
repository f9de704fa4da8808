"""Issue 10 (legal review) over the command line: verification choices, refusal deadlines, law files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.demo import seed_profile
from tests.integration.documents.conftest import flat, pdf_text

ACTOR = "dpo@northwind.example"


def run(ctx: AppContext, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(ctx.paths.data_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def open_request(ctx: AppContext, law: str = "gdpr", received: date | None = None) -> str:
    seed_profile(ctx)
    new = rq.NewRequest(type="access", law=law, received=received or date.today(), name="Zoë Ødegård",
                        emails=("zoe@example.com",))
    return rq.open_request(ctx, new, actor=ACTOR).reference


def test_verification_letter_asks_what_the_officer_chose(ctx: AppContext, capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    ref = open_request(ctx)
    out = tmp_path / "default.pdf"
    assert run(ctx, capsys, "letter", "verification", ref, "-o", str(out))[0] == 0
    text = flat(pdf_text(out.read_bytes()))
    assert "registered with us" in text and "identity document" not in text
    out = tmp_path / "id.pdf"
    assert run(ctx, capsys, "letter", "verification", ref, "-o", str(out), "--ask", "id-document")[0] == 0
    text = flat(pdf_text(out.read_bytes()))
    assert "copy of an identity document" in text and "registered with us" not in text
    code, _, err = run(ctx, capsys, "letter", "verification", ref, "-o", str(out), "--ask", "passport")
    assert code == 2 and "invalid choice" in err and len(err.strip().splitlines()) == 1
