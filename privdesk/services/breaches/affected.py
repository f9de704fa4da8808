"""The breach register: recording breaches, their notifications and the people affected.

Each public function is one unit of work: it validates with :mod:`privdesk.domain.breach`, writes
the change and its audit entry (entity ``breach``, the reference as id) and commits, or changes
nothing. Results are frozen dataclasses; the register's clocks are computed from the stored
moments at read time, so "time left" is always current.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from privdesk.domain import breach as dom
from privdesk.domain.identifiers import (
    email_problem,
    normalise_email,
    normalise_name,
    normalise_phone,
    phone_problem,
)
from privdesk.errors import ConflictError, NotFoundError, ValidationError
from privdesk.services import audit
from privdesk.services.context import AppContext
from privdesk.store.breach_models import AffectedPerson, Breach, BreachNotification

log = logging.getLogger("privdesk.breaches")

ENTITY = "breach"
CALIFORNIA = "US-CA"


# -- time zone -------------------------------------------------------------------------------------

def local_zone() -> tzinfo:
    """The zone used for a moment typed without an offset: ``TZ``, else the system's zone.

    The organisation profile has no zone of its own; the officer's machine is the best guess and
    the stored record keeps the zone it used, so the register shows it.
    """
    name = os.environ.get("TZ", "").strip().lstrip(":")
    candidates = [name] if name else []
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for c in candidates:
        try:
            return ZoneInfo(c)
        except (ValueError, OSError, KeyError):
            continue
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else UTC


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


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


# -- helpers ---------------------------------------------------------------------------------------

@contextmanager
def _unit(ctx: AppContext) -> Iterator[Session]:
    try:
        with ctx.db.unit_of_work() as s:
            yield s
    except StaleDataError as exc:
        raise ConflictError("Someone else changed this breach while you were saving. Nothing was "
                            "saved; reload it and make your change again.") from exc


def _load(s: Session, reference: str, expected_version: int | None = None) -> Breach:
    ref = dom.parse_reference(reference)
    b = s.scalar(select(Breach).where(Breach.reference == ref)
                 .options(selectinload(Breach.notifications)))
    if b is None:
        raise NotFoundError(f"There is no breach {ref}.")
    if expected_version is not None and b.version != expected_version:
        raise ConflictError(f"{ref} was changed by someone else since you opened it. Nothing was "
                            "saved; reload it and make your change again.")
    return b


def _cats_to_json(cats: Iterable[dom.DataCategory]) -> str:
    return json.dumps([c.to_text() for c in cats], ensure_ascii=False)


def _cats_from_json(text: str) -> tuple[dom.DataCategory, ...]:
    try:
        return dom.parse_categories(json.loads(text or "[]"))
    except (ValueError, ValidationError):
        return ()


def _list_json(text: str) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _regimes(b: Breach) -> list[dom.BreachRegime]:
    return [dom.get_regime(r) for r in b.regimes.split(",") if r]


def _sent(b: Breach) -> list[dom.SentNotice]:
    return [dom.SentNotice(dom.NoticeKind(n.kind), n.regime, dom.Phase(n.phase), n.sent_at, n.count)
            for n in b.notifications]


def _residents(s: Session, breach_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Affected people per breach: ``{"all": n, "US-CA": m}``."""
    out: dict[int, dict[str, int]] = {i: {"all": 0} for i in breach_ids}
    if not breach_ids:
        return out
    rows = s.execute(select(AffectedPerson.breach_id, AffectedPerson.region, func.count())
                     .where(AffectedPerson.breach_id.in_(breach_ids))
                     .group_by(AffectedPerson.breach_id, AffectedPerson.region))
    for bid, region, n in rows:
        out[bid]["all"] += n
        if region:
            out[bid][region] = out[bid].get(region, 0) + n
    return out


def _clocks(b: Breach, residents: Mapping[str, int], now: datetime) -> list[dom.NoticeClock]:
    exemptions = [dom.Exemption(e) for e in b.exemptions.split(",") if e]
    return dom.notice_clocks(b.aware_at, dom.Risk(b.risk), _regimes(b), now, exemptions, _sent(b),
                             residents=residents.get(CALIFORNIA, 0))


def _authority_due(regimes: Iterable[dom.BreachRegime], aware: datetime) -> datetime | None:
    dues = [d for r in regimes if (rule := r.rule(dom.NoticeKind.AUTHORITY)) is not None
            and (d := dom.due_moment(r, rule, aware, ())) is not None]
    return min(dues) if dues else None


def _notification(n: BreachNotification, zone: tzinfo) -> NotificationRecord:
    return NotificationRecord(n.id, n.kind, n.regime, n.phase, n.recipient, n.sent_at.astimezone(zone),
                              n.document_file, n.document_sha256, n.delay_reasons, n.case_reference,
                              n.count, n.late, n.notes, n.recorded_by)


