"""Notices sent (to the authority, to the people, to the Attorney General): whether one is late,
and recording it with its phase, reasons for delay and document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo

from privdesk.domain import breach as dom
from privdesk.errors import ValidationError
from privdesk.services import audit
from privdesk.services.breaches.common import _load, _notification, _now, _regimes, _sent, _unit
from privdesk.services.breaches.values import ENTITY, NotificationRecord
from privdesk.services.context import AppContext
from privdesk.store import audit as store_audit
from privdesk.store.breach_models import Breach, BreachNotification

log = logging.getLogger("privdesk.breaches")


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
                               notes=notes.strip(), recorded_by=actor,
                               audit_head=store_audit.head(s)[1])  # the head it was sent under
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


