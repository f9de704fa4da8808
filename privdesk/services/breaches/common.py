"""What every breach room shares: the local time zone, loading a breach under its version number,
turning a row into a plain :class:`BreachDetail` with its clocks computed at read time, and the
conversion between the domain's validated record and the row's columns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from privdesk.domain import breach as dom
from privdesk.errors import ConflictError, NotFoundError, ValidationError
from privdesk.services.breaches.values import CALIFORNIA, BreachDetail, NotificationRecord
from privdesk.services.context import AppContext
from privdesk.store.breach_models import AffectedPerson, Breach, BreachNotification


def organisation_zone(ctx: AppContext) -> tzinfo:
    """The organisation's time zone (Settings → Time zone), else this computer's: the zone a
    moment typed without an offset is read in, in the window and on the command line."""
    from privdesk.services.settings import get_settings

    name = get_settings(ctx).get("org.timezone", "")
    try:
        return ZoneInfo(name) if name else local_zone()
    except (ValueError, OSError, KeyError):
        return local_zone()


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


