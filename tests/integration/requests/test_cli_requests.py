"""The ``privdesk request`` command-line contract."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.domain.deadlines import compute_deadline
from privdesk.domain.laws import get_law
from privdesk.domain.requests import RequestType
from privdesk.services.context import AppContext


def run(ctx: AppContext, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(ctx.paths.data_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_show_list_and_workflow(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    received = date.today() - timedelta(days=3)
    code, out, err = run(ctx, capsys, "request", "add", "--type", "access", "--law", "gdpr",
                         "--received", received.isoformat(), "--name", "Zoë Ødegård",
                         "--email", "zoe.odegard@example.com", "--phone", "+47 912 34 567",
                         "--channel", "letter", "--as", "dpo@northwind.example")
    assert code == 0, err
    ref = out.strip()
    assert ref == f"DSR-{date.today().year}-0001"
    code, out, _ = run(ctx, capsys, "request", "show", ref, "--json")
    data = json.loads(out)
    expected = compute_deadline(get_law("gdpr"), RequestType.ACCESS, received).to_json()
    for key in ("law", "type", "received", "due", "extended_due", "acknowledge_by"):
        assert data[key] == expected[key]
    assert data["reference"] == ref and data["status"] == "received"
    assert data["subject"] == "Zoë Ødegård" and data["channel"] == "letter"

    code, out, _ = run(ctx, capsys, "request", "list", "--json")
    [row] = json.loads(out)
    assert row["reference"] == ref and row["days_left"] == (date.fromisoformat(expected["due"]) - date.today()).days
    code, out, _ = run(ctx, capsys, "request", "list", "--overdue", "--json")
    assert json.loads(out) == []
    assert run(ctx, capsys, "officer", "add", "Priya Natarajan", "priya@northwind.example")[0] == 0

    steps = [
        ("verify", ref, "--start"),
        ("verify", ref),
        ("assign", ref, "priya@northwind.example"),
        ("extend", ref, "--reason", "Large archive"),
        ("complete", ref, "--reason", "Copy sent", "--as", "priya@northwind.example"),
    ]
    for step in steps:
        code, out, err = run(ctx, capsys, "request", *step)
        assert code == 0, (step, err)
    data = json.loads(run(ctx, capsys, "request", "show", ref, "--json")[1])
    assert data["status"] == "completed" and data["decided_by"] == "priya@northwind.example"
    assert data["assignee"] == "Priya Natarajan" and data["extended"] is True
    code, out, _ = run(ctx, capsys, "request", "list", "--status", "completed")
    assert ref in out
    code, out, _ = run(ctx, capsys, "audit", "verify")
    assert code == 0 and out.strip() == "audit trail intact: 6 entries"


def test_deny_withdraw_and_overdue(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    old = (date.today() - timedelta(days=120)).isoformat()
    refs = []
    for name in ("A One", "B Two"):
        code, out, _ = run(ctx, capsys, "request", "add", "--type", "erasure", "--law", "ccpa",
                           "--received", old, "--name", name, "--email", f"{name[0].lower()}@example.com")
        refs.append(out.strip())
    code, out, _ = run(ctx, capsys, "request", "list", "--overdue", "--json")
    assert sorted(r["reference"] for r in json.loads(out)) == refs
    assert all(r["days_left"] < 0 for r in json.loads(out))
    assert run(ctx, capsys, "request", "deny", refs[0], "--reason", "Not verifiable")[0] == 0
    assert run(ctx, capsys, "request", "withdraw", refs[1])[0] == 0
    code, out, _ = run(ctx, capsys, "request", "list", "--overdue", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--type", "access", "--law", "nope", "--received", "2026-01-05"], "'nope' is not a known law"),
    (["--type", "nope", "--law", "gdpr", "--received", "2026-01-05"], "'nope' is not a request type"),
    (["--type", "access", "--law", "gdpr", "--received", "2026-01-32"], "is not a date"),
    (["--type", "access", "--law", "gdpr", "--received", "2999-01-01"], "in the future"),
])
def test_bad_input_exits_2_with_one_line(ctx: AppContext, capsys: pytest.CaptureFixture[str],
                                         args: list[str], message: str) -> None:
    code, out, err = run(ctx, capsys, "request", "add", *args, "--name", "X", "--email", "x@example.com")
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1
    assert json.loads(run(ctx, capsys, "request", "list", "--json")[1]) == []


def test_bad_email_and_unknown_reference(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(ctx, capsys, "request", "add", "--type", "access", "--law", "gdpr",
                       "--received", "2026-01-05", "--name", "X", "--email", "x@@example")
    assert code == 2 and "not a valid e-mail address" in err
    code, _, err = run(ctx, capsys, "request", "show", "DSR-2026-0009", "--json")
    assert code == 2 and err.strip() == "privdesk: There is no request DSR-2026-0009."
    code, _, err = run(ctx, capsys, "request", "extend", "DSR-2026-0009")
    assert code == 2 and "--reason" in err


def test_duplicate_warning_and_export(ctx: AppContext, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    day = date.today().isoformat()
    base = ["request", "add", "--type", "access", "--law", "uk-gdpr", "--received", day, "--name", "Aisha Khan"]
    first = run(ctx, capsys, *base, "--email", "aisha.khan@example.co.uk")[1].strip()
    code, out, err = run(ctx, capsys, *base, "--email", "AISHA.KHAN@example.co.uk")
    assert code == 0 and f"possible duplicate of open request {first}" in err
    second = out.strip()
    assert run(ctx, capsys, "request", "merge", second, first)[0] == 0
    code, out, _ = run(ctx, capsys, "request", "export", str(tmp_path / "log.csv"))
    assert code == 0 and out.startswith("2 requests written")
