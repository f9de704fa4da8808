"""Issue 11 point 4: a failed write prints neither the note text nor the SQL parameters."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from privdesk.cli import main


def test_failed_note_keeps_its_text_off_stderr_and_the_log(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--data-dir", str(data_dir)]
    assert main([*d, "request", "add", "--type", "access", "--law", "gdpr", "--received", "2026-11-20",
                 "--name", "Aisha Khan", "--email", "aisha@example.com"]) == 0
    with sqlite3.connect(data_dir / "privdesk.sqlite3") as db:
        ref = db.execute("SELECT reference FROM requests").fetchone()[0]
        # The database refuses the write (as a full disk or a lost MariaDB lock would).
        db.execute("CREATE TRIGGER no_notes BEFORE UPDATE ON requests "
                   "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    capsys.readouterr()
    secret = "Diagnosed-with-Secret-Condition"
    rc = main([*d, "request", "note", ref, secret, "--as", "Priya"])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.count("\n") == 1 and "internal error" in err
    assert secret not in err and "aisha" not in err.lower()
    log_text = "".join(p.read_text() for p in (data_dir / "logs").glob("privdesk.log*"))
    assert "Traceback" in log_text and secret not in log_text
