"""Importing requests from a web form's CSV and from .eml files: all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.errors import ValidationError
from privdesk.services import audit, intake
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from tests.integration.requests.conftest import ACTOR, TODAY

GOOD = """Submitted at;Full name;E-mail address;Request;Law
2026-11-20T09:15:00Z;Zoë Ødegård;zoe.odegard@example.com;access;gdpr
2026-11-21;Łukasz Wróbel;lukasz.wrobel@example.pl;deletion;gdpr
2026-11-22;Maria Santos;maria.santos@example.com.br;access;lgpd
"""


def write(tmp_path: Path, text: str, name: str = "form.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_guess_mapping_and_preview(ctx: AppContext, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    headers, rows = intake.read_csv(path)
    assert headers[1] == "Full name" and len(rows) == 3
    mapping = intake.guess_mapping(headers)
    assert mapping == {"name": "Full name", "email": "E-mail address", "type": "Request",
                       "law": "Law", "received": "Submitted at"}
    preview = intake.preview_csv(ctx, path, today=TODAY)
    assert preview.ok and [r.line for r in preview.rows] == [2, 3, 4]
    assert svc.count_requests(ctx) == 0


def test_import_commits_every_row(ctx: AppContext, tmp_path: Path) -> None:
    result = intake.import_csv(ctx, write(tmp_path, GOOD), ACTOR, today=TODAY)
    assert result.references == ("DSR-2026-0001", "DSR-2026-0002", "DSR-2026-0003")
    lukasz = svc.get_request(ctx, "DSR-2026-0002")
    assert lukasz.type == "erasure" and lukasz.channel == "web_form" and lukasz.subject_name == "Łukasz Wróbel"
    assert svc.get_request(ctx, "DSR-2026-0001").received.isoformat() == "2026-11-20"
    assert [e.action for e in audit.history(ctx, "request", "DSR-2026-0003")] == ["import"]


def test_a_bad_row_means_nothing_is_written(ctx: AppContext, tmp_path: Path) -> None:
    bad = GOOD + "2026-11-23;James Carter;james.carter@;access;ccpa\n2030-01-01;Future;f@example.com;access;gdpr\n"
    path = write(tmp_path, bad)
    preview = intake.preview_csv(ctx, path, today=TODAY)
    assert [(r.line, bool(r.error)) for r in preview.errors] == [(5, True), (6, True)]
    assert "not a valid e-mail address" in preview.errors[0].error
    with pytest.raises(ValidationError) as info:
        intake.import_csv(ctx, path, ACTOR, today=TODAY)
    msg = info.value.message
    assert msg.startswith("Nothing was imported: 2 of 5 rows have errors.")
    assert "line 5:" in msg and "line 6:" in msg and "in the future" in msg
    assert svc.count_requests(ctx) == 0 and audit.verify(ctx).entries == 0


def test_explicit_mapping_and_defaults(ctx: AppContext, tmp_path: Path) -> None:
    text = "who,mail,when\nAisha Khan,aisha.khan@example.co.uk,2026-11-19\n"
    path = write(tmp_path, text)
    with pytest.raises(ValidationError, match="Map a column to the subject's name"):
        intake.preview_csv(ctx, path, {"email": "mail"})
    with pytest.raises(ValidationError, match="no column 'nope'"):
        intake.preview_csv(ctx, path, {"name": "nope", "received": "when"})
    mapping = {"name": "who", "email": "mail", "received": "when"}
    result = intake.import_csv(ctx, path, ACTOR, mapping,
                               intake.ImportDefaults(law="uk-gdpr", type="erasure"), today=TODAY)
    d = svc.get_request(ctx, result.references[0])
    assert (d.law, d.type) == ("uk-gdpr", "erasure")


def test_cli_import_csv(ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(ctx.paths.data_dir)
    bad = write(tmp_path, "name,email,received\nX,x@example.com,yesterday\n", "bad.csv")
    assert main(["--data-dir", data, "request", "import", str(bad), "--law", "gdpr"]) == 2
    assert "line 2: the received date 'yesterday' is not a date" in capsys.readouterr().err
    good = write(tmp_path, "name,email,received\nX,x@example.com,2026-01-05\n", "good.csv")
    assert main(["--data-dir", data, "request", "import", str(good), "--law", "gdpr"]) == 0
    assert capsys.readouterr().out.strip().startswith("DSR-")


EML = b"""From: =?utf-8?q?Zo=C3=AB_=C3=98deg=C3=A5rd?= <zoe.odegard@example.com>
To: privacy@northwind.example
Subject: Please delete my account and all my data
Date: Fri, 20 Nov 2026 10:02:00 +0100
Message-ID: <1@example.com>
Content-Type: text/plain; charset=utf-8