def _detail(s: Session, b: Breach, now: datetime) -> BreachDetail:
    residents = _residents(s, [b.id])[b.id]
    zone = dom.zone_from_text(b.aware_zone)
    return BreachDetail(
        reference=b.reference, title=b.title, status=b.status, risk=b.risk,
        risk_reasoning=b.risk_reasoning, aware=b.aware_at.astimezone(zone), aware_zone=b.aware_zone,
        authority_due=b.authority_due.astimezone(zone) if b.authority_due else None,
        occurred_from=b.occurred_from.astimezone(zone) if b.occurred_from else None,
        occurred_to=b.occurred_to.astimezone(zone) if b.occurred_to else None,
        discovery=b.discovery, nature=tuple(x for x in b.nature.split(",") if x),
        description=b.description, data_categories=_cats_from_json(b.data_categories),
        subject_categories=_list_json(b.subject_categories), subjects_approx=b.subjects_approx,
        records_approx=b.records_approx, consequences=b.consequences, measures=b.measures,
        measures_proposed=b.measures_proposed, contact_name=b.contact_name,
        contact_email=b.contact_email, contact_phone=b.contact_phone,
        countries=tuple(x for x in b.countries.split(",") if x), authorities=_list_json(b.authorities),
        regimes=tuple(x for x in b.regimes.split(",") if x),
        exemptions=tuple(x for x in b.exemptions.split(",") if x),
        exemption_reasoning=b.exemption_reasoning, incident_type=b.incident_type,
        cyber_incident=b.cyber_incident, ongoing=b.ongoing, unintelligible=b.unintelligible,
        processor=b.processor, notes=b.notes, version=b.version, others_informed=b.others_informed,
        law_enforcement_delay=b.law_enforcement_delay,
        notifications=tuple(_notification(n, zone) for n in b.notifications),
        clocks=tuple(_clocks(b, residents, now)), affected=residents["all"],
        residents=residents, as_of=now,
    )


def _values(clean: dom.CleanBreach) -> dict[str, Any]:
    """The stored column values of a validated record."""
    return {
        "title": clean.title, "status": clean.status.value, "risk": clean.risk.value,
        "risk_reasoning": clean.risk_reasoning, "aware_at": clean.aware,
        "aware_zone": dom.zone_text(clean.aware.tzinfo, clean.aware),
        "authority_due": _authority_due([dom.get_regime(r) for r in clean.regimes], clean.aware),
        "occurred_from": clean.occurred_from, "occurred_to": clean.occurred_to,
        "discovery": clean.discovery, "nature": dom.nature_text(clean.nature),
        "description": clean.description, "data_categories": _cats_to_json(clean.data_categories),
        "special_categories": any(c.special for c in clean.data_categories),
        "subject_categories": json.dumps(list(clean.subject_categories), ensure_ascii=False),
        "subjects_approx": clean.subjects_approx, "records_approx": clean.records_approx,
        "consequences": clean.consequences, "measures": clean.measures,
        "measures_proposed": clean.measures_proposed, "contact_name": clean.contact_name,
        "contact_email": clean.contact_email, "contact_phone": clean.contact_phone,
        "countries": ",".join(clean.countries),
        "authorities": json.dumps(list(clean.authorities), ensure_ascii=False),
        "regimes": ",".join(clean.regimes), "exemptions": ",".join(e.value for e in clean.exemptions),
        "exemption_reasoning": clean.exemption_reasoning, "incident_type": clean.incident_type,
        "cyber_incident": clean.cyber_incident, "ongoing": clean.ongoing,
        "unintelligible": clean.unintelligible, "processor": clean.processor, "notes": clean.notes,
        "others_informed": clean.others_informed, "law_enforcement_delay": clean.law_enforcement_delay,
    }


def _audit_value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def _input_from(b: Breach) -> dom.BreachInput:
    zone = dom.zone_from_text(b.aware_zone)
    return dom.BreachInput(
        title=b.title, aware=b.aware_at.astimezone(zone), nature=b.nature, description=b.description,
        data_categories=list(_list_json(b.data_categories)),
        subject_categories=list(_list_json(b.subject_categories)),
        subjects_approx=b.subjects_approx, records_approx=b.records_approx,
        consequences=b.consequences, measures=b.measures, risk=b.risk, risk_reasoning=b.risk_reasoning,
        occurred_from=b.occurred_from.astimezone(zone) if b.occurred_from else None,
        occurred_to=b.occurred_to.astimezone(zone) if b.occurred_to else None,
        discovery=b.discovery, measures_proposed=b.measures_proposed, contact_name=b.contact_name,
        contact_email=b.contact_email, contact_phone=b.contact_phone, countries=b.countries,
        authorities=list(_list_json(b.authorities)), regimes=b.regimes, exemptions=b.exemptions,
        exemption_reasoning=b.exemption_reasoning, incident_type=b.incident_type,
        cyber_incident=b.cyber_incident, ongoing=b.ongoing, unintelligible=b.unintelligible,
        processor=b.processor, status=b.status, notes=b.notes, others_informed=b.others_informed,
        law_enforcement_delay=b.law_enforcement_delay,
    )


def _with_defaults(ctx: AppContext, data: dom.BreachInput) -> dom.BreachInput:
    """Contact point defaults to the profile's DPO; the regime to the profile's default law."""
    from privdesk.services.settings import get_profile, get_settings

    profile = get_profile(ctx)
    # OrgProfile.from_settings maps "default_law" to "default.law" and so never fills it; read the setting.
    default_law = get_settings(ctx).get("default_law") or profile.default_law
    changes: dict[str, Any] = {}
    if not data.contact_name.strip() and not data.contact_email.strip():
        changes.update(contact_name=profile.dpo_name or profile.org_name,
                       contact_email=profile.dpo_email or profile.org_email,
                       contact_phone=data.contact_phone or profile.dpo_phone or profile.org_phone)
    if not dom.split_list(data.regimes):
        changes["regimes"] = dom.default_regime_for_law(default_law)
    if not dom.split_list(data.authorities) and profile.authority_name:
        changes["authorities"] = profile.authority_name
    return replace(data, **changes) if changes else data


