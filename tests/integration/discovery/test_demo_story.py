"""The demo tells one story: a demo request's "Search this subject" finds that person's rows in
the demo databases (and leaves other people's out), or finds nothing for somebody who was never
a customer; the found rows go on through attach, the export letter's appendix and the erasure plan.

Searches run the real subject search with the identifiers the window takes from the request
(its e-mails, phones, subject name and customer ids: ``MainWindow`` wires "Search this subject"
to ``SearchPane.prefill`` with exactly these).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from privdesk.cli import main
from privdesk.discovery.demo_data import ascii_fold
from privdesk.discovery.search import Match, SearchResult
from privdesk.domain.identifiers import normalise_email, normalise_name
from privdesk.services import discovery
from privdesk.services import requests as rq
from privdesk.services.context import AppContext
from privdesk.services.demo_cast import OPEN_STATES, DemoCase, demo_cases
from tests.integration.documents.conftest import flat, pdf_text

CONNECTION = {"crm": "demo-crm", "shop": "demo-shop", "marketing": "demo-marketing"}
ACTOR = "dpo@northwind.example"


def _case(pred: Callable[[DemoCase], bool]) -> DemoCase:
    return next(c for c in demo_cases() if pred(c))


def _reference(ctx: AppContext, case: DemoCase) -> str:
    [row] = rq.list_requests(ctx, rq.RequestQuery(text=case.email))
    assert row.subject_name == case.name
    return row.reference


def _search(ctx: AppContext, case: DemoCase) -> SearchResult:
    """What "Search this subject" runs for the case's request."""
    d = rq.get_request(ctx, _reference(ctx, case))
    query = discovery.make_query(ctx, d.emails, d.phones, [d.subject_name],
                                 [i.value for i in d.identifiers if i.kind == "customer_id"])
    result = discovery.search(ctx, query)
    assert not result.errors
    return result


def _rows(result: SearchResult, role: str, connection: str = "", table: str = "") -> list[Match]:
    return [m for m in result.matches if m.role == role and (not connection or m.connection == connection)
            and (not table or m.table == table)]


def _emails_in(m: Match) -> set[str]:
    return {normalise_email(v) for v in m.row.values() if isinstance(v, str) and "@" in v}


def _assert_found(result: SearchResult, case: DemoCase) -> None:
    """The subject's rows in each system that holds them, and no other person's data among them."""
    h = case.held
    subject = _rows(result, "subject")
    assert {m.connection for m in subject} == {CONNECTION[s] for s in h.systems}, case.name
    for m in subject:
        assert _emails_in(m) <= {case.email}, (case.name, m.table, m.row)
    if "crm" in h.systems:
        [customer] = _rows(result, "subject", "demo-crm", "customers")
        assert (customer.row["first_name"], customer.row["last_name"]) == (h.first, h.crm_last or h.last)
        assert customer.row["customer_ref"] == h.customer_ref or not h.customer_ref  # the featured: in sequence
        assert len(_rows(result, "subject", "demo-crm", "addresses")) == 1
        assert len(_rows(result, "subject", "demo-crm", "support_tickets")) == h.tickets
    if "shop" in h.systems:
        orders = _rows(result, "subject", "demo-shop", "orders")
        assert len(orders) == h.orders
        assert len(_rows(result, "subject", "demo-shop", "payments")) == h.orders
        # written in capitals now and then ("YILMAZ" for Yılmaz): compared without accents
        assert {ascii_fold(m.row["customer_name"]).casefold() for m in orders} == {ascii_fold(case.name).casefold()}
    if "marketing" in h.systems:
        [sub] = _rows(result, "subject", "demo-marketing", "subscribers")
        assert normalise_email(sub.row["Email"]) == case.email
        assert _rows(result, "subject", "demo-marketing", "campaign_events")


def test_search_this_subject_finds_the_demo_subjects_rows(demo_ctx: AppContext) -> None:
    ctx = demo_ctx
    # one open request of every type whose subject the systems know
    tried = [next(c for c in demo_cases() if c.type == rtype and c.has_data and c.state in OPEN_STATES)
             for rtype in ("access", "erasure", "rectification", "opt-out", "portability", "objection", "restriction")]
    for case in tried:
        result = _search(ctx, case)
        _assert_found(result, case)
        if not case.held.namesake and not case.held.partner:
            assert not _rows(result, "candidate"), (case.name, _rows(result, "candidate"))

    # the support agent named on the subject's ticket is another person: left out and counted
    case = _case(lambda c: c.held.tickets > 0 and not c.held.namesake and c.held.first != "Zoë")
    result = _search(ctx, case)
    _assert_found(result, case)
    [agents] = [x for x in result.excluded if x.table == "agents"]
    assert agents.rows >= 1 and agents.reason == "belong to other people"

    # a namesake: found by the name alone, holding another e-mail; a candidate, never attached
    case = _case(lambda c: c.has_data and c.held.namesake and "crm" in c.held.systems)
    result = _search(ctx, case)
    _assert_found(result, case)
    namesakes = [m for m in _rows(result, "candidate", "demo-crm", "customers")
                 if normalise_name(f"{m.row['first_name']} {m.row['last_name']}") == normalise_name(case.name)]
    assert namesakes and all(_emails_in(m) and case.email not in _emails_in(m) for m in namesakes)
    assert namesakes[0].reason.startswith("the name matches, but the row holds another")
    snap = discovery.make_snapshot(ctx, result)
    assert all(m.role == "subject" for m in snap.disclosed())
    assert not any(m.key == namesakes[0].key and m.table == "customers" for m in snap.disclosed())

    # a partner at the same address sharing the landline: candidates found by the phone
    case = _case(lambda c: bool(c.held.partner) and "shop" in c.held.systems)
    result = _search(ctx, case)
    _assert_found(result, case)
    [partner] = [m for m in _rows(result, "candidate", "demo-crm", "customers")
                 if m.row["first_name"] == case.held.partner]
    assert partner.row["last_name"] == case.held.last
    assert partner.reason == "the phone matches, but the row holds another e-mail"
    [own_address] = _rows(result, "subject", "demo-crm", "addresses")
    [their_address] = [m for m in _rows(result, "candidate", "demo-crm", "addresses")
                       if m.row["customer_id"] == partner.row["id"]]
    assert (their_address.row["street"], their_address.row["postcode"]) == (
        own_address.row["street"], own_address.row["postcode"])
    assert any(m.reason == "the phone matches, but the row holds another e-mail"
               for m in _rows(result, "candidate", "demo-shop", "orders"))

    # a request quoting the customer number: the rows linked by the internal key stay the subject's
    case = _case(lambda c: bool(c.customer_ids) and c.held.tickets > 0 and not c.held.namesake)
    result = _search(ctx, case)
    _assert_found(result, case)
    [customer] = _rows(result, "subject", "demo-crm", "customers")
    assert "customer_ref" in customer.matched_on
    assert not _rows(result, "candidate", "demo-crm")

    # a rectification: the CRM misspells the surname the request gives; the e-mail still finds it
    case = _case(lambda c: bool(c.held.crm_last) and c.state in OPEN_STATES)
    assert case.held.crm_last in rq.get_request(ctx, _reference(ctx, case)).notes
    _assert_found(_search(ctx, case), case)


