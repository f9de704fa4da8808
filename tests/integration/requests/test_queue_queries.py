"""The queue's SQL: filters, sorting, paging, counts, bulk actions and the CSV log."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services import requests as svc
from privdesk.services.context import AppContext
from tests.integration.requests.conftest import ACTOR, TODAY

New = Callable[..., svc.OpenResult]
Q = svc.RequestQuery


@pytest.fixture
def queue(ctx: AppContext, new: New, officers: dict[str, int]) -> dict[str, str]:
    refs = {
        "zoe": new(name="Zoë Ødegård", emails=("zoe.odegard@example.com",), received=date(2026, 10, 1)).reference,
        "lukasz": new(name="Łukasz Wróbel", emails=("lukasz.wrobel@example.pl",), type="erasure",
                      received=date(2026, 11, 24)).reference,
        "james": new(name="James Carter", emails=("james.carter@example.com",), law="ccpa",
                     type="opt-out", received=date(2026, 11, 20), assignee_id=officers["priya"]).reference,
        "aisha": new(name="Aisha Khan", emails=("aisha.khan@example.co.uk",), law="uk-gdpr",
                     received=date(2026, 11, 1)).reference,
    }
    svc.change_status(ctx, refs["aisha"], "withdrawn", ACTOR)
    return refs


def refs(ctx: AppContext, q: Q) -> list[str]:
    return [r.reference for r in svc.list_requests(ctx, q, today=TODAY)]


def test_filters(ctx: AppContext, queue: dict[str, str], officers: dict[str, int]) -> None:
    assert svc.count_requests(ctx, Q(), today=TODAY) == 4
    assert refs(ctx, Q(text="ØDEGÅRD")) == [queue["zoe"]]
    assert refs(ctx, Q(text="wrobel@example")) == [queue["lukasz"]]
    assert refs(ctx, Q(text=queue["james"].lower())) == [queue["james"]]
    assert refs(ctx, Q(text="100%_")) == []
    assert refs(ctx, Q(statuses=("withdrawn",))) == [queue["aisha"]]
    assert refs(ctx, Q(types=("erasure",))) == [queue["lukasz"]]
    assert refs(ctx, Q(laws=("ccpa",))) == [queue["james"]]
    assert refs(ctx, Q(assignee_id=officers["priya"])) == [queue["james"]]
    assert set(refs(ctx, Q(unassigned=True))) == {queue["zoe"], queue["lukasz"], queue["aisha"]}
    # zoe: received 1 Oct, due 2 Nov (1 Nov is a Sunday) -> overdue on 25 Nov
    assert refs(ctx, Q(overdue=True)) == [queue["zoe"]]
    assert svc.count_requests(ctx, Q(overdue=True), today=TODAY) == 1
    assert refs(ctx, Q(due_within=10)) == [queue["zoe"]]
    assert set(refs(ctx, Q(due_within=30))) == {queue["zoe"], queue["lukasz"], queue["james"]}
    assert len(refs(ctx, Q(open_only=True))) == 3
    summary = svc.due_summary(ctx, 3, today=TODAY)
    assert (summary.overdue, summary.due_soon) == (1, 0)
    assert summary.message() == "1 overdue, 0 due within 3 days"


def test_filter_finds_a_name_however_it_is_typed(ctx: AppContext, new: New) -> None:
    """The queue's filter compares the name by its key, as the subject search does."""
    ref = new(name="Ayşe Yılmaz-Strauß", emails=("contact@example.com",)).reference
    for typed in ("YILMAZ", "yılmaz", "Yilmaz", "STRAUSS", "yılmaz strauß", "ayşe"):
        assert refs(ctx, Q(text=typed)) == [ref], typed
    assert refs(ctx, Q(text="ayse")) == []  # ş is a letter of its own (as in the search)



def test_due_soon_means_the_same_days_as_the_badge_and_dashboard(ctx: AppContext, queue: dict[str, str]) -> None:
    """The queue's reminder, the badge and the dashboard count "due soon" over one window."""
    from privdesk.domain.periods import DUE_SOON_DAYS
    from privdesk.services import dashboard

    default = svc.due_summary(ctx, today=TODAY)
    badge = dashboard.reminder(ctx, today=TODAY)
    assert default.days == badge.days == DUE_SOON_DAYS == 7
    assert (default.overdue, default.due_soon) == (badge.overdue, badge.due_soon)