# -- writing ---------------------------------------------------------------------------------------

def _next_reference(s: Session, year: int) -> str:
    prefix = f"BR-{year}-"
    last = s.scalars(select(Breach.reference).where(Breach.reference.like(prefix + "%"))
                     .order_by(func.length(Breach.reference).desc(), Breach.reference.desc()).limit(1)).first()
    return dom.format_reference(year, int(last.rsplit("-", 1)[1]) + 1 if last else 1)


def add_breach(ctx: AppContext, data: dom.BreachInput, actor: str, now: datetime | None = None,
               zone: tzinfo | None = None) -> BreachDetail:
    """Validate and record a new breach; returns it with its reference (``BR-YYYY-NNNN``)."""
    now = _now(now)
    clean = dom.validate(_with_defaults(ctx, data), zone or local_zone(), now)
    values = _values(clean)
    for attempt in range(3):
        try:
            with _unit(ctx) as s:
                ref = _next_reference(s, now.astimezone(clean.aware.tzinfo).year)
                b = Breach(reference=ref, version=1, **values)
                s.add(b)
                s.flush()
                audit.append(s, actor, ENTITY, ref, "record",
                             {k: (None, _audit_value(v)) for k, v in values.items() if v not in ("", None, "[]")})
                detail = _detail(s, b, now)
            break
        except IntegrityError:
            if attempt == 2:
                raise ConflictError("Could not allocate a breach reference; please try again.") from None
    log.info("breach %s recorded", detail.reference)
    return detail


def update_breach(ctx: AppContext, reference: str, changes: Mapping[str, Any], actor: str,
                  expected_version: int | None = None, now: datetime | None = None) -> BreachDetail:
    """Change any fields of the record (names as in :class:`BreachInput`); re-validates the whole."""
    now = _now(now)
    unknown = set(changes) - {f for f in dom.BreachInput.__dataclass_fields__}
    if unknown:
        raise ValidationError(f"Unknown breach field(s): {', '.join(sorted(unknown))}.")
    with _unit(ctx) as s:
        b = _load(s, reference, expected_version)
        current = _input_from(b)
        clean = dom.validate(replace(current, **dict(changes)), dom.zone_from_text(b.aware_zone), now)
        values = _values(clean)
        diff = {k: (_audit_value(getattr(b, k)), _audit_value(v)) for k, v in values.items() if getattr(b, k) != v}
        if diff:
            for k, v in values.items():
                setattr(b, k, v)
            s.flush()
            audit.append(s, actor, ENTITY, b.reference, "update", diff)
        detail = _detail(s, b, now)
    return detail


def set_status(ctx: AppContext, reference: str, status: str, actor: str) -> BreachDetail:
    return update_breach(ctx, reference, {"status": dom.BreachStatus.parse(status).value}, actor)


def _pick_regime(b: Breach, kind: dom.NoticeKind, regime: str | None) -> dom.BreachRegime:
    regimes = _regimes(b)
    if regime:
        r = dom.get_regime(regime)
        if r.id not in [x.id for x in regimes]:
            raise ValidationError(f"{b.reference} is not recorded under {r.short_name}; its regimes are "
                                  f"{', '.join(x.id for x in regimes)}.")
        if r.rule(kind) is None:
            raise ValidationError(f"{r.short_name} has no {kind.label.lower()} notice.")
        return r
    having = [r for r in regimes if r.rule(kind) is not None]
    if not having:
        if kind is dom.NoticeKind.PUBLIC and regimes:
            return regimes[0]
        raise ValidationError(f"None of the regimes of {b.reference} ({', '.join(x.id for x in regimes)}) "
                              f"provides a {kind.label.lower()} notice.")
    return having[0]


@dataclass(frozen=True)
class LateCheck:
    """Whether a notice sent at a moment would be late, and the due moment it is measured against."""

    regime: str
    due: datetime | None
    late: bool
    reasons_required: bool
    citation: str


def check_late(ctx: AppContext, reference: str, kind: str | dom.NoticeKind, at: datetime | None = None,
               regime: str | None = None, phase: str = "initial") -> LateCheck:
    """Would a notice sent ``at`` (now by default) be late? The UI asks before rendering."""
    at = _now(at)
    k = dom.NoticeKind.parse(kind) if isinstance(kind, str) else kind
    with ctx.db.session() as s:
        b = _load(s, reference)
        r = _pick_regime(b, k, regime)
        rule = r.rule(k)
        due = dom.due_moment(r, rule, b.aware_at, _sent(b)) if rule else None
        late = bool(due is not None and at > due and dom.Phase.parse(phase) is dom.Phase.INITIAL)
        return LateCheck(r.id, due, late, bool(late and rule is not None and rule.late_reasons),
                         rule.citation if rule else "")


