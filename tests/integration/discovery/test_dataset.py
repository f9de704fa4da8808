"""fideslang dataset files: export, import, export again gives the same map; malformed files are
refused with their line, and nothing is half-imported."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from privdesk.cli import main
from privdesk.discovery.search import SearchQuery
from privdesk.errors import ValidationError
from privdesk.services import datasets
from privdesk.services import discovery as svc
from privdesk.services import links as lsvc
from privdesk.services.context import AppContext
from tests.integration.discovery.shop import ANA, ANA_ROWS, INFERRED, MANUAL, build_shop


def _shop(ctx: AppContext, tmp_path: Path, name: str = "shop") -> str:
    url = f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    build_shop(url, declare=False)
    svc.add_connection(ctx, name, url)
    return url


def _map(ctx: AppContext, name: str) -> tuple[dict[tuple[str, str], str | None], set[str], dict[str, str]]:
    cmap = svc.get_map(ctx, name)
    kinds = {(t.table, c.column): c.kind for t in cmap.tables for c in t.columns}
    links = {lk.id for lk in cmap.links}
    roles = {t.table: t.role.role for t in cmap.tables}
    return kinds, links, roles


def test_round_trip(ctx: AppContext, tmp_path: Path) -> None:
    from fideslang.models import Dataset

    _shop(ctx, tmp_path)
    lsvc.accept_links(ctx, "shop", sorted(INFERRED), "o@example.com")
    lsvc.add_link(ctx, "shop", *MANUAL, actor="o@example.com")
    svc.set_column_kind(ctx, "shop", "payment_cards", "last4", "none")
    svc.set_column_kind(ctx, "shop", "orders", "total", "customer_id")
    lsvc.set_table_role(ctx, "shop", "products", "catalogue", "o@example.com")
    out = tmp_path / "shop.yml"
    datasets.export_dataset(ctx, "shop", out)
    assert (out.stat().st_mode & 0o777) == 0o600
    doc = yaml.safe_load(out.read_text())
    Dataset.model_validate(doc["dataset"][0])  # valid for fideslang
    colls = {c["name"]: c for c in doc["dataset"][0]["collections"]}
    email = next(f for f in colls["customers"]["fields"] if f["name"] == "email")
    assert email["data_categories"] == ["user.contact.email"] and email["fides_meta"]["identity"] == "email"
    cust = next(f for f in colls["orders"]["fields"] if f["name"] == "customer_id")
    assert cust["fides_meta"]["references"] == [{"dataset": "shop", "field": "customers.id", "direction": "from"}]
    addr = next(f for f in colls["orders"]["fields"] if f["name"] == "shipping_address_id")
    assert addr["fides_meta"]["references"][0]["direction"] == "to"

    # a second connection on a copy of the database: import gives the same map, and the search works
    _shop(ctx, tmp_path, "copy")
    summary = datasets.import_dataset(ctx, "copy", out, "o@example.com")
    assert summary.links == len(INFERRED) + 1 and summary.roles == 1
    assert _map(ctx, "copy") == _map(ctx, "shop")
    r = svc.search(ctx, SearchQuery(emails=(ANA,)), ["copy"])
    assert {m.table for m in r.matches if m.role == "subject"} == set(ANA_ROWS)
    again = tmp_path / "again.yml"
    datasets.export_dataset(ctx, "copy", again)
    first, second = yaml.safe_load(out.read_text()), yaml.safe_load(again.read_text())
    first["dataset"][0]["name"] = second["dataset"][0]["name"] = "x"
    first["dataset"][0]["description"] = second["dataset"][0]["description"] = "x"
    first["dataset"][0]["fides_key"] = second["dataset"][0]["fides_key"] = "x"
    for d in (first, second):
        for c in d["dataset"][0]["collections"]:
            for f in c["fields"]:
                for ref in f.get("fides_meta", {}).get("references", []):
                    ref["dataset"] = "x"
    assert first == second
    # importing the same file twice changes nothing
    datasets.import_dataset(ctx, "copy", out, "o@example.com")
    assert _map(ctx, "copy") == _map(ctx, "shop")


BAD = {
    "yaml": ("dataset:\n  - fides_key: shop\n\tcollections: []\n", 3, "not valid YAML"),
    "direction": ("dataset:\n  - fides_key: shop\n    collections:\n      - name: orders\n        fields:\n"
                  "          - name: customer_id\n            fides_meta:\n              references:\n"
                  "                - dataset: shop\n                  field: customers.id\n"
                  "                  direction: sideways\n", 11, "direction"),
    "table": ("dataset:\n  - fides_key: shop\n    collections:\n      - name: orders\n        fields:\n"
              "          - name: customer_id\n      - name: invoices\n        fields: []\n", 7, "no table 'invoices'"),
    "reference": ("dataset:\n  - fides_key: shop\n    collections:\n      - name: orders\n        fields:\n"
                  "          - name: customer_id\n            fides_meta:\n              references:\n"
                  "                - dataset: shop\n                  field: clients.id\n"
                  "                  direction: from\n", 10, "names no column"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_file_refused_with_line_and_nothing_imported(ctx: AppContext, tmp_path: Path, case: str) -> None:
    _shop(ctx, tmp_path)
    before = _map(ctx, "shop")
    text, line, reason = BAD[case]
    f = tmp_path / "bad.yml"
    f.write_text(text)
    with pytest.raises(ValidationError) as err:
        datasets.import_dataset(ctx, "shop", f, "o@example.com")
    assert f"bad.yml, line {line}:" in err.value.message and reason in err.value.message, err.value.message
    assert "Nothing was imported" in err.value.message
    assert _map(ctx, "shop") == before
    assert lsvc.list_links(ctx, "shop", infer=False).links == ()


def test_cli(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    build_shop(url, declare=False)
    d = ["--data-dir", str(data_dir)]
    assert main([*d, "connection", "add", "shop", url]) == 0
    assert main([*d, "connection", "links", "shop", "--accept-all"]) == 0
    out = tmp_path / "shop.yml"
    assert main([*d, "connection", "export-dataset", "shop", "-o", str(out)]) == 0
    assert main([*d, "connection", "import-dataset", "shop", str(out)]) == 0
    assert "link(s)" in capsys.readouterr().out
    (tmp_path / "bad.yml").write_text("dataset: 3\n")
    assert main([*d, "connection", "import-dataset", "shop", str(tmp_path / "bad.yml")]) == 2
    assert "line 1" in capsys.readouterr().err


def test_export_to_a_path_that_cannot_be_written_is_a_user_error(ctx: AppContext, tmp_path: Path) -> None:
    """Found by QA: `connection export-dataset NAME -o afile/x.yml` (a file where a folder should be)
    ended in a traceback, and `-o /typo/x.yml` created the mistyped folder."""
    _shop(ctx, tmp_path)
    name = "shop"
    (tmp_path / "afile").write_text("not a folder")
    with pytest.raises(ValidationError, match="does not exist"):
        datasets.export_dataset(ctx, name, tmp_path / "afile" / "x.yml")
    with pytest.raises(ValidationError, match="does not exist"):
        datasets.export_dataset(ctx, name, tmp_path / "typo" / "x.yml")
    assert not (tmp_path / "typo").exists()
    with pytest.raises(ValidationError, match="is a folder"):
        datasets.export_dataset(ctx, name, tmp_path)
