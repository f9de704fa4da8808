"""Issue 10 (legal review) over the command line: verification choices, refusal deadlines, law files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.errors import ValidationError
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


def test_request_show_json_has_refuse_by_unmoved_by_the_extension_and_late_denials(
    ctx: AppContext, capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 10 point 8: GDPR Art. 12(4), one month from receipt, not extendable."""
    from datetime import timedelta

    received = date.today() - timedelta(days=40)
    ref = open_request(ctx, "gdpr", received)
    code, out, err = run(ctx, capsys, "request", "show", ref, "--json")
    assert code == 0, err
    data = json.loads(out)
    keys = list(data)
    assert keys.index("refuse_by") == keys.index("acknowledge_by") + 1
    refuse_by = date.fromisoformat(data["refuse_by"])
    assert refuse_by == date.fromisoformat(data["due"]) and data["refusal_late"] is None
    rq.verify_identity(ctx, ref, ACTOR, on=received + timedelta(days=2))
    rq.extend(ctx, ref, "Twelve systems to search.", ACTOR, today=received + timedelta(days=5))
    data = json.loads(run(ctx, capsys, "request", "show", ref, "--json")[1])
    assert data["extended_due"] and data["deadline"] == data["extended_due"]
    assert data["refuse_by"] == refuse_by.isoformat()  # the extension does not move it
    rq.deny(ctx, ref, "Manifestly unfounded: the same request every week.", ACTOR)
    data = json.loads(run(ctx, capsys, "request", "show", ref, "--json")[1])
    assert data["status"] == "denied" and data["refusal_late"] is True


def test_vcdpa_and_cpa_refusal_is_45_days_and_ccpa_has_none(capsys: pytest.CaptureFixture[str]) -> None:
    for law, expected in (("vcdpa", "2026-04-15"), ("cpa", "2026-04-15"), ("ccpa", None)):
        assert main(["deadline", "--law", law, "--received", "2026-03-01", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["refuse_by"] == expected


def test_uk_clock_stops_only_for_access_requests(ctx: AppContext) -> None:
    """UK GDPR Art. 12A: the clarification pause reaches requests under Art. 15 only."""
    seed_profile(ctx)
    erasure = rq.open_request(ctx, rq.NewRequest(type="erasure", law="uk-gdpr", received=date.today(),
                                                 name="Bo Li", emails=("bo@example.com",)), actor=ACTOR).request
    assert not erasure.can_pause
    with pytest.raises(ValidationError, match="clock stops only while waiting"):
        rq.pause_clock(ctx, erasure.reference, "Asked which account", ACTOR)
    access = rq.get_request(ctx, open_request(ctx, "uk-gdpr"))
    assert access.can_pause