def record_notification(ctx: AppContext, reference: str, kind: str | dom.NoticeKind, actor: str,
                        sent_at: datetime | str | None = None, phase: str = "initial",
                        regime: str | None = None, recipient: str = "", document_file: str = "",
                        document_sha256: str = "", delay_reasons: str = "", case_reference: str = "",
                        count: int = 1, notes: str = "", now: datetime | None = None,
                        zone: tzinfo | None = None) -> NotificationRecord:
    """Record a notification sent; a late initial notice without reasons is refused."""
    now = _now(now)
    k = dom.NoticeKind.parse(kind) if isinstance(kind, str) else kind
    ph = dom.Phase.parse(phase)
    with _unit(ctx) as s:
        b = _load(s, reference)
        bzone = dom.zone_from_text(b.aware_zone)
        if sent_at is None:
            at = now
        elif isinstance(sent_at, str):
            at = dom.parse_moment(sent_at, zone or bzone, "time the notice was sent")
        else:
            at = sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=zone or bzone)
        dom.check_not_future(at, now, "time the notice was sent")
        r = _pick_regime(b, k, regime)
        rule = r.rule(k)
        due = dom.due_moment(r, rule, b.aware_at, _sent(b)) if rule else None
        if ph is dom.Phase.FOLLOW_UP and not any(
                n.kind == k.value and n.regime == r.id for n in b.notifications):
            raise ValidationError(f"A follow-up needs an initial {k.label.lower()} notice first; "
                                  f"record the initial notice of {b.reference}.")
        reasons = dom.check_notification(due, at, ph, delay_reasons, rule, b.aware_at)
        if not recipient.strip():
            recipient = _default_recipient(ctx, k, r, count)
        n = BreachNotification(kind=k.value, regime=r.id, phase=ph.value, recipient=recipient.strip(),
                               sent_at=at, sent_zone=dom.zone_text(at.tzinfo, at),
                               document_file=document_file, document_sha256=document_sha256,
                               delay_reasons=reasons, case_reference=case_reference.strip(),
                               count=max(1, int(count)), late=bool(due and at > due and ph is dom.Phase.INITIAL),
                               notes=notes.strip(), recorded_by=actor)
        b.notifications.append(n)
        s.flush()
        audit.append(s, actor, ENTITY, b.reference, "notify", {
            "notice": (None, f"{k.value} ({ph.value}, {r.id})"), "recipient": (None, n.recipient),
            "sent_at": (None, at.isoformat(timespec="minutes")), "document": (None, document_file),
            "sha256": (None, document_sha256), "count": (None, n.count),
            **({"delay_reasons": (None, reasons)} if reasons else {}),
        })
        rec = _notification(n, bzone)
    log.info("breach %s: %s notice recorded", reference, rec.kind)
    return rec


def _default_recipient(ctx: AppContext, kind: dom.NoticeKind, regime: dom.BreachRegime, count: int) -> str:
    if kind is dom.NoticeKind.AUTHORITY:
        if regime.id in ("gdpr", "uk-gdpr"):
            from privdesk.services.settings import get_profile

            name = get_profile(ctx).authority_name
            if name:
                return name
        return regime.authority_label.removeprefix("the ")
    if kind is dom.NoticeKind.ATTORNEY_GENERAL:
        return "California Attorney General"
    if kind is dom.NoticeKind.INDIVIDUALS:
        return f"{count} affected {'person' if count == 1 else 'people'}"
    return "the public"


# -- reading ---------------------------------------------------------------------------------------

def get_breach(ctx: AppContext, reference: str, now: datetime | None = None) -> BreachDetail:
    with ctx.db.session() as s:
        return _detail(s, _load(s, reference), _now(now))


def list_breaches(ctx: AppContext, query: BreachQuery = BreachQuery(), now: datetime | None = None) -> list[BreachRow]:
    """The register, most urgent clock first then newest awareness first."""
    now = _now(now)
    stmt = select(Breach).options(selectinload(Breach.notifications))
    if query.status:
        stmt = stmt.where(Breach.status == dom.BreachStatus.parse(query.status).value)
    elif not query.include_closed:
        stmt = stmt.where(Breach.status != dom.BreachStatus.CLOSED.value)
    if query.risk:
        stmt = stmt.where(Breach.risk == dom.Risk.parse(query.risk).value)
    if query.text.strip():
        like = f"%{query.text.strip().casefold()}%"
        stmt = stmt.where(or_(func.lower(Breach.reference).like(like), func.lower(Breach.title).like(like)))
    rows: list[BreachRow] = []
    with ctx.db.session() as s:
        breaches = list(s.scalars(stmt.order_by(Breach.aware_at.desc())))
        residents = _residents(s, [b.id for b in breaches])
        for b in breaches:
            clocks = _clocks(b, residents[b.id], now)
            pending = [c for c in clocks if b.status != "closed"]
            zone = dom.zone_from_text(b.aware_zone)
            rows.append(BreachRow(
                reference=b.reference, title=b.title, status=b.status, risk=b.risk,
                aware=b.aware_at.astimezone(zone),
                authority_due=b.authority_due.astimezone(zone) if b.authority_due else None,
                clock=dom.most_urgent(pending), affected=residents[b.id]["all"],
                special_categories=b.special_categories, regimes=tuple(b.regimes.split(",")),
                notified_authority=any(n.kind == "authority" for n in b.notifications)))
    if query.clock == "late":
        rows = [r for r in rows if r.clock_state == "red"]
    elif query.clock == "due-soon":
        rows = [r for r in rows if r.clock_state in ("red", "amber")]
    elif query.clock == "pending":
        rows = [r for r in rows if r.clock_state in ("red", "amber", "ok", "no-deadline")]
    order = {"red": 0, "amber": 1, "ok": 2, "no-deadline": 3, "done": 4, "not-required": 5}
    rows.sort(key=lambda r: (order.get(r.clock_state, 9),
                             r.clock.minutes_left if r.clock and r.clock.minutes_left is not None else 10**9))
    return rows


