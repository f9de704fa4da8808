"""Issue 10 points 11, 13 and 14: the law files in force, shown rule by rule with citations and
review dates; organisation files validated like shipped ones and never replacing a shipped law;
the LGPD small-agent rule from the profile."""

from __future__ import annotations

import json
import re
import stat
from datetime import date
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.domain.deadlines import compute_deadline
from privdesk.domain.laws import get_law
from privdesk.domain.request_types import RequestType
from privdesk.paths import resource_path
from privdesk.services import settings
from privdesk.services.context import AppContext


def run(ctx: AppContext, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(ctx.paths.data_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def policy_file(tmp_path: Path, law_id: str = "acme-policy", days: int = 30, edit: tuple[str, str] = ("", "")) -> Path:
    """A company policy: the CPA file renamed and answered within ``days`` days."""
    text = resource_path("laws", "cpa.toml").read_text(encoding="utf-8")
    text = text.replace('id = "cpa"', f'id = "{law_id}"', 1).replace(
        'name = "Colorado Privacy Act"', 'name = "Acme privacy policy: we answer within 30 days"', 1)
    text = text.replace('[response]\namount = 45', f'[response]\namount = {days}', 1)
    if edit[0]:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1], 1)
    path = tmp_path / f"{law_id}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_law_list_and_show_print_every_rule_with_citation_and_review_date(
    ctx: AppContext, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(ctx, capsys, "law", "list", "--json")
    assert code == 0
    listing = json.loads(out)
    assert {x["id"] for x in listing["laws"]} == {"gdpr", "uk-gdpr", "ccpa", "lgpd", "vcdpa", "cpa"}
    assert all(date.fromisoformat(x["reviewed"]) and x["sources"] and x["origin"] == "shipped" for x in listing["laws"])
    code, out, _ = run(ctx, capsys, "law", "show", "vcdpa", "--json")
    shown = json.loads(out)
    rules = {r["rule"]: r for r in shown["rules"]}
    assert rules["response"]["value"] == "45 days" and "59.1-577(B)(1)" in rules["response"]["citation"]
    assert "45 days from receipt" in rules["refusal"]["value"] and "59.1-577(B)(2)" in rules["refusal"]["citation"]
    assert rules["appeal"]["value"] == "answer within 60 days" and "59.1-577(C)" in rules["appeal"]["citation"]
    assert "no such right" in rules["types.restriction"]["value"]
    assert all(r["citation"] for r in shown["rules"])
    assert shown["reviewed"] == "2026-12-01"
    code, out, _ = run(ctx, capsys, "law", "show", "gdpr")
    assert "counted on from the end of the first period" in out and "GDPR Art. 12(4)" in out
    assert "Sources:" in out and "eur-lex" in out


