"""A letter whose dates contradict the record is warned about before it is produced."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from privdesk.services import letter_checks
from privdesk.services import requests as svc
from privdesk.services.context import AppContext


def test_overdue_acknowledgement_is_warned(ctx: AppContext) -> None:
    new = svc.NewRequest(type="access", law="gdpr", received=date(2026, 9, 1), name="Aisha Khan",
                         emails=("aisha@example.com",))
    d = svc.open_request(ctx, new, "dpo@example.com", today=date(2026, 9, 2)).request
    assert letter_checks.date_warnings("acknowledgement", d, today=date(2026, 9, 3)) == []
    late = letter_checks.date_warnings("acknowledgement", d, today=date(2026, 11, 11))
    assert late and "already past" in late[0] and f"{(date(2026, 11, 11) - d.deadline).days} days ago" in late[0]
    assert letter_checks.date_warnings("export", d, today=date(2026, 11, 11)) == []  # the answer itself is fine


def test_cli_warns_before_an_overdue_acknowledgement(data_dir: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from privdesk.cli import main

    base = ["--data-dir", str(data_dir)]
    assert main([*base, "request", "add", "--type", "access", "--law", "gdpr", "--received", "2026-01-05",
                 "--name", "Aisha Khan", "--email", "aisha@example.com"]) == 0
    ref = capsys.readouterr().out.split()[0]
    assert main([*base, "letter", "acknowledgement", ref, "-o", str(tmp_path / "ack.pdf")]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "already past" in err
    assert (tmp_path / "ack.pdf").exists()
