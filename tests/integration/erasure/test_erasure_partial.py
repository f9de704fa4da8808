"""A plan across two connections that fails on one: the other stays committed and recorded, the
officer reads which and why, a re-run carries out only the rest (after checking the done one
still holds), the proof and the completion letter wait until every connection is done."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from privdesk.cli import main
from privdesk.domain.erasure import Mask, TableDefault
from privdesk.errors import ValidationError
from privdesk.services import audit, casefile, erasure
from privdesk.services import discovery as ds
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from tests.integration.erasure.conftest import ACTOR, FIXED, SUBJECT_EMAIL, build_shop, dump

#: a guard in billing that silently skips deleting Zoë's second login: the row count differs
GUARD = "CREATE TRIGGER keep_login BEFORE DELETE ON logins WHEN old.id = 31 BEGIN SELECT RAISE(IGNORE); END"


@dataclass
class Two:
    ctx: AppContext
    ref: str
    urls: dict[str, str]  # crm and billing, with password

    def sql(self, conn: str, *stmts: str) -> None:
        engine = create_engine(self.urls[conn])
        with engine.begin() as c:
            for st in stmts:
                c.exec_driver_sql(st)
        engine.dispose()

    def attach(self) -> None:
        result = ds.search(self.ctx, ds.make_query(self.ctx, emails=[SUBJECT_EMAIL]), list(self.urls))
        assert not result.errors, result.errors
        casefile.attach_snapshot(self.ctx, self.ref, ds.make_snapshot(self.ctx, result), ACTOR)


def make_two(ctx: AppContext, urls: dict[str, str], writers: dict[str, str] | None = None) -> Two:
    """Zoë in two databases (crm, billing), each with the same tables, defaults and a write connection."""
    ref = rq.open_request(ctx, rq.NewRequest(type="erasure", law="gdpr", received=date.today(), name="Zoë O'Hara",
                                             emails=(SUBJECT_EMAIL,)), actor=ACTOR).reference
    for name, url in urls.items():
        build_shop(url)
        ds.add_connection(ctx, name, url)
        ds.get_map(ctx, name)
        erasure.set_table_default(ctx, name, "orders", TableDefault(
            "mask", {"ship_name": Mask("fixed", FIXED), "ship_address": Mask("null")}, "tax records"), ACTOR)
        erasure.set_table_default(ctx, name, "order_items", TableDefault("keep", reason="tax records"), ACTOR)
        ds.add_connection(ctx, f"{name}-w", (writers or {}).get(name, url), options={"write_for": name})
    two = Two(ctx, ref, urls)
    two.attach()
    return two


@pytest.fixture
def two(ctx: AppContext, tmp_path: Path) -> Two:
    return make_two(ctx, {"crm": f"sqlite:///{tmp_path / 'crm.sqlite3'}",
                          "billing": f"sqlite:///{tmp_path / 'billing.sqlite3'}"})


def zoe_logins(url: str) -> list[int]:
    return [r[0] for r in dump(url)["logins"] if r[1] == 1]


def test_failure_on_one_connection_is_recorded_and_rerun_completes_only_it(
    two: Two, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    ctx, ref = two.ctx, two.ref
    erasure.build_plan(ctx, ref, ACTOR)
    assert set(erasure.get_plan(ctx, ref).plan.connections) == {"crm", "billing"}
    two.sql("billing", GUARD)
    billing_before = dump(two.urls["billing"])
    data_dir = str(ctx.paths.data_dir)
    assert main(["--data-dir", data_dir, "execute", ref, "--confirm", ref, "--as", ACTOR]) == 2
    out, err = capsys.readouterr()
    # crm committed, billing untouched
    assert zoe_logins(two.urls["crm"]) == [] and dump(two.urls["crm"])["customers"][0][1] is None
    assert dump(two.urls["billing"]) == billing_before
    # the record, in plain words
    view = erasure.get_plan(ctx, ref)
    assert view.status == erasure.PARTIAL
    assert view.states["crm"]["state"] == "committed" and view.states["billing"]["state"] == "failed"
    assert "row-count check rolled it back" in view.states["billing"]["message"]
    plan = view.plan
    step = next(i for i, s in enumerate(plan.steps, 1) if s.connection == "billing" and s.table == "logins")
    said = (f"Carried out on crm; NOT on billing: a row-count check rolled it back: Step {step} (delete in logins) "
            "of 'billing' touched 1 row where the plan expects 2; nothing was changed in 'billing'. A trigger or rule")
    assert view.progress.startswith(said)
    assert said in out and "only the connections not yet done run" in err
    entries = [e for e in audit.history(ctx, "request", ref) if e.action == "erasure_connection"]
    ends = {"crm": "committed", "billing": "failed"}  # the plan's connection order follows the search's
    assert [(e.changes["connection"][1], e.changes["state"][1]) for e in entries] == [
        x for c in erasure.writable(plan) for x in ((c, "started"), (c, ends[c]))]
    # the plan command says it too; no rebuild was needed
    assert main(["--data-dir", data_dir, "plan", ref]) == 0
    assert said in capsys.readouterr().out
    # no proof and no completion letter while billing still holds the data
    with pytest.raises(ValidationError, match="only partly carried out.*NOT on billing"):
        erasure.verify(ctx, ref, ACTOR)
    rq.verify_identity(ctx, ref, ACTOR)
    rq.complete(ctx, ref, "done", ACTOR, outcome="We erased your account.")
    with pytest.raises(ValidationError, match="completion letter waits until every connection is done"):
        casefile.generate_letter(ctx, "completion", ref, tmp_path / "c.pdf", ACTOR)
    # the officer fixes the cause; the same command runs billing only
    two.sql("billing", "DROP TRIGGER keep_login")
    crm_after = dump(two.urls["crm"])
    assert main(["--data-dir", data_dir, "execute", ref, "--confirm", ref, "--as", ACTOR, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {c["connection"]: (c["message"], c["earlier"]) for c in result["connections"]} == {
        "crm": ("carried out earlier", True), "billing": ("committed", False)}
    assert result["summary"] == f"Carried out on {' and '.join(erasure.writable(plan))}."
    assert dump(two.urls["crm"]) == crm_after  # nothing ran again on crm
    assert zoe_logins(two.urls["billing"]) == []
    entries = [e for e in audit.history(ctx, "request", ref) if e.action == "erasure_connection"]
    assert [(e.changes["connection"][1], e.changes["state"][1]) for e in entries][4:] == [
        ("billing", "started"), ("billing", "committed")]
    assert erasure.get_plan(ctx, ref).status == erasure.EXECUTED
    assert erasure.verify(ctx, ref, ACTOR)["ok"]
    assert "In crm:" in erasure.completion_summary(ctx, ref) and "In billing:" in erasure.completion_summary(ctx, ref)


def test_process_killed_between_connections_leaves_a_state_the_rerun_completes(
    two: Two, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from privdesk.discovery import writer

    ctx, ref = two.ctx, two.ref
    plan = erasure.build_plan(ctx, ref, ACTOR).plan
    first, second = erasure.writable(plan)
    real = writer.execute_statements
    calls: list[str] = []

    def dies_after_first_commit(engine: Any, stmts: Any, timeout_s: float, connection: str) -> list[int]:
        calls.append(connection)
        real(engine, stmts, timeout_s, connection)
        raise SystemExit("killed")  # after the commit, before PrivDesk records it

    monkeypatch.setattr(writer, "execute_statements", dies_after_first_commit)
    second_before = dump(two.urls[second])
    with pytest.raises(SystemExit):
        erasure.execute(ctx, ref, ref, ACTOR)
    monkeypatch.setattr(writer, "execute_statements", real)
    assert calls == [first] and zoe_logins(two.urls[first]) == []
    assert dump(two.urls[second]) == second_before
    view = erasure.get_plan(ctx, ref)
    assert view.status == erasure.PARTIAL and view.states[first]["state"] == "started" and second not in view.states
    assert f"NOT on {first}: PrivDesk stopped while running it" in view.progress
    assert f"NOT on {second}: not run yet" in view.progress
    first_after = dump(two.urls[first])
    result = erasure.execute(ctx, ref, ref, ACTOR)
    assert result.ok and dump(two.urls[first]) == first_after
    assert zoe_logins(two.urls[second]) == []
    states = erasure.get_plan(ctx, ref).states
    assert "found carried out" in states[first]["message"] and states[second]["message"] == "committed"
    assert erasure.verify(ctx, ref, ACTOR)["ok"]


def test_remaining_connection_changed_is_stale_for_it_only(two: Two, tmp_path: Path) -> None:
    ctx, ref = two.ctx, two.ref
    erasure.build_plan(ctx, ref, ACTOR)
    two.sql("billing", GUARD)
    assert not erasure.execute(ctx, ref, ref, ACTOR).ok
    two.sql("billing", "DROP TRIGGER keep_login", "DELETE FROM logins WHERE id = 31")  # billing changed
    before = {c: dump(u) for c, u in two.urls.items()}
    with pytest.raises(erasure.StalePlan) as caught:
        erasure.execute(ctx, ref, ref, ACTOR)
    assert caught.value.message == (
        "The data changed since the search: billing · logins now has 1 of the 2 planned rows. Nothing was run. "
        "Search again, attach the result and rebuild the plan for billing; what was carried out on crm stays as "
        "it is.")
    assert {c: dump(u) for c, u in two.urls.items()} == before
    # rebuilt: crm's steps and state are kept, billing is planned from the new search
    two.attach()
    crm_steps = [s for s in erasure.get_plan(ctx, ref).plan.steps if s.connection == "crm"]
    assert not erasure.build_plan(ctx, ref, ACTOR).current  # part of it ran: rebuilding is the officer's call
    view = erasure.build_plan(ctx, ref, ACTOR, rebuild=True)
    assert [s for s in view.plan.steps if s.connection == "crm"] == crm_steps
    assert view.status == erasure.PARTIAL and view.states["crm"]["state"] == "committed"
    assert "billing" not in view.states
    assert erasure.execute(ctx, ref, ref, ACTOR).ok
    assert dump(two.urls["crm"]) == before["crm"] and zoe_logins(two.urls["billing"]) == []
    plans = [e for e in audit.history(ctx, "request", ref) if e.action == "erasure_plan"]
    assert plans[-1].changes["kept_as_done"][1] == "crm (committed)"


def test_committed_connection_that_no_longer_holds_blocks_the_rerun(two: Two) -> None:
    ctx, ref = two.ctx, two.ref
    erasure.build_plan(ctx, ref, ACTOR)
    two.sql("billing", GUARD)
    erasure.execute(ctx, ref, ref, ACTOR)
    two.sql("billing", "DROP TRIGGER keep_login")
    two.sql("crm", "INSERT INTO logins (id, customer_id, ip) VALUES (30, 1, '10.0.0.1')")  # a restore brought it back
    billing_before = dump(two.urls["billing"])
    with pytest.raises(erasure.StalePlan, match=r"carried out on crm, but that no longer holds: crm · logins: 1 of "
                                                r"2 rows still there\. Nothing was run"):
        erasure.execute(ctx, ref, ref, ACTOR)
    assert dump(two.urls["billing"]) == billing_before


def test_handled_outside_privdesk_is_audited_and_named_in_the_letter(
    two: Two, capsys: pytest.CaptureFixture[str],
) -> None:
    ctx, ref = two.ctx, two.ref
    erasure.build_plan(ctx, ref, ACTOR)
    two.sql("billing", GUARD)
    erasure.execute(ctx, ref, ref, ACTOR)
    data_dir = str(ctx.paths.data_dir)
    assert main(["--data-dir", data_dir, "execute", ref, "--confirm", ref, "--handled-outside", "billing"]) == 2
    assert "Say how billing was handled outside PrivDesk" in capsys.readouterr().err
    assert main(["--data-dir", data_dir, "execute", ref, "--confirm", ref, "--handled-outside", "nowhere",
                 "--reason", "x"]) == 2
    assert "nothing to run on 'nowhere'" in capsys.readouterr().err
    assert main(["--data-dir", data_dir, "execute", ref, "--confirm", ref, "--as", ACTOR, "--handled-outside",
                 "billing", "--reason", "the database owner erased it by hand on 3 May"]) == 0
    assert capsys.readouterr().out.strip() == (
        "Carried out on crm; handled outside PrivDesk on billing (the database owner erased it by hand on 3 May, "
        f"recorded by {ACTOR}).")
    assert erasure.get_plan(ctx, ref).status == erasure.EXECUTED
    entry = [e for e in audit.history(ctx, "request", ref) if e.action == "erasure_connection"][-1]
    assert entry.actor == ACTOR and entry.changes["why"][1] == "the database owner erased it by hand on 3 May"
    proof = erasure.verify(ctx, ref, ACTOR)
    assert proof["ok"] and "billing handled outside PrivDesk" in proof["carried_out"]
    assert {s["connection"] for s in proof["steps"]} == {"crm"}
    summary = erasure.completion_summary(ctx, ref)
    assert "In billing:\n- handled outside PrivDesk: the database owner erased it by hand on 3 May" in summary
    assert "In crm:" in summary


@pytest.mark.postgres
def test_wrong_password_on_the_postgresql_connection(ctx: AppContext, tmp_path: Path,
                                                     postgres_db: str) -> None:
    from sqlalchemy import make_url

    wrong = make_url(postgres_db).set(password="not-the-password").render_as_string(hide_password=False)
    two = make_two(ctx, {"crm": f"sqlite:///{tmp_path / 'crm.sqlite3'}", "billing": postgres_db},
                   writers={"billing": wrong})
    ctx_, ref = two.ctx, two.ref
    erasure.build_plan(ctx_, ref, ACTOR)
    billing_before = dump(postgres_db)
    result = erasure.execute(ctx_, ref, ref, ACTOR)
    assert not result.ok
    assert result.summary == ("Carried out on crm; NOT on billing: Wrong user name or password for connection "
                              "'billing-w'. Nothing was changed in 'billing'.")
    assert dump(postgres_db) == billing_before and zoe_logins(two.urls["crm"]) == []
    # the officer registers the right password: the rerun does billing only
    ds.remove_connection(ctx_, "billing-w")
    ds.add_connection(ctx_, "billing-w", postgres_db, options={"write_for": "billing"})
    crm_after = dump(two.urls["crm"])
    assert erasure.execute(ctx_, ref, ref, ACTOR).ok
    assert dump(two.urls["crm"]) == crm_after and zoe_logins(postgres_db) == []
    with create_engine(postgres_db).connect() as c:
        assert c.execute(text("SELECT count(*) FROM newsletter WHERE id = 40")).scalar_one() == 0
