"""Validating a breach record as typed (:class:`BreachInput`) into a clean one (:class:`CleanBreach`),
with one sentence per problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from privdesk.domain.breach.categories import (
    DataCategory,
    parse_categories,
    parse_nature,
    split_list,
)
from privdesk.domain.breach.regimes import parse_regimes
from privdesk.domain.breach.timestamps import check_not_future, parse_moment
from privdesk.domain.breach.vocabulary import BreachStatus, Exemption, Nature, Risk, _key
from privdesk.errors import ValidationError


@dataclass(frozen=True)
class BreachInput:
    """What an officer enters for a breach (plain values; the service parses and validates)."""

    title: str
    aware: str | datetime
    nature: str | Iterable[str]
    description: str
    data_categories: str | Iterable[str] = ()
    subject_categories: str | Iterable[str] = ()
    subjects_approx: int | str | None = None
    records_approx: int | str | None = None
    consequences: str = ""
    measures: str = ""
    risk: str = "risk"
    risk_reasoning: str = ""
    occurred_from: str | datetime | None = None
    occurred_to: str | datetime | None = None
    discovery: str = ""
    measures_proposed: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    countries: str | Iterable[str] = ()
    authorities: str | Iterable[str] = ()
    regimes: str | Iterable[str] = ()
    exemptions: str | Iterable[str] = ()
    exemption_reasoning: str = ""
    incident_type: str = ""
    cyber_incident: str = "unknown"
    ongoing: bool = False
    unintelligible: bool = False
    processor: str = ""
    others_informed: str = ""
    law_enforcement_delay: bool = False
    status: str = "open"
    notes: str = ""


CYBER = ("yes", "no", "unknown")


@dataclass(frozen=True)
class CleanBreach:
    """A validated breach record's values, ready to store."""

    title: str
    aware: datetime
    nature: frozenset[Nature]
    description: str
    data_categories: tuple[DataCategory, ...]
    subject_categories: tuple[str, ...]
    subjects_approx: int | None
    records_approx: int | None
    consequences: str
    measures: str
    risk: Risk
    risk_reasoning: str
    occurred_from: datetime | None
    occurred_to: datetime | None
    discovery: str
    measures_proposed: str
    contact_name: str
    contact_email: str
    contact_phone: str
    countries: tuple[str, ...]
    authorities: tuple[str, ...]
    regimes: tuple[str, ...]
    exemptions: tuple[Exemption, ...]
    exemption_reasoning: str
    incident_type: str
    cyber_incident: str
    ongoing: bool
    unintelligible: bool
    processor: str
    status: BreachStatus
    others_informed: str = ""
    law_enforcement_delay: bool = False
    notes: str = field(default="")


def _count(value: int | str | None, what: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        n = int(str(value).strip().replace(",", "").replace("_", "").lstrip("~"))
    except ValueError:
        raise ValidationError(f"The approximate number of {what} {value!r} is not a whole number.") from None
    if n < 0:
        raise ValidationError(f"The approximate number of {what} cannot be negative.")
    return n


def _moment(value: str | datetime | None, zone: tzinfo, what: str) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=zone, microsecond=0)
        return value.replace(microsecond=0)
    return parse_moment(value, zone, what)


def validate(data: BreachInput, zone: tzinfo, now: datetime) -> CleanBreach:
    """Check everything an authority's form would ask about, with one sentence per problem."""
    title = " ".join(data.title.split())
    if not title:
        raise ValidationError("A breach needs a title (a few words that name it in the register).")
    if len(title) > 200:
        raise ValidationError("The title is longer than 200 characters; put the detail in the description.")
    aware = _moment(data.aware, zone, "time of awareness")
    if aware is None:
        raise ValidationError("Say when the organisation became aware of the breach (date, time and zone).")
    check_not_future(aware, now, "time of awareness")
    occurred_from = _moment(data.occurred_from, zone, "start of the breach")
    occurred_to = _moment(data.occurred_to, zone, "end of the breach")
    if occurred_from and occurred_to and occurred_to < occurred_from:
        raise ValidationError("The breach cannot end before it started.")
    if occurred_from and occurred_from > aware:
        raise ValidationError("The breach cannot start after the organisation became aware of it.")
    description = data.description.strip()
    if not description:
        raise ValidationError("Describe what happened (Art. 33(3)(a): the nature of the breach).")
    risk = Risk.parse(data.risk) if isinstance(data.risk, str) else Risk(data.risk)
    exemptions = tuple(dict.fromkeys(Exemption.parse(e) for e in split_list(data.exemptions)))
    if exemptions and risk is not Risk.HIGH:
        raise ValidationError("Art. 34(3) exceptions only matter when the risk is high; "
                              "remove them or change the risk assessment.")
    if exemptions and len(data.exemption_reasoning.strip()) < 10:
        raise ValidationError("An Art. 34(3) exception must be documented: explain why it applies.")
    cyber = _key(data.cyber_incident or "unknown")
    if cyber not in CYBER:
        raise ValidationError(f"Cyber incident must be yes, no or unknown, not {data.cyber_incident!r}.")
    regimes = parse_regimes(data.regimes) if split_list(data.regimes) else ("gdpr",)
    countries = tuple(c.upper() for c in split_list(data.countries))
    for c in countries:
        if not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", c):
            raise ValidationError(f"{c!r} is not a country code (use ISO codes such as DE, GB, US-CA).")
    return CleanBreach(
        title=title, aware=aware, nature=parse_nature(data.nature), description=description,
        data_categories=parse_categories([data.data_categories] if isinstance(data.data_categories, str)
                                         else data.data_categories),
        subject_categories=split_list(data.subject_categories),
        subjects_approx=_count(data.subjects_approx, "data subjects"),
        records_approx=_count(data.records_approx, "records"),
        consequences=data.consequences.strip(), measures=data.measures.strip(),
        risk=risk, risk_reasoning=data.risk_reasoning.strip(),
        occurred_from=occurred_from, occurred_to=occurred_to, discovery=data.discovery.strip(),
        measures_proposed=data.measures_proposed.strip(),
        contact_name=data.contact_name.strip(), contact_email=data.contact_email.strip(),
        contact_phone=data.contact_phone.strip(), countries=countries,
        authorities=split_list(data.authorities), regimes=regimes, exemptions=exemptions,
        exemption_reasoning=data.exemption_reasoning.strip(), incident_type=data.incident_type.strip(),
        cyber_incident=cyber, ongoing=bool(data.ongoing), unintelligible=bool(data.unintelligible),
        processor=data.processor.strip(), status=BreachStatus.parse(data.status), notes=data.notes.strip(),
        others_informed=data.others_informed.strip(), law_enforcement_delay=bool(data.law_enforcement_delay),
    )