def history(ctx: AppContext, reference: str) -> list[audit.AuditEvent]:
    """The breach's audit trail, oldest first (the detail pane's timeline)."""
    return audit.history(ctx, ENTITY, dom.parse_reference(reference))


# -- the register export (Art. 33(5)) ----------------------------------------------------------------

REGISTER_COLUMNS = (
    "reference", "title", "status", "risk", "risk_reasoning", "aware", "aware_zone", "authority_due",
    "occurred_from", "occurred_to", "discovery", "nature", "description", "data_categories",
    "special_categories", "subject_categories", "subjects_approx", "records_approx", "consequences",
    "measures", "measures_proposed", "contact_name", "contact_email", "contact_phone", "countries",
    "authorities", "regimes", "exemptions", "exemption_reasoning", "incident_type", "cyber_incident",
    "ongoing", "unintelligible", "processor", "others_informed", "law_enforcement_delay", "affected_people", "authority_notified_at",
    "authority_late", "delay_reasons", "individuals_notified", "notifications", "clock",
)
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _cell(v: Any) -> str:
    """CSV cells that a spreadsheet would run as a formula are prefixed with a quote."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    text = str(v)
    return "'" + text if _FORMULA.match(text) else text


def register_rows(ctx: AppContext, now: datetime | None = None) -> list[dict[str, str]]:
    now = _now(now)
    out: list[dict[str, str]] = []
    with ctx.db.session() as s:
        refs = list(s.scalars(select(Breach.reference).order_by(Breach.aware_at)))
    for ref in refs:
        d = get_breach(ctx, ref, now)
        j = d.to_json()
        auth = [n for n in d.notifications if n.kind == "authority"]
        indiv = sum(n.count for n in d.notifications if n.kind == "individuals")
        urgent = dom.most_urgent(d.clocks)
        row = {k: j.get(k) for k in REGISTER_COLUMNS if k in j}
        row.update(
            data_categories="; ".join(c.label + (" [special]" if c.special else "") for c in d.data_categories),
            nature=", ".join(d.nature), subject_categories="; ".join(d.subject_categories),
            contact_name=d.contact_name, contact_email=d.contact_email, contact_phone=d.contact_phone,
            countries=", ".join(d.countries), authorities="; ".join(d.authorities),
            regimes=", ".join(d.regimes), exemptions=", ".join(d.exemptions),
            affected_people=d.affected,
            authority_notified_at=auth[0].sent_at.isoformat(timespec="minutes") if auth else "",
            authority_late=any(n.late for n in auth), delay_reasons=" ".join(n.delay_reasons for n in auth if n.delay_reasons),
            individuals_notified=indiv,
            notifications=" | ".join(f"{n.sent_at.isoformat(timespec='minutes')} {n.kind} {n.phase} to {n.recipient}"
                                     f"{' (' + n.document_file + ' sha256 ' + n.document_sha256 + ')' if n.document_file else ''}"
                                     for n in d.notifications),
            clock=(f"{urgent.kind.label}: {urgent.describe()}" if urgent else ""),
        )
        out.append({k: _cell(row.get(k)) for k in REGISTER_COLUMNS})
    return out


def export_register(ctx: AppContext, path: Path, now: datetime | None = None) -> int:
    """Write every breach to a CSV file (atomically, owner-only); returns the number of rows."""
    from privdesk.documents.breach import write_private

    rows = register_rows(ctx, now)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(REGISTER_COLUMNS), lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    write_private(Path(path), buf.getvalue().encode("utf-8-sig"))
    log.info("register exported: %d breaches", len(rows))
    return len(rows)


# -- affected people -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """Someone to tell: only what is needed to reach them."""

    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    language: str = ""
    region: str = ""


@dataclass(frozen=True)
class AffectedView:
    id: int
    name: str
    email: str
    phone: str
    address: str
    language: str
    region: str
    source: str
    notified_at: datetime | None
    notice_file: str
    notice_sha256: str

    @property
    def california(self) -> bool:
        return self.region == CALIFORNIA

    def person(self) -> Person:
        return Person(self.name, self.email, self.phone, self.address, self.language, self.region)


@dataclass(frozen=True)
class AddResult:
    """What an import did: new people, duplicates merged into existing ones, rows refused."""

    added: int
    merged: int
    problems: tuple[str, ...] = ()

    def message(self) -> str:
        text = f"{self.added} added, {self.merged} duplicates merged"
        if self.problems:
            text += f", {len(self.problems)} rows skipped"
        return text


_COLUMN_ALIASES = {
    "name": "name", "full_name": "name", "fullname": "name", "subject_name": "name", "nome": "name",
    "email": "email", "e-mail": "email", "e_mail": "email", "mail": "email", "email_address": "email",
    "phone": "phone", "telephone": "phone", "mobile": "phone", "phone_number": "phone", "telefone": "phone",
    "address": "address", "postal_address": "address", "postal address": "address", "endereco": "address",
    "language": "language", "lang": "language", "locale": "language", "idioma": "language",
    "region": "region", "state": "region", "country": "region", "jurisdiction": "region",
    "identifier": "identifier", "value": "identifier",  # not "id": a customer number is not a phone
}
_US_STATES = {"CA": CALIFORNIA, "CALIFORNIA": CALIFORNIA}


def _region(value: str) -> str:
    v = value.strip().upper()
    if not v:
        return ""
    if v in _US_STATES:
        return _US_STATES[v]
    if re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", v):
        return v
    return v[:10]


def read_people_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, comma or semicolon) with its columns mapped to name/email/phone/..."""
    try:
        raw = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError:
        raise ValidationError(f"{Path(path).name} is not UTF-8 text; save the CSV as UTF-8.") from None
    if not raw.strip():
        raise ValidationError(f"{Path(path).name} is empty.")
    try:
        dialect = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment, unused-ignore]
    reader = csv.reader(io.StringIO(raw), dialect)
    rows = list(reader)
    header = [h.strip().casefold() for h in rows[0]]
    mapped = [_COLUMN_ALIASES.get(h, _COLUMN_ALIASES.get(h.replace(" ", "_"), "")) for h in header]
    if not any(mapped):
        # No header: a bare list of identifiers, one a line.
        return [{"identifier": r[0]} for r in rows if r and r[0].strip()]
    out = []
    for r in rows[1:]:
        if not any(c.strip() for c in r):
            continue
        out.append({m: (r[i].strip() if i < len(r) else "") for i, m in enumerate(mapped) if m})
    return out


