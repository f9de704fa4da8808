"""``privdesk dashboard --json`` (an external contract), ``privdesk report`` and the report's text
read back from the PDF and the CSV."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader

from privdesk.cli import main
from privdesk.services.report import write_report
from tests.integration.dashboard.conftest import NOW, OCTOBER, TODAY, Case


def run(capsys: pytest.CaptureFixture[str], case: Case, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(case.ctx.paths.data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_dashboard_json_contract(capsys: pytest.CaptureFixture[str], sqlite_case: Case) -> None:
    code, out, err = run(capsys, sqlite_case, "dashboard", "--json", "--from", "2026-10-01", "--to", "2026-10-31",
                         "--as-of", TODAY.isoformat())
    assert (code, err) == (0, "")
    j = json.loads(out)
    assert {k: j[k] for k in ("open", "overdue", "due_within_7_days", "extended", "closed")} == {
        "open": 5, "overdue": 1, "due_within_7_days": 1, "extended": 1, "closed": 3}
    assert j["on_time_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert j["median_days_to_close"] == 25
    assert {"officer": "Unassigned", "open": 3, "overdue": 0, "due_within_7_days": 0} in j["by_officer"]
    assert all({"officer", "open", "overdue"} <= set(o) for o in j["by_officer"])


def test_dashboard_json_with_nothing_closed_is_null(capsys: pytest.CaptureFixture[str], sqlite_case: Case) -> None:
    code, out, _ = run(capsys, sqlite_case, "dashboard", "--json", "--from", "2025-01-01", "--to", "2025-01-31")
    assert code == 0
    j = json.loads(out)
    assert j["closed"] == 0 and j["on_time_rate"] is None and j["median_days_to_close"] is None


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2026-10-31", "--to", "2026-10-01"), "ends (2026-10-01) before it starts"),
    (("--from", "1 Oct"), "is not a date"),
    (("--period", "last-quarter", "--from", "2026-10-01"), "either --period or --from/--to"),
])
def test_dashboard_user_errors(capsys: pytest.CaptureFixture[str], sqlite_case: Case, args: tuple[str, ...],
                               message: str) -> None:
    code, out, err = run(capsys, sqlite_case, "dashboard", "--json", *args)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_report_command_writes_pdf_and_csv(capsys: pytest.CaptureFixture[str], sqlite_case: Case,
                                           tmp_path: Path) -> None:
    pdf, table = tmp_path / "october.pdf", tmp_path / "october.csv"
    code, out, err = run(capsys, sqlite_case, "report", "--from", "2026-10-01", "--to", "2026-10-31",
                         "--as-of", TODAY.isoformat(), "-o", str(pdf), "--csv", str(table))
    assert (code, err) == (0, "")
    assert str(pdf) in out and str(table) in out
    for path in (pdf, table):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = {(r["section"], r["key"]): r["value"] for r in csv.DictReader(table.open(encoding="utf-8"))}
    assert rows[("figures", "closed_late")] == "1"
    assert rows[("figures", "on_time_rate")] == "0.6667"
    assert rows[("figures", "median_days_to_close")] == "25.0"
    assert rows[("on_time_by_law", "gdpr.late")] == "1"


def test_report_text_read_back(sqlite_case: Case, tmp_path: Path) -> None:
    written = write_report(sqlite_case.ctx, OCTOBER, tmp_path / "r.pdf", today=TODAY, now=NOW)
    reader = PdfReader(written.path)
    assert len(reader.pages) == written.pages >= 2
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Northwind Analytics Ltd" in text  # the letterhead
    assert "1 October 2026 to 31 October 2026" in text
    for phrase in ("Answered late 1", "Answered on time, of those answered in the period 67%",
                   "(2 of 4) 50%", "Median days from receipt to answer 25",
                   "Manifestly unfounded 1", "Olga Reviewer 2 1 1"):
        assert phrase in text, phrase
    refs = sqlite_case.refs
    assert f"{refs['B']} Access GDPR 2026-10-01 2026-10-20 19 Data sent after reminders" in text
    assert f"{refs['H']} Access GDPR 2026-11-02 open 23" in text
    assert "Lost laptop" in text and "Phished mailbox" in text and "in time" in text and "312 told" in text
    assert "Open bucket" not in text  # aware in November


def test_report_to_a_missing_folder_is_a_user_error(sqlite_case: Case, tmp_path: Path) -> None:
    from privdesk.errors import ValidationError

    with pytest.raises(ValidationError, match="does not exist"):
        write_report(sqlite_case.ctx, OCTOBER, tmp_path / "nowhere" / "r.pdf", today=TODAY)


def test_report_to_a_name_not_pdf_or_csv_is_refused(capsys: pytest.CaptureFixture[str], sqlite_case: Case,
                                                     tmp_path: Path) -> None:
    code, out, err = run(capsys, sqlite_case, "report", "--from", "2026-10-01", "--to", "2026-10-31",
                         "-o", str(tmp_path / "r.txt"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "not 'r.txt'" in err and ".pdf or .csv" in err
    assert not (tmp_path / "r.txt").exists()
    code, _, err = run(capsys, sqlite_case, "report", "--from", "2026-10-01", "--to", "2026-10-31",
                       "-o", str(tmp_path / "r.pdf"), "--csv", str(tmp_path / "r.pdf2"))
    assert code == 2 and "a .csv file" in err and not (tmp_path / "r.pdf").exists()