Hello, I want you to erase everything you hold about me.
"""


def test_import_eml(ctx: AppContext, tmp_path: Path) -> None:
    p = tmp_path / "request.eml"
    p.write_bytes(EML)
    hints = intake.read_eml(p)
    assert (hints.name, hints.email, hints.type) == ("Zoë Ødegård", "zoe.odegard@example.com", intake.RequestType.ERASURE)
    result = intake.import_eml(ctx, [p], ACTOR, intake.ImportDefaults(law="gdpr"), today=TODAY)
    d = svc.get_request(ctx, result.references[0])
    assert d.type == "erasure" and d.received.isoformat() == "2026-11-20" and d.channel == "email"
    assert "Please delete my account" in d.notes
    [a] = d.attachments
    assert a.filename == "request.eml"
    assert svc.attachment_path(ctx, a).read_bytes() == EML


def test_eml_without_sender_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    good = tmp_path / "a.eml"
    good.write_bytes(EML)
    bad = tmp_path / "b.eml"
    bad.write_bytes(b"Subject: hi\n\nno sender\n")
    with pytest.raises(ValidationError, match="no sender address"):
        intake.import_eml(ctx, [good, bad], ACTOR, intake.ImportDefaults(law="gdpr"), today=TODAY)
    assert svc.count_requests(ctx) == 0
    assert not any(ctx.paths.attachments_dir.rglob("*.eml")) if ctx.paths.attachments_dir.exists() else True


# -- issue 11 point 12 ------------------------------------------------------------------------
def test_eml_with_unknown_charset_is_imported(ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "odd.eml"
    p.write_bytes(b"From: =?x-unknown-9?q?Zo=EB?= <zoe@example.com>\r\n"
                  b"Subject: =?x-unknown-9?q?Please_delete_my_data?=\r\n"
                  b"Date: Fri, 20 Nov 2026 10:00:00 +0000\r\n"
                  b"Content-Type: text/plain; charset=x-unknown-9\r\n\r\n"
                  b"Please erase everything about me. \xe9\xe8\r\n")
    hints = intake.read_eml(p)
    assert hints.email == "zoe@example.com" and hints.received is not None
    d = ["--data-dir", str(ctx.paths.data_dir)]
    assert main([*d, "request", "import", str(p), "--law", "gdpr"]) == 0, capsys.readouterr().err
    assert svc.count_requests(ctx) == 1


def test_csv_quoted_line_breaks_and_form_feeds_stay_in_their_cell(ctx: AppContext, tmp_path: Path) -> None:
    text = ('name,email,type,law,received\r\n'
            '"Zoë\nÖdegård",zoe@example.com,access,gdpr,2026-11-20\r\n'
            '"Ann\x0cLee",ann@example.com,access,gdpr,2026-11-20\r\n'
            '"Bo\x1cBerg\u2028x",bo@example.com,erasure,gdpr,2026-11-21\r\n')
    headers, rows = intake.read_csv(write(tmp_path, text))
    assert len(rows) == 3
    assert [r["email"] for r in rows] == ["zoe@example.com", "ann@example.com", "bo@example.com"]
    assert rows[1]["name"] == "Ann\x0cLee" and rows[2]["type"] == "erasure"


def test_intake_file_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "MAX_INTAKE_BYTES", 1000)
    big = write(tmp_path, GOOD + "x" * 2000)
    with pytest.raises(ValidationError, match="at most 0 MB|imports files of at most"):
        intake.read_csv(big)
    eml = tmp_path / "big.eml"
    eml.write_bytes(b"From: a@example.com\r\n\r\n" + b"x" * 2000)
    with pytest.raises(ValidationError, match="imports files of at most"):
        intake.read_eml(eml)


def test_terminal_escapes_in_names_are_printed_safely(ctx: AppContext, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import date

    svc.open_request(ctx, svc.NewRequest(type="access", law="gdpr", received=date(2026, 11, 20),
                                         name="Evil\x1b]0;pwned\x07\x1b[2J Name\u202e", emails=("e@example.com",)),
                     actor=ACTOR)
    capsys.readouterr()
    assert main(["--data-dir", str(ctx.paths.data_dir), "request", "list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "Evil\\x1b]0;pwned\\x07\\x1b[2J Name\\u202e" in out
