"""Issue 10 points 4, 5 and 12: LGPD and California breach notices read back from the PDFs.

LGPD Art. 48 §1 and Resolução CD/ANPD 15/2024 Art. 9 (security measures used, reasons for a late
notice, the authority notice labelled with the LGPD's provisions); Cal. Civ. Code 1798.82(b),
(a)/(c) and (d)(2) (owner notice, permitted delays, credit agencies' toll-free numbers and addresses,
identity-theft services for at least 12 months).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.documents import breach as docs
from privdesk.errors import ValidationError
from privdesk.services import breach_notices as notices
from privdesk.services import breaches as legal_svc
from privdesk.services import breaches as svc
from privdesk.services.audit import history
from privdesk.services.context import AppContext
from tests.integration.breaches.conftest import NOW, breach_input
from tests.integration.breaches.test_notices import text_of

ACTOR = "dpo@northwind.example"
ON_TIME = NOW + timedelta(hours=1)
MEASURES = "Payroll files are encrypted at rest with AES-256 and access is limited to HR staff."


def one_person(ctx: AppContext, ref: str, **extra: str) -> None:
    svc.add_affected(ctx, ref, [{"name": "Ana Souza", "email": "ana@example.com", **extra}], ACTOR)


def person_notice(ctx: AppContext, ref: str, out: Path, **kw: object) -> str:
    result = notices.notify_subjects(ctx, ref, ACTOR, out_dir=out, **kw)  # type: ignore[arg-type]
    assert result.written == 1, result.failed
    return text_of(out / docs.file_name(ref, svc.list_affected(ctx, ref)[0].id))


def test_lgpd_authority_notice_cites_the_lgpd_and_gives_the_security_measures(org_ctx: AppContext,
                                                                              tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes="lgpd", risk="risk"), ACTOR, now=NOW)
    legal_svc.set_legal(org_ctx, d.reference, ACTOR, security_measures=MEASURES)
    text = text_of(notices.notify_authority(org_ctx, d.reference, tmp_path / "anpd.pdf", ACTOR, now=ON_TIME).path)
    for item in ("LGPD Art. 48 §1, I", "LGPD Art. 48 §1, II", "LGPD Art. 48 §1, III", "LGPD Art. 48 §1, IV",
                 "LGPD Art. 48 §1, VI", MEASURES, "encarregado"):
        assert item in text, item
    assert "Art. 33" not in text and "Art. 34" not in text and "GDPR" not in text.replace("LGPD", "")
    # the GDPR notice keeps its articles, and shows the measures too (the ICO form asks for them)
    g = svc.add_breach(org_ctx, breach_input(), ACTOR, now=NOW)
    gtext = text_of(notices.notify_authority(org_ctx, g.reference, tmp_path / "ico.pdf", ACTOR, now=ON_TIME).path)
    assert "Art. 33(3)(d)" in gtext and "LGPD" not in gtext


@pytest.mark.parametrize("language", ["", "pt-BR"])
def test_lgpd_individual_notice_has_security_measures_and_late_reasons(org_ctx: AppContext, tmp_path: Path,
                                                                       language: str) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes="lgpd", risk="risk"), ACTOR, now=NOW)
    one_person(org_ctx, d.reference, language=language)
    legal_svc.set_legal(org_ctx, d.reference, ACTOR, security_measures=MEASURES)
    on_time = person_notice(org_ctx, d.reference, tmp_path / "a", now=ON_TIME)
    assert MEASURES in on_time
    assert "Addresses had to be recovered" not in on_time
    late = person_notice(org_ctx, d.reference, tmp_path / "b", now=NOW + timedelta(days=10),
                         delay_reasons="Addresses had to be recovered from backups first.")
    assert "Addresses had to be recovered from backups first." in late
    assert ("Por que esta comunicação foi feita fora do prazo" if language else "Why we are writing only now") in late


def test_gdpr_individual_notice_does_not_grow_lgpd_sections(org_ctx: AppContext, tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(), ACTOR, now=NOW)
    one_person(org_ctx, d.reference)
    text = person_notice(org_ctx, d.reference, tmp_path, now=ON_TIME)
    assert "How your data was protected" not in text and "Why we are writing only now" not in text


def test_california_notice_lists_credit_agencies_with_toll_free_numbers_and_addresses(
    org_ctx: AppContext, tmp_path: Path,
) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes="california", risk="risk", data_categories="ssn, financial"),
                       ACTOR, now=NOW)
    one_person(org_ctx, d.reference)
    text = person_notice(org_ctx, d.reference, tmp_path / "a", now=ON_TIME)
    for phrase in ("toll-free 1-800-525-6285", "P.O. Box 105069, Atlanta, GA 30348-5069",
                   "toll-free 1-888-397-3742", "P.O. Box 9554, Allen, TX 75013",
                   "toll-free 1-800-680-7289", "P.O. Box 2000, Chester, PA 19016"):
        assert phrase in text, phrase
    # the agencies' contacts come under "What You Can Do", before "For More Information"
    assert text.index("What You Can Do") < text.index("Equifax") < text.index("For More Information")
    assert "identity theft prevention and mitigation services" not in text  # we were not the source


def test_california_source_must_offer_twelve_months_of_identity_services(org_ctx: AppContext, tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes="california", risk="risk", data_categories="ssn"),
                       ACTOR, now=NOW)
    one_person(org_ctx, d.reference)
    legal_svc.set_legal(org_ctx, d.reference, ACTOR, was_source=True)
    with pytest.raises(ValidationError, match=r"1798\.82\(d\)\(2\)\(G\)"):
        notices.notify_subjects(org_ctx, d.reference, ACTOR, out_dir=tmp_path / "x", now=ON_TIME)
    assert not (tmp_path / "x").exists()
    with pytest.raises(ValidationError, match="at least 12 months"):
        legal_svc.set_legal(org_ctx, d.reference, ACTOR, identity_services="CreditWatch", service_months=6)
    offer = "CreditWatch Plus by Experian: enrol at creditwatch.example with code NW-2026 before 31 March 2027."
    legal_svc.set_legal(org_ctx, d.reference, ACTOR, identity_services=offer, service_months=24)
    text = person_notice(org_ctx, d.reference, tmp_path / "ok", now=ON_TIME)
    assert offer in text and "at no cost to you for 24 months" in text
    assert any(e.action == "legal-facts" for e in history(org_ctx, "breach", d.reference))


def test_permitted_delays_are_recorded_with_the_reason_and_printed(org_ctx: AppContext, tmp_path: Path) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes="california", risk="risk"), ACTOR, now=NOW)
    one_person(org_ctx, d.reference)
    with pytest.raises(ValidationError, match="give the reason for the delay"):
        legal_svc.set_legal(org_ctx, d.reference, ACTOR, delays="law-enforcement")
    with pytest.raises(ValidationError, match="not a permitted delay"):
        legal_svc.set_legal(org_ctx, d.reference, ACTOR, delays="holiday season", delay_reason="Staff were away.")
    reason = "The FBI field office asked us on 21 November to wait while it traced the attacker."
    legal_svc.set_legal(org_ctx, d.reference, ACTOR, delays=("law-enforcement", "scope-and-restore"),
                        delay_reason=reason)
    # 40 days after discovery: late, but the recorded delay is its documented reason
    text = person_notice(org_ctx, d.reference, tmp_path, now=NOW + timedelta(days=40))
    assert "delayed at the request of law enforcement" in text and reason in text
    assert "restore the reasonable integrity of the data system" in text


def test_service_provider_records_the_owner_and_when_it_was_told(org_ctx: AppContext,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    d = svc.add_breach(org_ctx, breach_input(regimes="california", risk="risk"), ACTOR, now=NOW)
    base = ["--data-dir", str(org_ctx.paths.data_dir), "breach", "legal", d.reference]
    assert main([*base, "--owner", "Contoso Retail Inc.", "--json"]) == 0
    assert "tell them immediately (Cal. Civ. Code § 1798.82(b))" in capsys.readouterr().out
    assert main([*base, "--owner-notified", "2026-11-19T08:00+01:00"]) == 2
    assert "before it was discovered" in capsys.readouterr().err
    assert main([*base, "--owner-notified", "2026-11-20T10:05+01:00"]) == 0
    out = capsys.readouterr().out
    assert "Contoso Retail Inc. (the owner of the data) was told on 2026-11-20" in out