def test_organisation_law_file_is_validated_added_and_used(ctx: AppContext, capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    code, out, err = run(ctx, capsys, "law", "add", str(policy_file(tmp_path)))
    assert code == 0, err
    target = ctx.paths.data_dir / "laws" / "acme-policy.toml"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    listing = json.loads(run(ctx, capsys, "law", "list", "--json")[1])
    own = [x for x in listing["laws"] if x["origin"] == "organisation"]
    assert [x["id"] for x in own] == ["acme-policy"]
    due = compute_deadline(get_law("acme-policy"), RequestType.ACCESS, date(2026, 3, 1)).due
    assert due == date(2026, 3, 31)
    code, out, err = run(ctx, capsys, "request", "add", "--type", "access", "--law", "acme-policy",
                         "--received", "2026-03-01", "--name", "Zoë Ødegård", "--email", "zoe@example.com")
    assert code == 0, err
    shown = json.loads(run(ctx, capsys, "request", "show", out.strip(), "--json")[1])
    assert shown["law"] == "acme-policy" and shown["due"] == "2026-03-31"


@pytest.mark.parametrize(("edit", "message"), [
    (('unit = "days"\nrepeatable', 'unit = "weeks"\nrepeatable'),
     r"line \d+: key 'extension.unit' must be one of days, months, business_days, not 'weeks'"),
    (('reviewed = "2026-12-01"', 'reviewed = "last week"'), r"line \d+: key 'meta.reviewed' must be a date"),
    (("extendable = false", "extendible = false"), r"line \d+: key 'types.opt-out.extendible' is not a known setting"),
    (("[types.portability]", "[types.portabillity]"), r"line \d+: key 'types.portability' is missing"),
    (("notes = \"\"\"", "notes = \"\"\"\nunclosed"), None),
])
def test_a_wrong_organisation_file_is_refused_with_line_and_reason(
    ctx: AppContext, capsys: pytest.CaptureFixture[str], tmp_path: Path, edit: tuple[str, str], message: str | None,
) -> None:
    path = policy_file(tmp_path, edit=edit) if message else policy_file(tmp_path, edit=("[meta]", "[meta\n"))
    code, _, err = run(ctx, capsys, "law", "add", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "acme-policy.toml" in err
    if message:
        import re

        assert re.search(message, err), err
        line = int(re.search(r"line (\d+)", err).group(1))  # type: ignore[union-attr]
        key = err.split("key '")[1].split("'")[0].split(".")[-1]
        assert key in path.read_text(encoding="utf-8").splitlines()[line - 1] or "[" in \
            path.read_text(encoding="utf-8").splitlines()[line - 1]
    else:
        assert "line" in err  # TOML syntax errors name their line too
    assert not (ctx.paths.data_dir / "laws" / "acme-policy.toml").exists()


def test_an_organisation_file_never_replaces_a_shipped_law(ctx: AppContext, capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    code, _, err = run(ctx, capsys, "law", "add", str(policy_file(tmp_path, law_id="cpa", days=10)))
    assert code == 2 and "never replaces a shipped law" in err and "'cpa-policy'" in err
    # dropped into the folder by hand: refused and reported, the shipped law stays in force
    folder = ctx.paths.data_dir / "laws"
    folder.mkdir(mode=0o700, exist_ok=True)
    (folder / "cpa.toml").write_text(policy_file(tmp_path, law_id="cpa", days=10).read_text(encoding="utf-8"))
    listing = json.loads(run(ctx, capsys, "law", "list", "--json")[1])
    assert any("never replaces a shipped law" in p for p in listing["refused"])
    assert get_law("cpa").response.amount == 45 and get_law("cpa").origin == "shipped"


def test_lgpd_small_processing_agent_gets_doubled_periods(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    normal = compute_deadline(get_law("lgpd"), RequestType.ACCESS, date(2026, 3, 1))
    assert normal.due == date(2026, 3, 16)
    settings.set_setting(ctx, "lgpd.small_agent", "yes")
    doubled = compute_deadline(get_law("lgpd"), RequestType.ACCESS, date(2026, 3, 1))
    assert doubled.due == date(2026, 3, 31)
    assert "Resolução CD/ANPD nº 2/2022, Art. 14" in get_law("lgpd").citations["response"]
    assert get_law("gdpr").response.amount == 1  # other laws untouched
    rules = {r["rule"]: r for r in json.loads(run(ctx, capsys, "law", "show", "lgpd", "--json")[1])["rules"]}
    assert rules["response"]["value"] == "30 days"
    settings.set_setting(ctx, "lgpd.small_agent", "no")
    assert compute_deadline(get_law("lgpd"), RequestType.ACCESS, date(2026, 3, 1)).due == date(2026, 3, 16)


def test_lgpd_small_agent_doubles_the_breach_notice_periods(ctx: AppContext) -> None:
    from privdesk.domain.breach import NoticeKind, get_regime

    rule = get_regime("lgpd").rule(NoticeKind.AUTHORITY)
    assert rule is not None and rule.period is not None and rule.period.amount == 3
    settings.set_setting(ctx, "lgpd.small_agent", "yes")
    doubled = get_regime("lgpd").rule(NoticeKind.AUTHORITY)
    assert doubled is not None and doubled.period is not None and doubled.period.amount == 6
    assert "Art. 14, II" in doubled.citation
    assert get_regime("gdpr").rule(NoticeKind.AUTHORITY).period.amount == 72  # type: ignore[union-attr]


def test_organisation_law_letters_use_the_wording_it_names(ctx: AppContext, capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    from privdesk.documents import LetterNotApplicableError
    from privdesk.services import casefile
    from privdesk.services.demo import seed_profile
    from tests.integration.documents.conftest import flat, pdf_text

    seed_profile(ctx)
    bad = policy_file(tmp_path, edit=('short_name = "CPA"', 'short_name = "CPA"\nletters_as = "hipaa"'))
    code, _, err = run(ctx, capsys, "law", "add", str(bad))
    assert code == 2 and re.search(r"line \d+: key 'letters_as' is 'hipaa'", err)
    plain = policy_file(tmp_path)
    assert run(ctx, capsys, "law", "add", str(plain))[0] == 0
    ref = run(ctx, capsys, "request", "add", "--type", "access", "--law", "acme-policy", "--received",
              "2026-03-01", "--name", "Zoë Ødegård", "--email", "zoe@example.com")[1].strip()
    with pytest.raises(LetterNotApplicableError, match="no letters for"):
        casefile.preview_letter(ctx, "acknowledgement", ref)
    named = policy_file(tmp_path, edit=('short_name = "CPA"', 'short_name = "CPA"\nletters_as = "cpa"'))
    assert run(ctx, capsys, "law", "add", str(named), "--replace")[0] == 0
    text = flat(pdf_text(casefile.preview_letter(ctx, "acknowledgement", ref)))
    assert "within 30 days of receiving it, that is by 31 March 2026" in text


def test_deadline_command_knows_the_organisations_own_law_files(
    ctx: AppContext, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    """Found by QA: after `law add acme.toml`, `privdesk deadline --law acme ...` said "'acme' is
    not a known law" (the command reads no case database, and so never looked in <data dir>/laws)."""
    from privdesk.domain import laws

    assert run(ctx, capsys, "law", "add", str(policy_file(tmp_path)))[0] == 0
    laws.use_organisation_laws(None)  # a new process: nothing has opened the case database yet
    code, out, err = run(ctx, capsys, "deadline", "--law", "acme-policy", "--received", "2026-03-01", "--json")
    assert code == 0, err
    assert json.loads(out)["due"] == "2026-03-31"
