"""Issue 10 point 9: an appeal under the VCDPA or the CPA is a request of its own, linked to the
refused one, with its deadline (60 days; 45 + 60) and its letters (acknowledgement, decision with
the route to the Attorney General)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.errors import ValidationError
from privdesk.services import casefile
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.demo import seed_profile
from privdesk.services.requests.legal import appeal_links, open_appeal
from tests.integration.documents.conftest import flat, pdf_text

ACTOR = "dpo@northwind.example"
RECEIVED = date.today() - timedelta(days=30)


def refused(ctx: AppContext, law: str) -> str:
    seed_profile(ctx)
    ref = rq.open_request(ctx, rq.NewRequest(type="erasure", law=law, received=RECEIVED, name="Ana Souza",
                                             emails=("ana@example.com",)), actor=ACTOR).reference
    rq.deny(ctx, ref, "We must keep the records for seven years (tax law).", ACTOR, today=RECEIVED + timedelta(days=5))
    return ref


@pytest.mark.parametrize(("law", "days", "extended"), [("vcdpa", 60, None), ("cpa", 45, 105)])
def test_appeal_is_a_linked_request_with_its_own_deadline(ctx: AppContext, capsys: pytest.CaptureFixture[str],
                                                          law: str, days: int, extended: int | None) -> None:
    original = refused(ctx, law)
    appealed_on = RECEIVED + timedelta(days=10)
    code = main(["--data-dir", str(ctx.paths.data_dir), "request", "appeal", original,
                 "--received", appealed_on.isoformat(), "--as", ACTOR])
    out = capsys.readouterr().out
    assert code == 0
    ref = out.split()[0]
    d = rq.get_request(ctx, ref)
    assert d.law == f"{law}-appeal" and d.type == "erasure" and d.subject_name == "Ana Souza"
    assert d.due == appealed_on + timedelta(days=days)
    assert d.extended_due == (appealed_on + timedelta(days=extended) if extended else None)
    assert appeal_links(ctx, ref).appeal_of == original and appeal_links(ctx, original).appeals == (ref,)
    main(["--data-dir", str(ctx.paths.data_dir), "request", "show", ref, "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert shown["appeal_of"] == original and shown["refuse_by"] is None
    main(["--data-dir", str(ctx.paths.data_dir), "request", "show", original, "--json"])
    assert json.loads(capsys.readouterr().out)["appeals"] == [ref]
    # the appeal shows in the queue like any request, with its own due date
    [row] = [r for r in rq.list_requests(ctx, rq.RequestQuery(text=ref))]
    assert row.deadline == d.due


def test_appeal_letters_acknowledge_and_decide_with_the_attorney_general_route(
    ctx: AppContext, tmp_path: Path,
) -> None:
    original = refused(ctx, "vcdpa")
    appeal = open_appeal(ctx, original, RECEIVED + timedelta(days=10), ACTOR)
    ack = flat(pdf_text(casefile.preview_letter(ctx, "acknowledgement", appeal.reference)))
    assert f"appeal of our decision on your request {original}" in ack
    assert "Va. Code § 59.1-577(C)" in ack
    assert appeal.due.strftime("%Y") in ack
    rq.verify_identity(ctx, appeal.reference, ACTOR)
    rq.deny(ctx, appeal.reference, "The records are required by tax law for seven years.", ACTOR)
    out = tmp_path / "decision.pdf"
    casefile.generate_letter(ctx, "denial", appeal.reference, out, ACTOR)
    text = flat(pdf_text(out.read_bytes()))
    assert f"against our decision on your request {original}" in text
    assert "The records are required by tax law for seven years." in text
    assert "Office of the Attorney General of Virginia" in text and "1-800-552-9963" in text
    assert "Your right to appeal" not in text  # no appeal of an appeal


def test_appeal_refused_where_the_law_has_none_or_nothing_was_refused(ctx: AppContext) -> None:
    seed_profile(ctx)
    gdpr = refused(ctx, "gdpr")
    with pytest.raises(ValidationError, match="gives no appeal"):
        open_appeal(ctx, gdpr, date.today(), ACTOR)
    open_ = rq.open_request(ctx, rq.NewRequest(type="access", law="cpa", received=RECEIVED, name="Bo Li",
                                               emails=("bo@example.com",)), actor=ACTOR).reference
    with pytest.raises(ValidationError, match="contests a refusal"):
        open_appeal(ctx, open_, date.today(), ACTOR)


def test_a_second_appeal_of_the_same_refusal_is_refused_and_names_the_first(
    ctx: AppContext, capsys: pytest.CaptureFixture[str],
) -> None:
    """Found by QA: running `request appeal` twice opened two appeals of one refusal, each with its
    own 60-day clock, without a word."""
    original = refused(ctx, "vcdpa")
    first = open_appeal(ctx, original, RECEIVED + timedelta(days=10), ACTOR).reference
    code = main(["--data-dir", str(ctx.paths.data_dir), "request", "appeal", original,
                 "--received", (RECEIVED + timedelta(days=11)).isoformat(), "--as", ACTOR])
    err = capsys.readouterr().err
    assert code == 2 and first in err and err.count("\n") == 1
    assert appeal_links(ctx, original).appeals == (first,)


def test_appeal_and_its_link_are_one_unit_of_work(ctx: AppContext) -> None:
    from sqlalchemy import text

    original = refused(ctx, "vcdpa")
    before = len(rq.list_requests(ctx, rq.RequestQuery()))
    with ctx.db.session() as s, s.begin():  # the link cannot be written: the appeal must not be left behind
        s.execute(text("ALTER TABLE request_appeals RENAME TO gone"))
        s.execute(text("CREATE VIEW request_appeals AS SELECT * FROM gone"))  # read works, insert fails
    with pytest.raises(Exception, match="view"):
        open_appeal(ctx, original, RECEIVED + timedelta(days=10), ACTOR)
    assert len(rq.list_requests(ctx, rq.RequestQuery())) == before
    assert appeal_links(ctx, original).appeals == ()