def _clean_person(raw: Mapping[str, Any], region_default: str | None) -> tuple[Person, set[str]]:
    name = " ".join(str(raw.get("name") or "").split())
    email = str(raw.get("email") or "").strip()
    phone = str(raw.get("phone") or "").strip()
    ident = str(raw.get("identifier") or "").strip()
    if ident and not email and not phone:
        if "@" in ident:
            email = ident
        else:
            phone = ident
    if email:
        problem = email_problem(email)
        if problem:
            raise ValidationError(problem)
        email = normalise_email(email)
    if phone:
        problem = phone_problem(phone)
        if problem:
            raise ValidationError(problem)
        phone = normalise_phone(phone, region_default)
    address = "\n".join(line.strip() for line in str(raw.get("address") or "").replace("\\n", "\n").splitlines()
                        if line.strip())
    language = str(raw.get("language") or "").strip().lower()[:10]
    region = _region(str(raw.get("region") or ""))
    if not (name or email or phone):
        raise ValidationError("the row has no name, e-mail or phone")
    if not (email or phone or address):
        raise ValidationError("the row has no way to reach the person (e-mail, phone or postal address)")
    keys = set()
    if email:
        keys.add("e:" + email)
    if phone:
        keys.add("p:" + phone)
    if not keys:
        keys.add("n:" + normalise_name(name) + "|" + normalise_name(address))
    return Person(name, email, phone, address, language, region), keys


def _keys_of(p: AffectedPerson) -> set[str]:
    keys = set()
    if p.email:
        keys.add("e:" + p.email)
    if p.phone:
        keys.add("p:" + p.phone)
    if not keys:
        keys.add("n:" + normalise_name(p.name) + "|" + normalise_name(p.address))
    return keys


def add_affected(ctx: AppContext, reference: str, people: Iterable[Mapping[str, Any] | Person],
                 actor: str, source: str = "csv") -> AddResult:
    """Add people, merging duplicates on normalised e-mail and phone (existing or in this batch).

    A merged duplicate fills only the fields the stored person lacks. Rows that cannot be used
    are reported with their number, and do not stop the others.
    """
    from privdesk.services.settings import get_profile

    region_default = get_profile(ctx).holidays_country or None
    added = merged = 0
    problems: list[str] = []
    with _unit(ctx) as s:
        b = _load(s, reference)
        index: dict[str, AffectedPerson] = {}
        for p in s.scalars(select(AffectedPerson).where(AffectedPerson.breach_id == b.id)):
            for k in _keys_of(p):
                index.setdefault(k, p)
        for i, raw in enumerate(people, start=1):
            data = asdict(raw) if isinstance(raw, Person) else raw
            try:
                person, keys = _clean_person(data, region_default)
            except ValidationError as exc:
                problems.append(f"row {i}: {exc.message}")
                continue
            existing = next((index[k] for k in keys if k in index), None)
            if existing is not None:
                for f in ("name", "email", "phone", "address", "language", "region"):
                    if not getattr(existing, f) and getattr(person, f):
                        setattr(existing, f, getattr(person, f))
                if existing.name.isupper() and person.name and not person.name.isupper():
                    existing.name = person.name  # "ZOË ØDEGÅRD" from one system, "Zoë Ødegård" from another
                merged += 1
                target = existing
            else:
                target = AffectedPerson(breach_id=b.id, source=source, **asdict(person))
                s.add(target)
                added += 1
            for k in keys | _keys_of(target):
                index.setdefault(k, target)
        s.flush()
        audit.append(s, actor, ENTITY, b.reference, "affected-add",
                     {"source": (None, source), "added": (None, added), "merged": (None, merged),
                      **({"skipped": (None, len(problems))} if problems else {})})
    log.info("breach %s: %d affected added, %d merged, %d skipped", reference, added, merged, len(problems))
    return AddResult(added, merged, tuple(problems))