def test_nothing_found_for_a_subject_who_was_never_a_customer(demo_ctx: AppContext) -> None:
    ctx = demo_ctx
    nobody = [c for c in demo_cases() if not c.has_data and not c.held.namesake and c.state in OPEN_STATES]
    for case in (nobody[0], next(c for c in nobody if c.phones), nobody[-1]):
        result = _search(ctx, case)
        assert result.matches == () and result.excluded == (), case.name
        assert len(result.connections) == 3
    # never a customer, but a stranger of the same name is: candidates only, nothing to attach
    case = _case(lambda c: not c.has_data and c.held.namesake)
    result = _search(ctx, case)
    assert result.matches and {m.role for m in result.matches} == {"candidate"}
    assert discovery.make_snapshot(ctx, result).row_count == 0


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err


def _identifiers(shown: dict[str, Any]) -> list[str]:
    """``privdesk search`` options for what ``request show --json`` gives (as the window does)."""
    out = ["--name", shown["subject"]]
    for option, key in (("--email", "emails"), ("--phone", "phones"), ("--customer-id", "customer_ids")):
        for value in shown[key]:
            out += [option, value]
    return out


def test_the_demo_flow_on_the_command_line(capsys: pytest.CaptureFixture[str], data_dir: Path,
                                           tmp_path: Path) -> None:
    """Seed, search a subject as the request gives it, attach, write the export letter: the
    appendix holds the subject's rows and not the agent's or the partner's; then plan an erasure."""
    d = ["--data-dir", str(data_dir)]
    _run(capsys, *d, "demo")
    case = _case(lambda c: c.type == "access" and c.state == "in_progress" and {"crm", "shop"} <= c.held.systems
                 and c.held.tickets > 0)
    [row] = json.loads(_run(capsys, *d, "request", "list", "--json", "--search", case.email)[0])
    ref = row["reference"]
    shown = json.loads(_run(capsys, *d, "request", "show", ref, "--json")[0])
    ids = _identifiers(shown)
    found = json.loads(_run(capsys, *d, "search", *ids, "--json")[0])
    subject_rows = [m for m in found["matches"] if m["role"] == "subject"]
    orders = sorted(m["row"]["order_no"] for m in subject_rows if m["table"] == "orders")
    assert len(orders) == case.held.orders
    assert any(x["table"] == "agents" for x in found["excluded"])
    _, err = _run(capsys, *d, "search", *ids, "--attach", ref, "--as", ACTOR)
    assert f"attached {len(subject_rows)} rows to {ref}" in err
    assert "of table agents belong" in err  # "left out: 1 row of table agents belongs to other people"

    out_pdf = tmp_path / "export.pdf"
    _run(capsys, *d, "letter", "export", ref, "-o", str(out_pdf))
    text = pdf_text(out_pdf.read_bytes())
    appendix = flat(text[text.index("Appendix: copy of your personal data"):])
    for order_no in orders:
        assert order_no in appendix
    customer = next(m["row"] for m in subject_rows if m["table"] == "customers")
    assert customer["customer_ref"] in appendix and case.held.email in appendix.lower()
    assert "demo-crm · support_tickets" in appendix
    assert "@northwind.example" not in appendix  # the agent's row stays out

    erasure = _case(lambda c: c.type == "erasure" and c.state == "in_progress" and c.held.tickets > 0
                    and {"crm", "shop"} <= c.held.systems)
    [row] = json.loads(_run(capsys, *d, "request", "list", "--json", "--search", erasure.email)[0])
    shown = json.loads(_run(capsys, *d, "request", "show", row["reference"], "--json")[0])
    ids = _identifiers(shown)
    _run(capsys, *d, "search", *ids, "--attach", row["reference"], "--as", ACTOR)
    plan = json.loads(_run(capsys, *d, "plan", row["reference"], "--json")[0])
    actions = {(s["connection"], s["table"]): (s["action"], s["rows"]) for s in plan["steps"]}
    assert actions[("demo-crm", "customers")] == ("delete", 1)
    assert actions[("demo-crm", "support_tickets")] == ("delete", erasure.held.tickets)
    assert actions[("demo-shop", "payments")][0] == "keep"  # the tax records stay, with the reason
    assert ("demo-crm", "agents") not in actions
