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


def test_a_profile_without_the_organisation_name_or_contact_is_warned(ctx: AppContext) -> None:
    """Found on a fresh install trying the sample databases: with Settings empty the export letter
    read "We confirm that processes personal data about you" and "write to or to our data
    protection officer, ." and the officer was warned only about the supervisory authority."""
    from privdesk.services.settings import set_setting

    new = svc.NewRequest(type="access", law="gdpr", received=date(2026, 9, 1), name="Leonie Köhler",
                         emails=("leonekohler@surfeu.de",))
    d = svc.open_request(ctx, new, "dpo@example.com", today=date(2026, 9, 2)).request
    warned = " ".join(letter_checks.profile_warnings(ctx, "export", d))
    assert "organisation name" in warned and "contact" in warned
    set_setting(ctx, "org.name", "Chinook Music")
    set_setting(ctx, "org.email", "privacy@chinook.example")
    warned = " ".join(letter_checks.profile_warnings(ctx, "export", d))
    assert "organisation name" not in warned and "contact" not in warned
