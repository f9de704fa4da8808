"""Issue 11 points 9 and 11: attachment copies and the request-log export are never half-written."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.services import requests as svc
from privdesk.services.context import AppContext

ACTOR = "dpo@example.com"


def _open(ctx: AppContext) -> str:
    return svc.open_request(ctx, svc.NewRequest(type="access", law="gdpr", received=date(2026, 11, 2),
                                                name="Aisha Khan", emails=("aisha@example.com",)),
                            actor=ACTOR).reference


def test_truncated_copy_is_not_reused(ctx: AppContext, tmp_path: Path) -> None:
    ref = _open(ctx)
    src = tmp_path / "passport.pdf"
    body = os.urandom(300_000)
    src.write_bytes(body)
    sha = hashlib.sha256(body).hexdigest()
    # An earlier attach was killed half-way: the copy sits under its final name, truncated.
    folder = ctx.paths.attachments_dir / ref
    folder.mkdir(parents=True)
    (folder / f"{sha[:12]}-passport.pdf").write_bytes(body[:4096])
    d = svc.attach_file(ctx, ref, src, ACTOR)
    a = d.attachments[0]
    stored = ctx.paths.data_dir / a.path
    assert a.sha256 == sha and hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    assert stored.stat().st_mode & 0o777 == 0o600
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left
    d = svc.attach_file(ctx, ref, src, ACTOR)  # a complete copy is reused
    assert len(list(folder.iterdir())) == 1


def test_request_export_replaces_atomically(ctx: AppContext, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _open(ctx)
    out = tmp_path / "log.csv"
    out.write_text("previous export\n")
    out.chmod(0o644)
    real_replace = os.replace

    def fail(*_a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    d = ["--data-dir", str(ctx.paths.data_dir)]
    assert main([*d, "request", "export", str(out)]) == 2
    assert "No space left" in capsys.readouterr().err
    assert out.read_text() == "previous export\n"  # not truncated in place
    assert list(tmp_path.glob(".log.csv*")) == []
    monkeypatch.setattr(os, "replace", real_replace)
    assert main([*d, "request", "export", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text().startswith("reference,received")
