"""The plain results of the breach services (frozen dataclasses, never ORM rows) and the register's
filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from privdesk.domain import breach as dom

ENTITY = "breach"
CALIFORNIA = "US-CA"


# -- plain results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class NotificationRecord:
    """One notification sent, as the detail pane and the register export show it."""

    id: int
    kind: str
    regime: str
    phase: str
    recipient: str
    sent_at: datetime
    document_file: str
    document_sha256: str
    delay_reasons: str
    case_reference: str
    count: int
    late: bool
    notes: str
    recorded_by: str

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["sent_at"] = self.sent_at.isoformat(timespec="minutes")
        return d


@dataclass(frozen=True)
class BreachRow:
    """One line of the register."""

    reference: str
    title: str
    status: str
    risk: str
    aware: datetime
    authority_due: datetime | None
    clock: dom.NoticeClock | None
    affected: int
    special_categories: bool
    regimes: tuple[str, ...]
    notified_authority: bool

    @property
    def clock_text(self) -> str:
        if self.clock is None:
            return ""
        return f"{self.clock.kind.label}: {self.clock.describe()}"

    @property
    def clock_state(self) -> str:
        return self.clock.state if self.clock is not None else "not-required"

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "title": self.title,
            "aware": self.aware.isoformat(timespec="minutes"),
            "authority_due": self.authority_due.isoformat(timespec="minutes") if self.authority_due else None,
            "status": self.status,
            "risk": self.risk,
            "clock": self.clock_state,
            "clock_text": self.clock_text,
            "minutes_left": self.clock.minutes_left if self.clock else None,
            "affected": self.affected,
            "regimes": list(self.regimes),
        }


@dataclass(frozen=True)
class BreachDetail:
    """Everything recorded about one breach, with its clocks computed at ``as_of``."""

    reference: str
    title: str
    status: str
    risk: str
    risk_reasoning: str
    aware: datetime
    aware_zone: str
    authority_due: datetime | None
    occurred_from: datetime | None
    occurred_to: datetime | None
    discovery: str
    nature: tuple[str, ...]
    description: str
    data_categories: tuple[dom.DataCategory, ...]
    subject_categories: tuple[str, ...]
    subjects_approx: int | None
    records_approx: int | None
    consequences: str
    measures: str
    measures_proposed: str
    contact_name: str
    contact_email: str
    contact_phone: str
    countries: tuple[str, ...]
    authorities: tuple[str, ...]
    regimes: tuple[str, ...]
    exemptions: tuple[str, ...]
    exemption_reasoning: str
    incident_type: str
    cyber_incident: str
    ongoing: bool
    unintelligible: bool
    processor: str
    notes: str
    version: int
    others_informed: str
    law_enforcement_delay: bool
    notifications: tuple[NotificationRecord, ...]
    clocks: tuple[dom.NoticeClock, ...]
    affected: int
    residents: Mapping[str, int] = field(default_factory=dict)
    as_of: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def special_categories(self) -> bool:
        return any(c.special for c in self.data_categories)

    @property
    def zone(self) -> tzinfo:
        return dom.zone_from_text(self.aware_zone)

    def local(self, moment: datetime) -> datetime:
        """A stored UTC moment in the zone awareness was recorded in."""
        return moment.astimezone(self.zone)

    def clock(self, kind: dom.NoticeKind, regime: str | None = None) -> dom.NoticeClock | None:
        for c in self.clocks:
            if c.kind is kind and (regime is None or c.regime == regime):
                return c
        return None

    def required(self, kind: dom.NoticeKind) -> bool:
        return any(c.required for c in self.clocks if c.kind is kind)

    def to_json(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return self.local(d).isoformat(timespec="minutes") if d else None

        return {
            "reference": self.reference, "title": self.title, "status": self.status,
            "risk": self.risk, "risk_reasoning": self.risk_reasoning,
            "aware": iso(self.aware), "aware_zone": self.aware_zone,
            "authority_due": iso(self.authority_due),
            "occurred_from": iso(self.occurred_from), "occurred_to": iso(self.occurred_to),
            "discovery": self.discovery, "nature": list(self.nature), "description": self.description,
            "data_categories": [{"label": c.label, "special": c.special, "key": c.key} for c in self.data_categories],
            "special_categories": self.special_categories,
            "subject_categories": list(self.subject_categories),
            "subjects_approx": self.subjects_approx, "records_approx": self.records_approx,
            "consequences": self.consequences, "measures": self.measures,
            "measures_proposed": self.measures_proposed,
            "contact": {"name": self.contact_name, "email": self.contact_email, "phone": self.contact_phone},
            "countries": list(self.countries), "authorities": list(self.authorities),
            "regimes": list(self.regimes), "exemptions": list(self.exemptions),
            "exemption_reasoning": self.exemption_reasoning, "incident_type": self.incident_type,
            "cyber_incident": self.cyber_incident, "ongoing": self.ongoing,
            "unintelligible": self.unintelligible, "processor": self.processor, "notes": self.notes,
            "others_informed": self.others_informed, "law_enforcement_delay": self.law_enforcement_delay,
            "version": self.version, "affected": self.affected,
            "clocks": [{"regime": c.regime, "kind": c.kind.value, "required": c.required,
                        "reason": c.reason, "due": iso(c.due), "state": c.state,
                        "minutes_left": c.minutes_left, "text": c.describe(), "citation": c.citation,
                        "late": c.late} for c in self.clocks],
            "notifications": [n.to_json() for n in self.notifications],
        }


@dataclass(frozen=True)
class BreachQuery:
    """Register filters; ``clock`` is ``late``, ``due-soon`` (amber or red) or ``pending``."""

    text: str = ""
    status: str = ""
    risk: str = ""
    clock: str = ""
    include_closed: bool = True

