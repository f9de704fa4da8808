"""The ``privdesk breach`` command-line contract."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from privdesk.cli import main
from privdesk.services import settings
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import PROFILE

ADD = ["breach", "add", "--title", "Lost laptop", "--aware", "2026-11-20T09:30+01:00", "--nature",
       "confidentiality", "--description", "An unencrypted laptop was stolen from a car.",
       "--data-categories", "health,names", "--subject-categories", "patients,staff", "--subjects-approx", "40",
       "--records-approx", "120", "--consequences", "Identity fraud is possible.", "--measures",
       "Remote wipe requested; police informed.", "--risk", "high"]


@pytest.fixture
def data(data_dir: Path) -> Path:
    ctx = AppContext.open(data_dir)
    settings.update_settings(ctx, PROFILE)
    ctx.close()
    return data_dir


def run(data: Path, *args: str) -> int:
    return main(["--data-dir", str(data), *args])


def test_add_list_show(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data, *ADD) == 0
    assert capsys.readouterr().out.strip() == "BR-2026-0001"
    assert run(data, "breach", "list", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["reference"] == "BR-2026-0001" and rows[0]["risk"] == "high" and rows[0]["status"] == "open"
    assert rows[0]["aware"] == "2026-11-20T09:30+01:00" and rows[0]["authority_due"] == "2026-11-23T09:30+01:00"
    assert run(data, "breach", "show", "BR-2026-0001", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["contact"]["name"] == "Amara Okafor" and shown["subjects_approx"] == 40


@pytest.mark.parametrize("bad", ["2026-11-20", "20.11.2026 09:30", "2026-13-01T10:00", "soon"])
def test_bad_timestamps_exit_2(data: Path, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = list(ADD)
    args[args.index("--aware") + 1] = bad
    assert run(data, *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "time of awareness" in err and bad in err


def test_unknown_risk_exits_2(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = list(ADD)
    args[-1] = "medium"
    assert run(data, *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'medium' is not a risk level" in err


def test_affected_notify_and_export(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data, *ADD) == 0
    ref = capsys.readouterr().out.strip()
    people = tmp_path / "people.csv"
    people.write_text("name,email,postal address,language\nZoë Ødegård,zoe@example.com,3 Fjord Road,no\n"
                      "Zoe O.,ZOE@example.com,,\nJonas Becker,jonas@example.de,Hauptstr. 1 Berlin,de\n",
                      encoding="utf-8")
    assert run(data, "breach", "affected-add", ref, "--csv", str(people)) == 0
    assert "2 added, 1 duplicates merged" in capsys.readouterr().out
    pdf = tmp_path / "authority.pdf"
    code = run(data, "breach", "notify-authority", ref, "-o", str(pdf))
    err = capsys.readouterr().err
    # the breach's 72 hours ran out long before the test machine's clock: reasons are required
    assert code == 2 and "reasons for the delay" in err and not pdf.exists()
    assert run(data, "breach", "notify-authority", ref, "-o", str(pdf), "--delay-reasons",
               "Our investigation took longer than expected.") == 0
    assert "Lost laptop" in " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    out = tmp_path / "notices"
    assert run(data, "breach", "notify-subjects", ref, "--out-dir", str(out), "--combined",
               str(tmp_path / "all.pdf")) == 0
    assert "2 of 2 notices written" in capsys.readouterr().out
    manifest = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8"))))
    assert {m["name"] for m in manifest} == {"Zoë Ødegård", "Jonas Becker"}
    reg = tmp_path / "register.csv"
    assert run(data, "breach", "export-register", "-o", str(reg)) == 0
    rows = list(csv.DictReader(io.StringIO(reg.read_text(encoding="utf-8-sig"))))
    assert rows[0]["reference"] == ref and rows[0]["authority_late"] == "yes"
    assert rows[0]["individuals_notified"] == "2"


def test_unknown_reference_exits_2(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data, "breach", "show", "BR-2026-0042") == 2
    assert "There is no breach BR-2026-0042." in capsys.readouterr().err


def test_attorney_general_sample_copy_and_record(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = list(ADD) + ["--regimes", "california"]
    assert run(data, *args) == 0
    ref = capsys.readouterr().out.strip()
    sample = tmp_path / "sample.pdf"
    assert run(data, "breach", "sample-notice", ref, "-o", str(sample)) == 0
    text = " ".join(p.extract_text() for p in PdfReader(sample).pages)
    assert "Notice of Data Breach" in text and "[Name of the resident]" in text
    assert run(data, "breach", "notified", ref, "--to", "individuals", "--count", "620",
               "--delay-reasons", "Addresses were confirmed with the post office first.") == 0
    capsys.readouterr()
    assert run(data, "breach", "notified", ref, "--to", "attorney-general", "--file", str(sample)) == 0
    assert "California Attorney General" in capsys.readouterr().out
    assert run(data, "breach", "show", ref, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    ag = [n for n in shown["notifications"] if n["kind"] == "attorney-general"]
    assert ag and len(ag[0]["document_sha256"]) == 64 and ag[0]["document_file"] == "sample.pdf"