def import_affected_csv(ctx: AppContext, reference: str, path: Path, actor: str) -> AddResult:
    """A CSV of people (name, email, phone, postal address, language, region/state)."""
    rows = read_people_csv(path)
    if rows and not any(r.get("name") or r.get("address") for r in rows):
        # Identifiers only: names and addresses come from the subject search when there is one.
        try:
            return add_affected_from_identifiers(ctx, reference, rows, actor)
        except SearchUnavailable:
            log.info("no subject search available; identifiers imported as they are")
    return add_affected(ctx, reference, rows, actor, source="csv")


class SearchUnavailable(ValidationError):
    """No subject search to run identifiers through (no connected databases)."""

    def __init__(self) -> None:
        super().__init__("There are no connected databases to search. Add a connection in the Search "
                         "area, or import a CSV that has the people's names and addresses.")


SearchFn = Callable[[AppContext, Mapping[str, str]], list[Mapping[str, Any]]]


def people_from_matches(matches: Iterable[Any]) -> list[dict[str, str]]:
    """The contact details in the rows a subject search matched directly (not via foreign keys).

    Columns are read by their names (``privdesk.discovery.classify``); first and last names are
    joined. Everything else in the row is left behind: the register stores people minimally.
    """
    from privdesk.discovery import classify

    people: list[dict[str, str]] = []
    for m in matches:
        if getattr(m, "depth", 0) or getattr(m, "via", None) is not None:
            continue
        found: dict[str, str] = {}
        first = last = ""
        for column, value in m.row.items():
            if value is None or str(value).strip() == "":
                continue
            kind = classify.classify_name(column, m.table)
            text = str(value).strip()
            if kind == classify.EMAIL:
                found.setdefault("email", text)
            elif kind == classify.PHONE:
                found.setdefault("phone", text)
            elif kind == classify.FULL_NAME:
                found.setdefault("name", text)
            elif kind == classify.FIRST_NAME:
                first = first or text
            elif kind == classify.LAST_NAME:
                last = last or text
            elif kind in (classify.ADDRESS, classify.POSTCODE):
                found["address"] = (found.get("address", "") + "\n" + text).strip()
        if "name" not in found and (first or last):
            found["name"] = f"{first} {last}".strip()
        if found:
            people.append(found)
    return people


def add_affected_from_matches(ctx: AppContext, reference: str, matches: Iterable[Any], actor: str) -> AddResult:
    """Add the people of a subject search result (``SearchResult.matches``) to a breach."""
    return add_affected(ctx, reference, people_from_matches(matches), actor, source="search")


def _subject_search(ctx: AppContext) -> SearchFn:
    """The subject search of ``privdesk.services.discovery`` as {email/phone} -> people found."""
    try:
        from privdesk.services import discovery as disc
    except ImportError:
        raise SearchUnavailable() from None
    if not disc.list_connections(ctx):
        raise SearchUnavailable()

    def run(c: AppContext, ident: Mapping[str, str]) -> list[Mapping[str, Any]]:
        value = (ident.get("email") or ident.get("phone") or ident.get("identifier") or "").strip()
        if not value:
            return []
        email = value if "@" in value else ""
        query = disc.make_query(c, emails=[email] if email else [], phones=[] if email else [value])
        result = disc.search(c, query)
        return list(people_from_matches(result.matches))

    return run


def add_affected_from_identifiers(ctx: AppContext, reference: str, identifiers: Iterable[Mapping[str, str]],
                                  actor: str, search: SearchFn | None = None) -> AddResult:
    """Run each e-mail/phone through the subject search and add the people it finds.

    ``search(ctx, {"email": ..., "phone": ...})`` returns matches as dicts with name, email, phone
    and address. Without a search (none configured), the identifiers are added as they are.
    """
    fn = search or _subject_search(ctx)
    people: list[Mapping[str, Any]] = []
    for ident in identifiers:
        found = fn(ctx, ident)
        people.extend(found or [ident])
    return add_affected(ctx, reference, people, actor, source="search")


def _view(p: AffectedPerson) -> AffectedView:
    return AffectedView(p.id, p.name, p.email, p.phone, p.address, p.language, p.region, p.source,
                        p.notified_at, p.notice_file, p.notice_sha256)


def list_affected(ctx: AppContext, reference: str, offset: int = 0, limit: int | None = None) -> list[AffectedView]:
    with ctx.db.session() as s:
        b = _load(s, reference)
        q = select(AffectedPerson).where(AffectedPerson.breach_id == b.id).order_by(AffectedPerson.id).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return [_view(p) for p in s.scalars(q)]


def iter_affected(ctx: AppContext, reference: str, chunk: int = 1000,
                  only_pending: bool = False) -> Iterator[list[AffectedView]]:
    """The affected people in chunks (keyset paging), so a batch never holds them all."""
    with ctx.db.session() as s:
        bid = _load(s, reference).id
    last = 0
    while True:
        with ctx.db.session() as s:
            q = (select(AffectedPerson).where(AffectedPerson.breach_id == bid, AffectedPerson.id > last)
                 .order_by(AffectedPerson.id).limit(chunk))
            if only_pending:
                q = q.where(AffectedPerson.notified_at.is_(None))
            batch = [_view(p) for p in s.scalars(q)]
        if not batch:
            return
        yield batch
        last = batch[-1].id


