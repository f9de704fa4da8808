"""``privdesk deadline``: the exact command-line contract, errors and no case database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from privdesk.cli import main

KEYS = {"law", "type", "received", "due", "extended_due", "acknowledge_by", "refuse_by"}


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = main(["deadline", *args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict) and set(data) == KEYS
    return data


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--law", "uk-gdpr", "--received", "2025-09-03"],
         {"law": "uk-gdpr", "type": "access", "received": "2025-09-03", "due": "2025-10-03",
          "extended_due": "2025-12-03", "acknowledge_by": None, "refuse_by": "2025-10-03"}),
        (["--law", "gdpr", "--received", "2024-01-31", "--type", "erasure"],
         {"law": "gdpr", "type": "erasure", "received": "2024-01-31", "due": "2024-02-29",
          "extended_due": "2024-04-29", "acknowledge_by": None, "refuse_by": "2024-02-29"}),
        (["--law", "uk-gdpr", "--received", "2026-04-25", "--country", "GB"],
         {"law": "uk-gdpr", "type": "access", "received": "2026-04-25", "due": "2026-05-26",
          "extended_due": "2026-07-27", "acknowledge_by": None, "refuse_by": "2026-05-26"}),
        (["--law", "uk-gdpr", "--received", "2026-04-25"],
         {"law": "uk-gdpr", "type": "access", "received": "2026-04-25", "due": "2026-05-25",
          "extended_due": "2026-07-27", "acknowledge_by": None, "refuse_by": "2026-05-25"}),
        (["--law", "uk-gdpr", "--received", "2026-07-03", "--country", "GB", "--subdivision", "SCT"],
         {"law": "uk-gdpr", "type": "access", "received": "2026-07-03", "due": "2026-08-04",
          "extended_due": "2026-10-05", "acknowledge_by": None, "refuse_by": "2026-08-04"}),
        (["--law", "ccpa", "--received", "2026-03-02"],
         {"law": "ccpa", "type": "access", "received": "2026-03-02", "due": "2026-04-16",
          "extended_due": "2026-05-31", "acknowledge_by": "2026-03-16", "refuse_by": None}),
        (["--law", "ccpa", "--received", "2026-03-02", "--type", "opt-out"],
         {"law": "ccpa", "type": "opt-out", "received": "2026-03-02", "due": "2026-03-23",
          "extended_due": None, "acknowledge_by": None, "refuse_by": None}),
        (["--law", "lgpd", "--received", "2026-03-01", "--type", "portability"],
         {"law": "lgpd", "type": "portability", "received": "2026-03-01", "due": "2026-03-16",
          "extended_due": None, "acknowledge_by": None, "refuse_by": None}),
        (["--law", "vcdpa", "--received", "2026-03-01", "--type", "deletion"],
         {"law": "vcdpa", "type": "erasure", "received": "2026-03-01", "due": "2026-04-15",
          "extended_due": "2026-05-30", "acknowledge_by": None, "refuse_by": "2026-04-15"}),
        (["--law", "cpa", "--received", "2026-03-01", "--type", "rectification"],
         {"law": "cpa", "type": "rectification", "received": "2026-03-01", "due": "2026-04-15",
          "extended_due": "2026-05-30", "acknowledge_by": None, "refuse_by": "2026-04-15"}),
    ],
)
def test_json_contract(capsys: pytest.CaptureFixture[str], args: list[str], expected: dict[str, object]) -> None:
    assert _json(capsys, *args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--law", "hipaa", "--received", "2026-03-01"], "'hipaa' is not a known law. Known laws: ccpa, cpa, gdpr"),
        (["--law", "gdpr", "--received", "2026-03-01", "--type", "complaint"], "'complaint' is not a request type"),
        (["--law", "gdpr", "--received", "01/03/2026"], "not a date in the form YYYY-MM-DD"),
        (["--law", "gdpr", "--received", "2026-02-30"], "not a real calendar date"),
        (["--law", "gdpr", "--received", "20260301"], "not a date in the form YYYY-MM-DD"),
        (["--law", "gdpr", "--received", "2026-03-01", "--country", "XX"], "'XX' is not a country"),
        (["--law", "gdpr", "--received", "2026-03-01", "--country", "GB", "--subdivision", "ZZ"], "'ZZ' is not a subdivision"),
        (["--law", "gdpr"], "the following arguments are required: --received"),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code = main(["deadline", *args, "--json"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("privdesk")
    assert message in err


def test_human_summary_with_citation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "--law", "uk-gdpr", "--received", "2026-09-03", "--country", "GB"]) == 0
    out = capsys.readouterr().out
    assert "UK GDPR Art. 15" in out
    assert "UK GDPR Art. 12(3)" in out
    assert "2026-10-05 (Monday)" in out
    assert "Refuse by       2026-10-05 (Monday)" in out and "not moved by an extension" in out
    assert "moved from 2026-10-03 (Saturday)" in out
    assert "2026-12-03" in out


def test_human_summary_acknowledgement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "--law", "ccpa", "--received", "2026-03-02", "--type", "know"]) == 0
    out = capsys.readouterr().out
    assert "Cal. Civ. Code §1798.110 (right to know)" in out
    assert "Acknowledge by  2026-03-16 (Monday) (CCPA Regs. §7021(a))" in out


def test_does_not_open_the_case_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from privdesk.services.context import AppContext

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("privdesk deadline opened the case database")

    monkeypatch.setattr(AppContext, "open", refuse)
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "deadline", "--law", "gdpr", "--received", "2026-03-02", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["due"] == "2026-04-02"
    assert not list(data.rglob("*.sqlite3"))


def test_human_summary_warns_when_the_law_has_no_such_right(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "--law", "cpa", "--received", "2026-03-01", "--type", "objection"]) == 0
    out = capsys.readouterr().out
    assert "Caution         the CPA has no such right; record it as an opt-out" in out
