"""An erasure carried out on SQLite, PostgreSQL and MariaDB: the plan, execution through a write
connection, the script run with the database's own client, stale plans, a half-way failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from privdesk.cli import main
from privdesk.errors import ValidationError
from privdesk.services import audit, casefile, erasure
from tests.integration.erasure.conftest import (
    ACTOR,
    FIXED,
    SUBJECT_IDS,
    Case,
    build_shop,
    dump,
    others,
)


def _rows(state: dict[str, list[tuple[object, ...]]], table: str, ids: set[int]) -> list[tuple[object, ...]]:
    return [r for r in state[table] if r[0] in ids]


def check_planned_state(before: dict[str, list[tuple[object, ...]]], after: dict[str, list[tuple[object, ...]]]) -> None:
    """Zoë's customer row masked (kept orders still point at it), orders masked with amounts kept,
    order lines kept, logins and the newsletter row gone; everybody else's rows untouched."""
    assert others(after, SUBJECT_IDS) == others(before, SUBJECT_IDS)
    (cust,) = _rows(after, "customers", {1})
    assert cust[1] is None and cust[2] is None and cust[3] is None  # email, full_name, phone nulled
    orders = _rows(after, "orders", {10, 11})
    assert [(o[0], o[1], o[2], o[3], Decimal(str(o[4]))) for o in orders] == [
        (10, 1, FIXED, None, Decimal("19.90")), (11, 1, FIXED, None, Decimal("5.00"))]
    assert _rows(after, "order_items", {20, 21}) == _rows(before, "order_items", {20, 21})
    assert _rows(after, "logins", {30, 31}) == []
    assert _rows(after, "newsletter", {40}) == []


