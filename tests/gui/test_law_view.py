"""Settings > Law files shows the same rules, citations and review dates as `privdesk law show`."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from privdesk.domain.law_summary import rule_rows
from privdesk.domain.laws import get_law
from privdesk.services.context import AppContext
from privdesk.ui.settings_pane import SettingsPane
from tests.integration.legal.test_law_files import policy_file


def test_settings_shows_every_rule_of_the_chosen_law(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    folder = ctx.paths.data_dir / "laws"
    folder.mkdir(mode=0o700)
    (folder / "acme-policy.toml").write_text(policy_file(tmp_path).read_text(encoding="utf-8"))
    (folder / "gdpr.toml").write_text(policy_file(tmp_path, law_id="gdpr").read_text(encoding="utf-8"))
    pane = SettingsPane(ctx)
    qtbot.addWidget(pane)
    view = pane.law_files
    assert view.laws.count() == 7  # six shipped and the organisation's policy
    assert any("organisation's own" in view.laws.itemText(i) for i in range(view.laws.count()))
    assert "never replaces a shipped law" in view.refused.text()
    view.select("vcdpa")
    rows = rule_rows(get_law("vcdpa"))
    assert view.rules.rowCount() == len(rows)
    shown = {view.rules.item(n, 0).text(): (view.rules.item(n, 1).text(), view.rules.item(n, 2).text())
             for n in range(view.rules.rowCount())}
    assert shown["appeal"] == ("answer within 60 days", rows[[r.key for r in rows].index("appeal")].citation)
    assert "Reviewed 2026-12-01" in view.summary.text() and "law.lis.virginia.gov" in view.summary.text()


def test_request_detail_shows_refuse_by_and_appeal_links(qtbot: QtBot, ctx: AppContext) -> None:
    from datetime import date, timedelta

    from privdesk.services import requests as rq
    from privdesk.services.demo import seed_profile
    from privdesk.services.requests.legal import open_appeal
    from privdesk.ui.requests.detail_pane import DetailPane

    seed_profile(ctx)
    received = date.today() - timedelta(days=20)
    ref = rq.open_request(ctx, rq.NewRequest(type="erasure", law="vcdpa", received=received, name="Ana Souza",
                                             emails=("ana@example.com",)), actor="dpo@northwind.example").reference
    rq.deny(ctx, ref, "Records kept for tax law.", "dpo@northwind.example")
    appeal = open_appeal(ctx, ref, date.today(), "dpo@northwind.example")
    pane = DetailPane(ctx, lambda: "dpo@northwind.example")
    qtbot.addWidget(pane)
    pane.load(ref)
    assert pane.fields["refuse"].text() == (received + timedelta(days=45)).isoformat()
    assert pane.fields["appeal"].text() == f"appealed in {appeal.reference}"
    pane.load(appeal.reference)
    assert pane.fields["appeal"].text() == f"appeal of {ref}" and pane.fields["refuse"].text() == "—"
