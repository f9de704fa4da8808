"""The case file: a search attached to a request, the portability export and the letters made
from it, each recorded on the request and in the audit trail."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from privdesk.cli import main
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services import audit, casefile
from privdesk.services import discovery as ds
from privdesk.services import requests as rq
from privdesk.services.context import AppContext

ACTOR = "dpo@northwind.example"


@pytest.fixture
def case(ctx: AppContext, tmp_path: Path) -> tuple[AppContext, str]:
    """A connected CRM holding Zoë and someone else, and an access request from Zoë."""
    from privdesk.services.demo import seed_profile

    seed_profile(ctx)
    demo_ctx = ctx
    crm = tmp_path / "crm.sqlite"
    with sqlite3.connect(crm) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, phone TEXT)")
        c.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total TEXT)")
        c.executemany("INSERT INTO customers VALUES (?,?,?,?)", [
            (1, "Zoë Ødegård", "Zoe.Odegard@Example.com", "+47 912 34 567"),
            (2, "Ola Nordmann", "ola@example.no", "+47 400 00 000"),
        ])
        c.executemany("INSERT INTO orders VALUES (?,?,?)", [(10, 1, "19.90"), (11, 1, "5.00"), (12, 2, "7.50")])
    ds.add_connection(demo_ctx, "crm", f"sqlite:///{crm}")
    opened = rq.open_request(demo_ctx, rq.NewRequest(type="access", law="gdpr", received=date.today(),
                                                     name="Zoë Ødegård", emails=("zoe.odegard@example.com",)),
                             actor=ACTOR)
    return demo_ctx, opened.reference


def attach(ctx: AppContext, ref: str) -> casefile.SnapshotInfo:
    result = ds.search(ctx, ds.make_query(ctx, emails=["zoe.odegard@example.com"]))
    return casefile.attach_snapshot(ctx, ref, ds.make_snapshot(ctx, result), ACTOR)


def test_attach_snapshot_records_rows_identifiers_and_audit(case: tuple[AppContext, str]) -> None:
    ctx, ref = case
    info = attach(ctx, ref)
    assert info.row_count == 3  # Zoë and her two orders, not Ola's
    assert info.identifiers["emails"] == ["zoe.odegard@example.com"]
    _, snap = casefile.latest_snapshot(ctx, ref)
    assert sorted((m.table, m.row["id"]) for m in snap.matches) == [("customers", 1), ("orders", 10), ("orders", 11)]
    events = [e for e in audit.history(ctx, "request", ref) if e.action == "attach_search"]
    assert len(events) == 1
    assert audit.verify(ctx).ok


def test_no_snapshot_is_a_clear_error(case: tuple[AppContext, str], tmp_path: Path) -> None:
    ctx, ref = case
    with pytest.raises(NotFoundError, match="no search result attached"):
        casefile.export_portability(ctx, ref, "json", tmp_path / "x.json", ACTOR)
    with pytest.raises(ValidationError, match="not an export format"):
        casefile.export_portability(ctx, ref, "xml", tmp_path / "x.xml", ACTOR)


def test_export_json_and_csv(case: tuple[AppContext, str], tmp_path: Path) -> None:
    ctx, ref = case
    attach(ctx, ref)
    doc = casefile.export_portability(ctx, ref, "json", tmp_path / "zoe.json", ACTOR)
    data = json.loads((tmp_path / "zoe.json").read_text())
    assert data["manifest"]["reference"] == ref
    assert [r["id"] for r in data["data"]["crm"]["orders"]] == [10, 11]
    assert (tmp_path / "zoe.json").stat().st_mode & 0o077 == 0
    assert doc.stored_path.exists() and doc.stored_path.read_bytes() == (tmp_path / "zoe.json").read_bytes()
    assert doc.stored_path.stat().st_mode & 0o077 == 0, "the case-file copy is owner-only too"
    casefile.export_portability(ctx, ref, "csv", tmp_path / "zoe.zip", ACTOR)
    with zipfile.ZipFile(tmp_path / "zoe.zip") as z:
        assert "manifest.json" in z.namelist()
        assert "Ødegård" in z.read("crm/customers.csv").decode("utf-8-sig")
    assert [d.kind for d in casefile.list_documents(ctx, ref)] == ["portability-csv", "portability-json"]


def test_export_letter_with_appendix_and_portability_file(case: tuple[AppContext, str], tmp_path: Path) -> None:
    ctx, ref = case
    rq.change_status(ctx, ref, "in_progress", ACTOR)
    attach(ctx, ref)
    doc = casefile.generate_letter(ctx, "export", ref, tmp_path / "letter.pdf", ACTOR)
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "letter.pdf").pages)
    assert "Zoë Ødegård" in text and ref in text and "Northwind Analytics Ltd" in text
    assert "letter-data.json" in text  # the machine-readable copy written beside it, named in the letter
    data_doc = next(d for d in casefile.list_documents(ctx, ref) if d.kind == "portability-json")
    assert data_doc.sha256 in text.replace("\n", "")
    assert "Ola" not in text
    assert doc.kind == "export" and doc.pages >= 2
    assert any(e.action == "document_export" for e in audit.history(ctx, "request", ref))


def test_export_letter_after_a_search_that_found_nothing(case: tuple[AppContext, str], tmp_path: Path) -> None:
    """A real search of the CRM that finds nobody: the letter names the system searched, says we hold
    no data, and has no copy section and no appendix."""
    ctx, _ = case
    ref = rq.open_request(ctx, rq.NewRequest(type="access", law="gdpr", received=date.today(), name="Nina Berg",
                                             emails=("nina@example.org",)), actor=ACTOR).reference
    rq.change_status(ctx, ref, "in_progress", ACTOR)
    result = ds.search(ctx, ds.make_query(ctx, emails=["nina@example.org"]))
    casefile.attach_snapshot(ctx, ref, ds.make_snapshot(ctx, result), ACTOR)
    casefile.generate_letter(ctx, "export", ref, tmp_path / "letter.pdf", ACTOR)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(tmp_path / "letter.pdf").pages).split())
    assert "found no personal data about you" in text and "holds no personal data about you" in text
    assert "We searched these systems: crm" in text.replace("•", "").replace("  ", " ")
    assert "Your copy of the data" not in text and "Appendix" not in text


def test_letter_that_does_not_fit_is_refused(case: tuple[AppContext, str], tmp_path: Path) -> None:
    ctx, _ = case
    erasure = rq.open_request(ctx, rq.NewRequest(type="erasure", law="gdpr", received=date.today(),
                                                 name="Ola Nordmann", emails=("ola@example.no",)), actor=ACTOR)
    ref = erasure.reference
    with pytest.raises(ValidationError):
        casefile.generate_letter(ctx, "export", ref, tmp_path / "x.pdf", ACTOR)
    assert not (tmp_path / "x.pdf").exists()


def test_cli_letter_export_and_documents(case: tuple[AppContext, str], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    ctx, ref = case
    attach(ctx, ref)
    d = str(ctx.paths.data_dir)
    out = tmp_path / "ack.pdf"
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass\n"))
    assert main(["--data-dir", d, "letter", "acknowledgement", ref, "-o", str(out), "--password-stdin"]) == 0
    reader = PdfReader(out)
    assert reader.is_encrypted
    assert reader.decrypt("s3cret-pass")
    assert ref in reader.pages[0].extract_text()
    assert main(["--data-dir", d, "export", ref, "--format", "csv", "-o", str(tmp_path / "d.zip")]) == 0
    capsys.readouterr()
    assert main(["--data-dir", d, "documents", ref, "--json"]) == 0
    kinds = [x["kind"] for x in json.loads(capsys.readouterr().out)]
    assert kinds == ["portability-csv", "acknowledgement"]
    code = main(["--data-dir", d, "letter", "export", "DSR-2026-9999", "-o", str(tmp_path / "n.pdf")])
    assert code == 2 and "no request" in capsys.readouterr().err.lower()
    assert "s3cret-pass" not in (ctx.paths.log_dir / "privdesk.log").read_text()


def test_cli_search_attach(case: tuple[AppContext, str], capsys: pytest.CaptureFixture[str]) -> None:
    ctx, ref = case
    d = str(ctx.paths.data_dir)
    code = main(["--data-dir", d, "search", "--email", " ZOE.ODEGARD@example.com ", "--attach", ref,
                 "--as", ACTOR, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert len(json.loads(captured.out)["matches"]) == 3
    assert f"attached 3 rows to {ref}" in captured.err
    info, _ = casefile.latest_snapshot(ctx, ref)
    assert info.attached_by == ACTOR and info.row_count == 3
    code = main(["--data-dir", d, "search", "--email", "x@example.com", "--attach", "DSR-2026-4242"])
    assert code == 2 and "no request" in capsys.readouterr().err.lower()


def test_letters_in_the_same_second_keep_their_own_copies(case: tuple[AppContext, str], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 11 point 10: two copies named by the second overwrote each other; --verify checks."""
    ctx, ref = case
    first = casefile.generate_letter(ctx, "acknowledgement", ref, tmp_path / "ack.pdf", ACTOR)
    second = casefile.generate_letter(ctx, "acknowledgement", ref, tmp_path / "ack.pdf", ACTOR,
                                      password="other-bytes")
    assert first.stored_path != second.stored_path
    assert first.sha256 != second.sha256
    d = ["--data-dir", str(ctx.paths.data_dir)]
    capsys.readouterr()
    assert main([*d, "documents", ref, "--verify", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and [x["status"] for x in out["documents"]] == ["ok", "ok"]
    first.stored_path.write_bytes(b"%PDF-1.4 replaced")  # someone alters a kept copy
    assert main([*d, "documents", ref, "--verify"]) == 1
    text = capsys.readouterr().out
    assert f"altered  acknowledgement  {first.stored_path.name}" in text
    assert "2 documents, 1 not matching" in text