@pytest.mark.parametrize("column", sorted(svc.SORT_COLUMNS))
def test_sort_by_every_column(ctx: AppContext, queue: dict[str, str], column: str) -> None:
    asc = svc.list_requests(ctx, Q(sort=column), today=TODAY)
    desc = svc.list_requests(ctx, Q(sort=column, descending=True), today=TODAY)
    assert len(asc) == 4 and [r.reference for r in asc] == [r.reference for r in reversed(desc)]
    if column in ("due", "deadline", "days_left"):
        assert [r.deadline for r in asc] == sorted(r.deadline for r in asc)
    if column == "subject":
        assert asc[0].subject_name == "Aisha Khan"


def test_paging(ctx: AppContext, queue: dict[str, str]) -> None:
    page1 = svc.list_requests(ctx, Q(sort="reference"), offset=0, limit=3, today=TODAY)
    page2 = svc.list_requests(ctx, Q(sort="reference"), offset=3, limit=3, today=TODAY)
    assert [r.reference for r in page1 + page2] == sorted(queue.values())
    with pytest.raises(ValidationError, match="Cannot sort by"):
        svc.list_requests(ctx, Q(sort="shoe size"))


def test_bulk_assign_and_status(ctx: AppContext, queue: dict[str, str], officers: dict[str, int]) -> None:
    all_refs = svc.query_references(ctx, Q(), today=TODAY)
    res = svc.bulk_assign(ctx, all_refs, officers["jonas"], ACTOR)
    assert set(res.changed) == set(queue.values())
    assert svc.count_requests(ctx, Q(assignee_id=officers["jonas"])) == 4
    res = svc.bulk_status(ctx, all_refs, "in_progress", ACTOR, today=TODAY)
    assert set(res.changed) == {queue["zoe"], queue["lukasz"], queue["james"]}
    assert [r for r, _why in res.skipped] == [queue["aisha"]]
    assert "closed requests do not change status" in res.skipped[0][1]
    assert svc.get_request(ctx, queue["aisha"]).status == "withdrawn"
    assert svc.count_requests(ctx, Q(statuses=("in_progress",))) == 3
    assert audit.verify(ctx).ok


def test_export_log(ctx: AppContext, queue: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    assert svc.export_log(ctx, out) == 4
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["reference"] for r in rows][0] == queue["zoe"]
    assert {r["subject"] for r in rows} >= {"Zoë Ødegård", "Łukasz Wróbel"}
    assert rows[0]["due"] == "2026-11-02" and rows[0]["law"] == "gdpr"
    assert (out.stat().st_mode & 0o777) == 0o600


def test_export_neutralises_formulas(ctx: AppContext, new: New, tmp_path: Path) -> None:
    new(name="=HYPERLINK(\"http://evil\")", emails=("evil@example.com",))
    out = tmp_path / "log.csv"
    svc.export_log(ctx, out)
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))
    assert row["subject"] == "'=HYPERLINK(\"http://evil\")"


def test_pages_and_counts_agree_for_any_query(ctx: AppContext, queue: dict[str, str]) -> None:
    """Property: for any filter and sort, count == rows, and pages of any size tile the list."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    queries = st.builds(
        svc.RequestQuery,
        text=st.sampled_from(["", "a", "example", "dsr", "ø", "%"]),
        statuses=st.sampled_from([(), ("received",), ("withdrawn", "received")]),
        laws=st.sampled_from([(), ("gdpr",), ("ccpa", "uk-gdpr")]),
        overdue=st.booleans(),
        due_within=st.sampled_from([None, 0, 30]),
        sort=st.sampled_from(sorted(svc.SORT_COLUMNS)),
        descending=st.booleans(),
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(q=queries, size=st.integers(min_value=1, max_value=4))
    def check(q: svc.RequestQuery, size: int) -> None:
        full = svc.list_requests(ctx, q, limit=None, today=TODAY)
        assert svc.count_requests(ctx, q, today=TODAY) == len(full)
        paged = []
        for offset in range(0, len(full) + size, size):
            paged += svc.list_requests(ctx, q, offset=offset, limit=size, today=TODAY)
        assert [r.reference for r in paged] == [r.reference for r in full]
        if q.overdue:
            assert all(r.deadline < TODAY and r.is_open for r in full)

    check()