def count_affected(ctx: AppContext, reference: str, only_pending: bool = False) -> int:
    with ctx.db.session() as s:
        b = _load(s, reference)
        q = select(func.count()).select_from(AffectedPerson).where(AffectedPerson.breach_id == b.id)
        if only_pending:
            q = q.where(AffectedPerson.notified_at.is_(None))
        return int(s.scalar(q) or 0)


def mark_notified(ctx: AppContext, reference: str, results: Iterable[tuple[int, str, str]],
                  at: datetime) -> int:
    """Store on each person the notice file and SHA-256 written for them, in one bulk UPDATE
    (no audit entry here: the batch's notification record carries the manifest's hash)."""
    rows = list(results)
    if not rows:
        return 0
    with _unit(ctx) as s:
        b = _load(s, reference)
        ids = {pid for pid, _f, _h in rows}
        own = set(s.scalars(select(AffectedPerson.id).where(AffectedPerson.breach_id == b.id,
                                                            AffectedPerson.id.in_(ids))))
        params = [{"id": pid, "notified_at": at, "notice_file": file, "notice_sha256": sha}
                  for pid, file, sha in rows if pid in own]
        if params:
            s.execute(update(AffectedPerson), params)
    return len(params)


def remove_affected(ctx: AppContext, reference: str, person_id: int, actor: str) -> None:
    with _unit(ctx) as s:
        b = _load(s, reference)
        p = s.get(AffectedPerson, person_id)
        if p is None or p.breach_id != b.id:
            raise NotFoundError(f"{b.reference} has no affected person number {person_id}.")
        s.delete(p)
        audit.append(s, actor, ENTITY, b.reference, "affected-remove", {"person": (person_id, None)})


# -- demo ------------------------------------------------------------------------------------------

def seed_demo_breaches(ctx: AppContext) -> str:
    """Demo step: three breaches in different states, one with affected people.

    Awareness is set relative to now so that the register shows a live clock (amber), a
    notified breach and a closed low-risk one. Idempotent: nothing is added when breaches exist.
    """
    from datetime import timedelta

    with ctx.db.session() as s:
        if s.scalar(select(func.count()).select_from(Breach)):
            return "breaches: already present"
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    actor = "dpo@northwind.example"
    live = add_breach(ctx, dom.BreachInput(
        title="Customer export e-mailed to the wrong agency", aware=now - timedelta(hours=52),
        nature="confidentiality", description=(
            "A marketing analyst sent a spreadsheet of 1,840 loyalty customers to a former agency "
            "instead of the current one. The agency confirmed receipt and deletion by phone."),
        data_categories="identifiers, contact, Loyalty tier and points", subject_categories="customers",
        subjects_approx=1840, records_approx=1840, consequences="Unwanted marketing and phishing attempts.",
        measures="Agency asked to delete and confirm in writing; mail rule now warns on external attachments.",
        measures_proposed="Data-sharing checklist for campaign exports.", risk="high",
        risk_reasoning="Contact details of many customers with a real phishing risk.", incident_type="E-mail to the wrong recipient",
        discovery="The former agency called our marketing team.", cyber_incident="no", countries="GB"), actor)
    add_affected(ctx, live.reference, [
        {"name": "Zoë Ødegård", "email": "zoe.odegard@example.com", "address": "3 Fjord Road\nBergen", "language": "en"},
        {"name": "Łukasz Wróbel", "email": "lukasz.wrobel@example.pl", "address": "ul. Długa 5\nGdańsk"},
        {"name": "Ζωή Παπαδοπούλου", "email": "zoi@example.gr"},
        {"name": "Дмитрий Иванов", "email": "dmitry@example.ru"},
        {"name": "Carla Díaz", "email": "carla.diaz@example.com", "address": "1 Main St\nFresno, CA 93701", "region": "CA"},
    ], actor, source="demo")
    notified = add_breach(ctx, dom.BreachInput(
        title="Ransomware on the HR file server", aware=now - timedelta(days=9), nature="availability,confidentiality",
        description="Ransomware encrypted the HR share; attackers claim to have copied files.",
        data_categories="identifiers, health, financial", subject_categories="employees",
        subjects_approx=214, records_approx=5200, consequences="Identity fraud; exposure of sickness records.",
        measures="Server isolated, restored from backup; police informed.", risk="high",
        risk_reasoning="Health data of employees (special category).", incident_type="Ransomware",
        cyber_incident="yes", others_informed="Action Fraud", countries="GB", status="contained"), actor)
    record_notification(ctx, notified.reference, "authority", actor, sent_at=now - timedelta(days=8, hours=2),
                        document_file=f"{notified.reference}-authority.pdf", case_reference="ICO/2026/4471")
    add_breach(ctx, dom.BreachInput(
        title="Lost encrypted laptop", aware=now - timedelta(days=30), nature="availability",
        description="A sales laptop with full-disk encryption was left on a train.",
        data_categories="contact", subject_categories="customers", subjects_approx=60, records_approx=60,
        consequences="None expected: the disk is encrypted.", measures="Device wiped remotely.",
        risk="none", risk_reasoning="Full-disk encryption; the key was not on the device.", unintelligible=True,
        status="closed"), actor)
    return "breaches: 3 recorded (one clock running, one notified, one closed), 5 affected people"