def test_plan_json_contract_and_order(shop_case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(shop_case.ctx.paths.data_dir)
    assert main(["--data-dir", data_dir, "plan", shop_case.ref, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"steps", "hash"} and len(out["hash"]) == 64
    steps = [(s["table"], s["action"], s["rows"]) for s in out["steps"]]
    assert steps == [("customers", "mask", 1), ("orders", "mask", 2), ("logins", "delete", 2),
                     ("newsletter", "delete", 1), ("order_items", "keep", 2)]
    for s in out["steps"]:
        assert set(s) == {"connection", "table", "action", "rows", "columns", "reason"}
        assert s["connection"] == "shop"
    orders = next(s for s in out["steps"] if s["table"] == "orders")
    assert orders["columns"] == ["ship_name", "ship_address"] and "tax" in orders["reason"]
    assert "linked to records we must keep (orders)" in out["steps"][0]["reason"]
    # the same inputs give the same plan
    assert main(["--data-dir", data_dir, "plan", shop_case.ref, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hash"] == out["hash"]


def test_execute_leaves_exactly_the_planned_state(shop_case: Case, add_writer: Callable[[], None],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ctx, ref = shop_case.ctx, shop_case.ref
    before = dump(shop_case.url)
    view = erasure.build_plan(ctx, ref, ACTOR)
    dry = erasure.dry_run(ctx, ref)
    assert not dry.stale
    assert [(s.table, s.expected, s.found) for s in dry.steps if s.action == "delete"] == [
        ("logins", 2, 2), ("newsletter", 1, 1)]
    # nothing runs through the read-only search connection
    with pytest.raises(ValidationError, match="no write connection"):
        erasure.execute(ctx, ref, ref, ACTOR)
    assert dump(shop_case.url) == before
    add_writer()
    with pytest.raises(ValidationError, match="typing the request reference"):
        erasure.execute(ctx, ref, "yes", ACTOR)
    data_dir = str(ctx.paths.data_dir)
    assert main(["--data-dir", data_dir, "execute", ref, "--confirm", ref, "--as", ACTOR]) == 0
    after = dump(shop_case.url)
    check_planned_state(before, after)
    # proof: a second search, recorded in the case file and the audit trail
    capsys.readouterr()
    assert main(["--data-dir", data_dir, "verify-erasure", ref, "--json"]) == 0
    proof = json.loads(capsys.readouterr().out)
    assert proof["ok"] and proof["hash"] == view.plan.hash and proof["problems"] == []
    kept = {(r["table"], r["action"]) for r in proof["remaining"]}
    assert kept == {("customers", "mask"), ("orders", "mask"), ("order_items", "keep")}
    kinds = [d.kind for d in casefile.list_documents(ctx, ref)]
    assert "erasure-plan" in kinds and "erasure-proof" in kinds
    actions = {e.action for e in audit.history(ctx, "request", ref)}
    assert {"erasure_plan", "erasure_executed", "erasure_verified"} <= actions
    summary = erasure.completion_summary(ctx, ref)
    assert "logins: 2 rows erased" in summary and "orders: 2 rows masked (ship_name, ship_address)" in summary
    assert "order_items: 2 rows kept, because: tax records" in summary


def _run_client(case: Case, script: Path) -> subprocess.CompletedProcess[bytes]:
    url = make_url(case.url)
    if case.kind == "sqlite":
        exe = shutil.which("sqlite3")
        if exe is None:
            pytest.skip("the sqlite3 client is not installed (.ci/system-deps.sh sqlite3)")
        return subprocess.run([exe, url.database or ""], stdin=script.open("rb"), capture_output=True, check=False)
    if case.kind == "postgresql":
        exe = shutil.which("psql")
        if exe is None:
            pytest.skip("psql is not installed")
        env = {**os.environ, "PGPASSWORD": str(url.password)}
        return subprocess.run([exe, "-X", "-q", "-h", str(url.host), "-p", str(url.port), "-U", str(url.username),
                               "-d", str(url.database), "-f", str(script)], env=env, capture_output=True, check=False)
    exe = shutil.which("mariadb") or shutil.which("mysql")
    if exe is None:
        pytest.skip("the mariadb client is not installed")
    return subprocess.run([exe, "-h", str(url.host), "-P", str(url.port), "-u", str(url.username),
                           f"-p{url.password}", str(url.database)], stdin=script.open("rb"), capture_output=True,
                          check=False)


def test_script_run_by_the_client_gives_the_same_end_state(shop_case: Case, add_writer: Callable[[], None],
                                                           tmp_path: Path) -> None:
    ctx, ref = shop_case.ctx, shop_case.ref
    before = dump(shop_case.url)
    script = tmp_path / "erase.sql"
    assert main(["--data-dir", str(ctx.paths.data_dir), "plan", ref, "--sql", "-o", str(script)]) == 0
    assert oct(script.stat().st_mode & 0o777) == "0o600"
    body = script.read_text()
    plan = erasure.get_plan(ctx, ref).plan
    assert f"request {ref}" in body and f"sha256:{plan.hash}" in body
    done = _run_client(shop_case, script)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    by_script = dump(shop_case.url)
    check_planned_state(before, by_script)
    # the same plan executed by PrivDesk on a fresh copy ends in the very same state
    build_shop(shop_case.url)
    add_writer()
    assert erasure.execute(ctx, ref, ref, ACTOR).ok
    assert dump(shop_case.url) == by_script
    # the officer may also verify after the DBA ran the script
    assert erasure.verify(ctx, ref, ACTOR)["ok"]


def test_script_rolls_back_when_a_count_differs(shop_case: Case, tmp_path: Path) -> None:
    ctx, ref = shop_case.ctx, shop_case.ref
    script = tmp_path / "erase.sql"
    erasure.write_scripts(ctx, ref, script, ACTOR)
    engine = create_engine(shop_case.url)
    with engine.begin() as c:  # the DBA runs it late: one login is already gone
        c.execute(text("DELETE FROM logins WHERE id = 31"))
    engine.dispose()
    before = dump(shop_case.url)
    done = _run_client(shop_case, script)
    assert done.returncode != 0
    assert dump(shop_case.url) == before


def test_stale_plan_is_refused(shop_case: Case, add_writer: Callable[[], None]) -> None:
    ctx, ref = shop_case.ctx, shop_case.ref
    erasure.build_plan(ctx, ref, ACTOR)
    add_writer()
    engine = create_engine(shop_case.url)
    with engine.begin() as c:  # Zoë logs in again after the search
        c.execute(text("INSERT INTO logins (id, customer_id, ip) VALUES (33, 1, '10.0.0.9')"))
    engine.dispose()
    before = dump(shop_case.url)
    assert erasure.dry_run(ctx, ref).stale
    with pytest.raises(erasure.StalePlan, match="logins has 1 new rows"):
        erasure.execute(ctx, ref, ref, ACTOR)
    assert dump(shop_case.url) == before
    # a fresh search and plan then run
    shop_case.search_and_attach()
    erasure.build_plan(ctx, ref, ACTOR)
    assert erasure.execute(ctx, ref, ref, ACTOR).ok
    assert [r for r in dump(shop_case.url)["logins"] if r[1] == 1] == []


_REFUSE = {
    "sqlite": ["CREATE TRIGGER no_delete BEFORE DELETE ON newsletter BEGIN SELECT RAISE(ABORT, 'refused'); END"],
    "postgresql": ["CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; "
                   "END $$",
                   "CREATE TRIGGER no_delete BEFORE DELETE ON newsletter FOR EACH ROW EXECUTE FUNCTION refuse()"],
    "mariadb": ["CREATE TRIGGER no_delete BEFORE DELETE ON newsletter FOR EACH ROW "
                "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'"],
}


def test_failure_half_way_rolls_the_connection_back(shop_case: Case, add_writer: Callable[[], None]) -> None:
    ctx, ref = shop_case.ctx, shop_case.ref
    engine = create_engine(shop_case.url)
    with engine.begin() as c:  # the last deletion will fail, after masks and the logins went
        for stmt in _REFUSE[shop_case.kind]:
            c.exec_driver_sql(stmt)
    engine.dispose()
    erasure.build_plan(ctx, ref, ACTOR)
    add_writer()
    before = dump(shop_case.url)
    result = erasure.execute(ctx, ref, ref, ACTOR)
    assert not result.ok and "Nothing was changed" in result.outcomes[0].message
    assert dump(shop_case.url) == before
    assert erasure.get_plan(ctx, ref).status == "failed"
