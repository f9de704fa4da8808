"""Breach facts some laws ask for beyond GDPR Art. 33(3): the rules, kept apart from the register.

- LGPD Art. 48 §1, III and Resolução CD/ANPD 15/2024 Art. 9, II: the technical and security measures
  used to protect the data, in the notices to the ANPD and to the data subjects.
- Cal. Civ. Code 1798.82(d)(2)(G): when the notifier was the source of the breach and Social
  Security, driver's licence, California ID or other government ID numbers were exposed, an offer of
  identity-theft prevention and mitigation services at no cost for at least 12 months, with what is
  needed to take it up.
- Cal. Civ. Code 1798.82(b): an organisation that maintains data it does not own tells the owner or
  licensee immediately after discovery (the owner then tells the residents).
- Cal. Civ. Code 1798.82(a) and (c): the notice may be delayed for the legitimate needs of law
  enforcement, or by the measures necessary to determine the scope of the breach and restore the
  reasonable integrity of the system; each is a choice the officer records with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from privdesk.errors import ValidationError

#: Permitted delays of the California notice, with the provision that allows each.
DELAYS: dict[str, str] = {
    "law-enforcement": "a law enforcement agency determined that notice would impede a criminal investigation "
                       "(Cal. Civ. Code § 1798.82(c))",
    "scope-and-restore": "measures necessary to determine the scope of the breach and restore the reasonable "
                         "integrity of the data system (Cal. Civ. Code § 1798.82(a))",
}
#: Data categories whose exposure triggers the identity-theft offer (1798.82(h)(1)(A), (B)).
GOVERNMENT_ID_CATEGORIES = frozenset({"official-documents"})
MIN_SERVICE_MONTHS = 12
OWNER_CITATION = "Cal. Civ. Code § 1798.82(b)"
SERVICES_CITATION = "Cal. Civ. Code § 1798.82(d)(2)(G)"
SECURITY_CITATION = "LGPD Art. 48 §1, III; Resolução CD/ANPD nº 15/2024, Art. 9, II"


@dataclass(frozen=True)
class BreachLegal:
    """What the officer recorded for these rules; empty values mean not recorded."""

    security_measures: str = ""
    was_source: bool = False
    identity_services: str = ""
    service_months: int = 0
    data_owner: str = ""
    owner_notified_at: datetime | None = None
    delays: tuple[str, ...] = ()
    delay_reason: str = ""

    @property
    def law_enforcement_delay(self) -> bool:
        return "law-enforcement" in self.delays

    def delay_text(self) -> str:
        """The recorded delays in words, with the officer's reason (for notices and the register)."""
        if not self.delays:
            return ""
        kinds = "; ".join(DELAYS[d] for d in self.delays)
        return f"The notice was delayed because of {kinds}. {self.delay_reason}".strip()


def parse_delays(values: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for raw in values:
        for part in raw.split(","):
            key = "-".join(part.strip().casefold().replace("_", " ").split())
            if not key:
                continue
            if key not in DELAYS:
                raise ValidationError(f"{part.strip()!r} is not a permitted delay; choose {', '.join(DELAYS)}.")
            if key not in out:
                out.append(key)
    return tuple(out)


def validate_legal(facts: BreachLegal, aware: datetime) -> BreachLegal:
    """Refuse a record that does not meet the rules above, in one sentence each."""
    if facts.delays and len(facts.delay_reason.strip()) < 10:
        raise ValidationError("A delayed notice must be documented: give the reason for the delay "
                              "(for a law enforcement delay, the agency and its request).")
    if facts.delay_reason.strip() and not facts.delays:
        raise ValidationError(f"Say which permitted delay the reason is for: {', '.join(DELAYS)}.")
    if facts.identity_services.strip() and 0 < facts.service_months < MIN_SERVICE_MONTHS:
        raise ValidationError(f"Identity-theft services must be offered for at least {MIN_SERVICE_MONTHS} months "
                              f"({SERVICES_CITATION}), not {facts.service_months}.")
    if facts.owner_notified_at is not None:
        if not facts.data_owner.strip():
            raise ValidationError("Name the owner or licensee of the data before recording when they were told.")
        if facts.owner_notified_at < aware:
            raise ValidationError("The owner cannot have been told of the breach before it was discovered.")
    return facts


def services_required(facts: BreachLegal, regimes: Iterable[str], categories: Iterable[str]) -> bool:
    """Whether the California notice must carry the identity-theft offer (1798.82(d)(2)(G))."""
    return ("california" in set(regimes) and facts.was_source
            and bool(GOVERNMENT_ID_CATEGORIES & set(categories)))


def services_problem(facts: BreachLegal, regimes: Iterable[str], categories: Iterable[str]) -> str | None:
    """Why California notices cannot be written yet, or None."""
    if not services_required(facts, regimes, categories):
        return None
    if not facts.identity_services.strip():
        return (f"This breach exposed government ID numbers and we were its source: {SERVICES_CITATION} requires "
                "an offer of identity-theft prevention and mitigation services for at least 12 months. Record the "
                "offer (provider, how to enrol, until when) first.")
    if facts.service_months < MIN_SERVICE_MONTHS:
        return (f"Record for how many months the identity-theft services are offered (at least "
                f"{MIN_SERVICE_MONTHS}, {SERVICES_CITATION}).")
    return None


def owner_notice(facts: BreachLegal) -> str:
    """The 1798.82(b) duty in words, for the breach detail: empty when we own the data."""
    if not facts.data_owner.strip():
        return ""
    if facts.owner_notified_at is None:
        return (f"We maintain this data for {facts.data_owner}: tell them immediately ({OWNER_CITATION}); "
                "they notify the residents.")
    return f"{facts.data_owner} (the owner of the data) was told on {facts.owner_notified_at.isoformat(timespec='minutes')} ({OWNER_CITATION})."
