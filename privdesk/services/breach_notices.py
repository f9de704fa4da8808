"""Writing breach notices: the authority notification and the batch of individual notices.

Each notice written is recorded on the breach (recipient, time, file name, SHA-256) through
:func:`privdesk.services.breaches.record_notification`, so the register shows it and the audit
trail keeps its hash. A late initial notice without reasons for the delay is refused before
anything is written.

The batch renders one PDF per person (in worker processes when asked) and a mail-merge manifest,
or one combined PDF for printing. It reports progress through a plain callable and stops when a
``threading.Event`` is set, so the window can run it with ``privdesk.ui.workers.run_task``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from privdesk.domain import breach as dom
from privdesk.domain import breach_legal as legal
from privdesk.errors import ValidationError
from privdesk.services import breaches as svc
from privdesk.services import notice_batches as nb
from privdesk.services.breaches.legal_facts import get_legal
from privdesk.services.context import AppContext

if TYPE_CHECKING:  # the PDF layout (reportlab) loads with the first notice, not with the Breaches area
    from privdesk.documents import breach as docs

log = logging.getLogger("privdesk.breaches.notices")

Progress = Callable[[int, int, str], None]
MANIFEST_COLUMNS = ("name", "email", "address", "language", "file", "sha256")


def _date(d: datetime) -> str:
    return f"{d.day} {d:%B %Y}"


def _moment(d: datetime) -> str:
    z = f"{d:%z}"
    zone = "UTC" if z in ("", "+0000") else f"UTC{z[:3]}:{z[3:]}"
    return f"{d.day} {d:%B %Y at %H:%M} ({zone})"


def _count(n: int | None, what: str) -> str:
    return f"about {n:,} {what}" if n is not None else "not yet known"


def notice_data(ctx: AppContext, d: svc.BreachDetail, at: datetime, phase: str = "initial",
                delay_reasons: str = "", case_reference: str = "", regime: str | None = None) -> docs.NoticeData:
    """Everything a notice says about the breach, as plain text values and flags."""
    from privdesk.documents import breach as docs  # reportlab loads with the first notice
    from privdesk.services.settings import get_profile

    profile = get_profile(ctx)
    facts = get_legal(ctx, d.reference)
    local = d.local(at)
    regimes = [dom.get_regime(r) for r in d.regimes]
    reg = next((r for r in regimes if r.id == regime), None) or next(
        (r for r in regimes if r.rule(dom.NoticeKind.AUTHORITY)), regimes[0])
    rule = reg.rule(dom.NoticeKind.AUTHORITY)
    clock = d.clock(dom.NoticeKind.AUTHORITY, reg.id)
    due = clock.due if clock else None
    late = bool(due is not None and at > due and phase == "initial")
    keys = {c.key for c in d.data_categories}
    special = [c.label for c in d.data_categories if c.special]
    if d.occurred_from and d.occurred_to:
        occurred = f"from {_moment(d.occurred_from)} to {_moment(d.occurred_to)}"
    elif d.occurred_from:
        occurred = f"from {_moment(d.occurred_from)}" + (" (still ongoing)" if d.ongoing else "")
    else:
        occurred = "at a time not yet known"
    indiv = d.clock(dom.NoticeKind.INDIVIDUALS)
    told = [n for n in d.notifications if n.kind == "individuals"]
    if told:
        # one batch is recorded once per regime it answers: count this regime's, not their sum
        per_regime: dict[str, int] = {}
        for n in told:
            per_regime[n.regime] = per_regime.get(n.regime, 0) + n.count
        people = per_regime.get(reg.id, max(per_regime.values()))
        individuals = f"Yes: {people:,} people told, first on {_date(told[0].sent_at)}."
    elif indiv is not None and indiv.required:
        individuals = f"Not yet; they will be told {indiv.deadline_text} ({indiv.citation})."
    elif d.exemptions:
        individuals = "No: we decided not to tell them individually, relying on an Art. 34(3) exception (below)."
    else:
        individuals = "No: the breach is not likely to result in a high risk to them."
    exemptions = "; ".join(dom.Exemption(e).label for e in d.exemptions)
    if exemptions and d.exemption_reasoning:
        exemptions += f". Reasoning: {d.exemption_reasoning}"
    contact_phone_text = f", phone {d.contact_phone}" if d.contact_phone else ""
    deadline = rule.deadline_text if rule else "the deadline"
    values = {
        "reference": d.reference, "title": d.title, "notice_date": _date(local),
        "org_name": profile.org_name, "org_address": profile.org_address,
        "org_address_line": profile.org_address.replace("\n", ", "),
        "org_contact": " · ".join(x for x in (profile.org_email, profile.org_phone) if x),
        "contact_name": d.contact_name, "contact_email": d.contact_email, "contact_phone": d.contact_phone,
        "contact_phone_text": contact_phone_text,
        # The profile names the organisation's (GDPR) lead authority; other laws name their own.
        "authority_name": (profile.authority_name if reg.id in ("gdpr", "uk-gdpr") and profile.authority_name
                           else reg.authority_label.removeprefix("the ")),
        "authority_address": profile.authority_address if reg.id in ("gdpr", "uk-gdpr") else "",
        "description": d.description, "occurred_text": occurred, "aware_date": _date(d.aware),
        "aware_text": _moment(d.aware), "consequences": d.consequences or "Not yet known.",
        "measures": d.measures or "Not yet decided.", "measures_proposed": d.measures_proposed,
        "categories_text": "; ".join(c.label for c in d.data_categories) or "not yet known",
        "law_enforcement_text": ("This notice was delayed at the request of law enforcement."
                                 if d.law_enforcement_delay or facts.law_enforcement_delay else
                                 "This notice was not delayed because of a law enforcement investigation."),
        "security_measures": facts.security_measures or "Not yet recorded.",
        "identity_services": facts.identity_services,
        "service_months": str(facts.service_months),
        "delay_text": facts.delay_text(),
        "phase_text": "initial notification" if phase == "initial" else "follow-up notification (completing our earlier notice)",
        "case_reference": case_reference, "regime_name": reg.name,
        "citation_notify": rule.citation if rule else reg.documentation_citation,
        "citation_content": (rule.content_citation or rule.citation) if rule else "",
        "citation_phased": (rule.phased_citation or rule.citation) if rule else "",
        "documentation_citation": reg.documentation_citation,
        "due_text": f"{_moment(d.local(due))} ({rule.deadline_text})" if due and rule else deadline,
        "late_text": ("Not applicable: this follow-up completes our earlier notice (phased notification)"
                      if phase != "initial" else
                      f"No: {dom.format_left(dom.minutes_between(at, due))}" if late and due
                      else "Yes" if due else "Not applicable"),
        "deadline_words": f"the deadline of {_moment(d.local(due))}" if due else "the deadline",
        "delay_reasons": delay_reasons, "processor": d.processor or "None",
        "others_informed": d.others_informed or "None", "discovery": d.discovery,
        "ongoing_text": "Yes" if d.ongoing else "No",
        "incident_type": d.incident_type, "cyber_text": d.cyber_incident.capitalize(),
        "nature_text": ", ".join(f"loss of {n}" for n in d.nature),
        "special_text": "Yes: " + "; ".join(special) if special else "No",
        "records_text": _count(d.records_approx, "records"),
        "subject_categories_text": "; ".join(d.subject_categories) or "not yet known",
        "subjects_text": _count(d.subjects_approx, "people"),
        "unintelligible_text": "Yes" if d.unintelligible else "No",
        "risk_text": f"{dom.Risk(d.risk).label.capitalize()}", "risk_reasoning": d.risk_reasoning,
        "individuals_text": individuals, "exemptions_text": exemptions or "None",
        "countries_text": ", ".join(d.countries) or "not recorded",
        "authorities_text": "; ".join(d.authorities) or "not recorded",
    }
    flags = {k.replace("-", "_") for k in keys if k in ("credentials", "financial", "official-documents", "contact", "health")}
    if late:
        flags.add("late")
    flags.add("initial" if phase == "initial" else "follow_up")
    if rule is not None and rule.phased:
        flags.add("phased")
    if d.measures_proposed:
        flags.add("has_measures_proposed")
    if special:
        flags.add("special")
    if d.law_enforcement_delay or facts.law_enforcement_delay:
        flags.add("law_enforcement_delay")
    if "lgpd" in d.regimes:
        flags.add("lgpd")
    if any(c.kind is dom.NoticeKind.INDIVIDUALS and c.required and c.due is not None and at > c.due
           for c in d.clocks):
        flags.add("individuals_late")
    if legal.services_required(facts, d.regimes, keys):
        flags.add("offer_services")
    if facts.delays:
        flags.add("has_delay")
    advice_map = docs.load_advice()
    advice = [*(a for k in sorted(keys) for a in advice_map.get(k, ())), *advice_map.get("always", ())]
    languages = {lang: text for lang in docs.shipped_languages()
                 if (text := _local_text(d, lang, keys)) is not None}
    return docs.NoticeData(values=values, flags=frozenset(flags),
                           categories=tuple(c.label for c in d.data_categories) or ("not yet known",),
                           advice=tuple(advice), profile=profile, languages=languages, regime=reg.id)


def _local_text(d: svc.BreachDetail, lang: str, keys: set[str]) -> docs.LocalText | None:
    """The dates, categories and advice of an individual notice in ``lang`` (its wording file)."""
    from privdesk.documents import breach as docs  # reportlab loads with the first notice
    w = docs.load_language(lang)
    if w is None:
        return None

    def date(x: datetime) -> str:
        return str(w["date"]).format(day=x.day, month=w["months"][x.month - 1], year=x.year)

    def moment(x: datetime) -> str:
        z = f"{x:%z}"
        zone = "UTC" if z in ("", "+0000") else f"UTC{z[:3]}:{z[3:]}"
        return str(w["moment"]).format(date=date(x), time=f"{x:%H:%M}", zone=zone)

    if d.occurred_from and d.occurred_to:
        occurred = str(w["occurred_range"]).format(start=moment(d.occurred_from), end=moment(d.occurred_to))
    elif d.occurred_from:
        occurred = str(w["occurred_from"]).format(start=moment(d.occurred_from)) + (
            str(w["occurred_ongoing"]) if d.ongoing else "")
    else:
        occurred = str(w["occurred_unknown"])
    labels: Mapping[str, str] = w["categories"]
    advice_map: Mapping[str, list[str]] = w["advice"]
    values = {
        "aware_date": date(d.aware), "occurred_text": occurred,
        "contact_phone_text": str(w["phone"]).format(phone=d.contact_phone) if d.contact_phone else "",
        "consequences": d.consequences or str(w["not_known"]),
        "measures": d.measures or str(w["not_decided"]),
        "categories_text": "; ".join(labels.get(c.key, c.label) for c in d.data_categories)
        or str(w["categories_unknown"]),
    }
    categories = tuple(labels.get(c.key, c.label) for c in d.data_categories) or (str(w["categories_unknown"]),)
    advice = (*(a for k in sorted(keys) for a in advice_map.get(k, ())), *advice_map.get("always", ()))
    return docs.LocalText(values, categories, tuple(str(a) for a in advice), str(w["page"]))


# -- the authority notification ---------------------------------------------------------------------

@dataclass(frozen=True)
class WrittenNotice:
    path: Path
    sha256: str
    pages: int
    late: bool
    warnings: tuple[str, ...]
    notification: svc.NotificationRecord | None


def notify_authority(ctx: AppContext, reference: str, out: Path, actor: str, phase: str = "initial",
                     delay_reasons: str = "", case_reference: str = "", regime: str | None = None,
                     now: datetime | None = None, record: bool = True) -> WrittenNotice:
    """Write the notification to the supervisory authority and record it as sent now."""
    from privdesk.documents import breach as docs  # reportlab loads with the first notice
    at = svc._now(now)
    ph = dom.Phase.parse(phase)
    check = svc.check_late(ctx, reference, dom.NoticeKind.AUTHORITY, at, regime, ph.value)
    if check.reasons_required and len(delay_reasons.strip()) < 10:
        due = check.due
        assert due is not None
        raise ValidationError(
            f"The notification to the authority is late by "
            f"{dom.format_left(dom.minutes_between(at, due)).removeprefix('late by ')} (it was due "
            f"{due.isoformat(timespec='minutes')}); {check.citation} requires the reasons for the delay. "
            "Give them with --delay-reasons.")
    d = svc.get_breach(ctx, reference, now=at)
    if ph is dom.Phase.INITIAL and not d.required(dom.NoticeKind.AUTHORITY):
        log.info("breach %s: authority notice written although not required", d.reference)
    data = notice_data(ctx, d, at, ph.value, delay_reasons.strip(), case_reference, check.regime)
    notice = docs.render_authority_notice(data)
    sha = docs.write_private(Path(out), notice.pdf)
    rec = None
    if record:
        rec = svc.record_notification(ctx, d.reference, dom.NoticeKind.AUTHORITY, actor, sent_at=at,
                                      phase=ph.value, regime=check.regime, document_file=Path(out).name,
                                      document_sha256=sha, delay_reasons=delay_reasons,
                                      case_reference=case_reference, now=at)
    return WrittenNotice(Path(out), sha, notice.pages, check.late, notice.warnings, rec)


# -- individual notices -----------------------------------------------------------------------------

def write_sample_notice(ctx: AppContext, reference: str, out: Path, california: bool = True,
                        language: str = "", now: datetime | None = None) -> WrittenNotice:
    """A notice with placeholders instead of a person: the sample copy the California Attorney
    General receives when more than 500 residents are notified (Cal. Civ. Code § 1798.82(f)).
    Record it with ``record_notification(kind="attorney-general")`` once submitted."""
    from privdesk.documents import breach as docs  # reportlab loads with the first notice
    at = svc._now(now)
    d = svc.get_breach(ctx, reference, now=at)
    data = notice_data(ctx, d, at)
    sample = docs.Recipient(0, "[Name of the resident]", "", "[Postal address]", language, california)
    notice = docs.render_person_notice(data, sample)
    sha = docs.write_private(Path(out), notice.pdf)
    return WrittenNotice(Path(out), sha, notice.pages, False, notice.warnings, None)


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a batch: how many written, who failed and why, the manifest or combined file."""

    total: int
    written: int
    failed: tuple[docs.PersonOutcome, ...]
    manifest: Path | None
    combined: Path | None
    sha256: str
    cancelled: bool
    seconds: float
    warnings: tuple[str, ...] = ()
    notifications: tuple[svc.NotificationRecord, ...] = field(default_factory=tuple)
    note: str = ""  # said instead of the counts when the run had nothing to do

    @property
    def rate(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0

    def message(self) -> str:
        if self.note:
            return self.note
        text = f"{self.written} of {self.total} notices written"
        if self.failed:
            text += f", {len(self.failed)} failed"
        if self.cancelled:
            text += " (cancelled)"
        return text


def _recipients(views: Sequence[svc.AffectedView], california_all: bool) -> list[docs.Recipient]:
    from privdesk.documents import breach as docs  # reportlab loads with the first notice
    return [docs.Recipient(v.id, v.name, v.email, v.address, v.language, california_all or v.california)
            for v in views]


def _individual_regimes(d: svc.BreachDetail) -> list[dom.BreachRegime]:
    return [r for r in (dom.get_regime(x) for x in d.regimes) if r.rule(dom.NoticeKind.INDIVIDUALS)]


def check_subjects_late(ctx: AppContext, reference: str, at: datetime, delay_reasons: str) -> None:
    """Refuse before writing anything when the individuals' notice is late without reasons."""
    d = svc.get_breach(ctx, reference, now=at)
    for r in _individual_regimes(d):
        check = svc.check_late(ctx, reference, dom.NoticeKind.INDIVIDUALS, at, r.id)
        if check.reasons_required and len(delay_reasons.strip()) < 10:
            assert check.due is not None
            raise ValidationError(
                f"The notice to individuals under {r.short_name} is late (it was due "
                f"{check.due.isoformat(timespec='minutes')}); {check.citation} requires the reasons for "
                "the delay. Give them with --delay-reasons.")


def notify_subjects(ctx: AppContext, reference: str, actor: str, out_dir: Path | None = None,
                    combined: Path | None = None, progress: Progress | None = None,
                    cancel: threading.Event | None = None, processes: int = 1, chunk: int = 200,
                    delay_reasons: str = "", only_pending: bool = False, now: datetime | None = None,
                    record: bool = True) -> BatchResult:
    """Write every affected person's notice: one PDF each in ``out_dir`` with ``manifest.csv``,
    and/or one ``combined`` PDF. Errors for one person are collected, not raised."""
    from privdesk.documents import breach as docs  # reportlab loads with the first notice
    if out_dir is None and combined is None:
        raise ValidationError("Say where the notices go: a folder (--out-dir) or a combined PDF (--combined).")
    at = svc._now(now)
    # With a folder and a record the batch is resumable: each chunk commits its marks, records and
    # audit entry together, and an unfinished batch is completed by the next run.
    unfinished = nb.running_batch(ctx, reference) if record and out_dir is not None else None
    if unfinished is not None and unfinished.out_dir != str(Path(out_dir or ".").resolve()):
        # The officer carries on in another folder: the unfinished batch keeps what it did (its
        # manifest in its own folder) and the people still pending go to a new batch.
        _close_batch(ctx, unfinished, actor)
        unfinished = None
    if unfinished is None and record and out_dir is not None:
        already = _folder_of_a_finished_batch(ctx, reference, Path(out_dir))
        if already is not None:
            return already
    if unfinished is not None:
        at, only_pending = unfinished.started_at, True
        delay_reasons = delay_reasons or unfinished.delay_reasons
    # A permitted delay recorded with its reason (Cal. Civ. Code 1798.82(a), (c)) is the reason.
    delay_reasons = delay_reasons.strip() or get_legal(ctx, reference).delay_text()
    check_subjects_late(ctx, reference, at, delay_reasons)
    d = svc.get_breach(ctx, reference, now=max(at, svc._now(None)))
    total = svc.count_affected(ctx, d.reference, only_pending) if only_pending else d.affected
    if d.affected == 0:
        raise ValidationError(f"{d.reference} has no affected people yet; add them first (breach affected-add).")
    if total == 0 and unfinished is None:
        raise ValidationError(f"Everyone affected by {d.reference} has been notified already.")
    batch = (nb.start_or_resume(ctx, d.reference, actor, at, Path(out_dir), delay_reasons)
             if record and out_dir is not None else None)
    if batch is not None:
        nb.remove_stale_temporaries(Path(out_dir or "."), d.reference)
    plans = [nb.RecordPlan(k.value, r.id, svc.check_late(ctx, d.reference, k, at, r.id).late)
             for r in _individual_regimes(d) or [dom.get_regime(d.regimes[0])]
             for k in [dom.NoticeKind.INDIVIDUALS if r.rule(dom.NoticeKind.INDIVIDUALS) else dom.NoticeKind.PUBLIC]]
    california_all = d.regimes == ("california",)
    problem = legal.services_problem(get_legal(ctx, d.reference), d.regimes, {c.key for c in d.data_categories})
    if problem:
        raise ValidationError(problem)
    data = notice_data(ctx, d, at, delay_reasons=delay_reasons.strip())
    started = time.perf_counter()
    outcomes_ok = 0
    failed: list[docs.PersonOutcome] = []
    warnings: list[str] = []
    cancelled = False
    manifest_path = Path(out_dir) / "manifest.csv" if out_dir is not None else None
    # The manifest is streamed to a temporary file beside its final name, so memory does not grow
    # with the number of people; it replaces the final name (owner-only) when the batch ends.
    manifest_tmp: Path | None = None
    if manifest_path is not None and batch is None:
        Path(out_dir or ".").mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp_name = tempfile.mkstemp(prefix=".manifest.", suffix=".tmp", dir=manifest_path.parent)
        os.close(fd)
        manifest_tmp = Path(tmp_name)
    sink = manifest_tmp.open("w", encoding="utf-8", newline="") if manifest_tmp else io.StringIO()
    writer = csv.writer(sink, lineterminator="\r\n")
    writer.writerow(MANIFEST_COLUMNS)
    combiner = docs.CombinedWriter(data, f"Breach notices {d.reference}") if combined is not None else None
    done = 0

    def report(message: str) -> None:
        if progress is not None:
            progress(done, total, message)

    def chunks() -> Iterator[list[docs.Recipient]]:
        for views in svc.iter_affected(ctx, d.reference, chunk=chunk, only_pending=only_pending):
            yield _recipients(views, california_all)

    def take(results: list[docs.PersonOutcome]) -> None:
        nonlocal outcomes_ok, done
        good = []
        for o in results:
            if o.error:
                failed.append(o)
                log.warning("breach %s: notice for person %d failed: %s", d.reference, o.person_id, o.error)
            else:
                outcomes_ok += 1
                good.append((o.person_id, o.file, o.sha256))
                writer.writerow([svc._cell(o.name), svc._cell(o.email), svc._cell(o.address), o.language,
                                 o.file, o.sha256])
                warnings.extend(f"person {o.person_id}: {w}" for w in o.warnings)
        if good and batch is not None:
            nb.commit_chunk(ctx, batch, good, actor, plans, "manifest.csv")
        elif good and record:
            svc.mark_notified(ctx, d.reference, good, at)
        done += len(results)

    try:
        report("starting")
        if out_dir is not None:
            Path(out_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
            if processes > 1:
                cancelled = _run_pool(data, chunks(), str(out_dir), processes, take, cancel, report)
            else:
                for people in chunks():
                    if cancel is not None and cancel.is_set():
                        cancelled = True
                        break
                    for i in range(0, len(people), 25):
                        if cancel is not None and cancel.is_set():
                            cancelled = True
                            break
                        take(docs.render_chunk(data, people[i:i + 25], str(out_dir)))
                        report(f"{done} of {total}")
                    if cancelled:
                        break
        combined_ids: list[int] = []
        if combiner is not None and not cancelled:
            # In a batch: everyone it notified, over all its runs (they are no longer pending).
            source = ([_recipients(v, california_all) for v in nb.iter_batch_people(ctx, batch, chunk)]
                      if batch is not None else chunks())
            for people in source:
                for p in people:
                    if cancel is not None and cancel.is_set():
                        cancelled = True
                        break
                    try:
                        combiner.add(p)
                        combined_ids.append(p.id)
                        if out_dir is None:
                            outcomes_ok += 1
                    except Exception as exc:  # one person's error does not stop the batch
                        failed.append(docs.PersonOutcome(p.id, p.name, p.email, p.address, error=f"{type(exc).__name__}: {exc}"))
                    if out_dir is None:
                        done += 1
                        if done % 25 == 0:
                            report(f"{done} of {total}")
                if cancelled:
                    break
    except BaseException:
        sink.close()
        if manifest_tmp is not None:
            manifest_tmp.unlink(missing_ok=True)
        raise
    sha = ""
    combined_path = None
    sink.close()
    if manifest_path is not None and manifest_tmp is not None:
        os.chmod(manifest_tmp, 0o600)
        os.replace(manifest_tmp, manifest_path)
        sha = sha256_file(manifest_path)
    elif manifest_path is not None and batch is not None:
        sha = nb.write_manifest(ctx, batch, manifest_path, MANIFEST_COLUMNS, svc._cell)
    if combiner is not None and not cancelled:
        combined_path = Path(str(combined))
        csha = docs.write_private(combined_path, combiner.finish())
        if out_dir is None:
            sha = csha
            if record:
                svc.mark_notified(ctx, d.reference, [(i, combined_path.name, "") for i in combined_ids], at)
    seconds = time.perf_counter() - started
    recs: list[svc.NotificationRecord] = []
    if batch is not None:
        recs = nb.finish(ctx, batch, actor, sha, "manifest.csv", complete=not cancelled)
    elif record and outcomes_ok:
        doc_file = manifest_path.name if manifest_path is not None else combined_path.name if combined_path else ""
        for r in _individual_regimes(d) or [dom.get_regime(d.regimes[0])]:
            kind = dom.NoticeKind.INDIVIDUALS if r.rule(dom.NoticeKind.INDIVIDUALS) else dom.NoticeKind.PUBLIC
            recs.append(svc.record_notification(
                ctx, d.reference, kind, actor, sent_at=at, regime=r.id, document_file=doc_file,
                document_sha256=sha, delay_reasons=delay_reasons, count=outcomes_ok, now=max(at, svc._now(None)),
                notes="batch cancelled before the end" if cancelled else ""))
    report("cancelled" if cancelled else "finished")
    log.info("breach %s: %d notices written, %d failed in %.1f s", d.reference, outcomes_ok, len(failed), seconds)
    return BatchResult(total, outcomes_ok, tuple(failed), manifest_path, combined_path, sha, cancelled,
                       seconds, tuple(warnings[:100]), tuple(recs))


def _folder_of_a_finished_batch(ctx: AppContext, reference: str, out_dir: Path) -> BatchResult | None:
    """A run into the folder of a finished batch: nothing to do when everyone has their notice
    (a run killed after its last chunk, run again, or a second click), else refused, since the new
    batch's manifest.csv would replace the one whose hash is on the notification record."""
    earlier = nb.finished_batch_in(ctx, reference, out_dir)
    manifest = out_dir / "manifest.csv"
    if earlier is None or not manifest.exists():
        return None
    when = earlier.finished_at.astimezone().strftime("%d %b %Y %H:%M")
    pending = svc.count_affected(ctx, reference, only_pending=True)
    if pending == 0:
        note = (f"Nothing left to write: the batch in this folder finished on {when} and everyone affected "
                f"has a notice ({earlier.written:,} in this folder). To send everyone a new notice, "
                "choose a new folder.")
        return BatchResult(0, 0, (), manifest, None, earlier.manifest_sha256, False, 0.0, note=note)
    raise ValidationError(
        f"This folder holds the notices of a batch that finished on {when} ({earlier.written:,} notices) and "
        f"its manifest.csv, whose fingerprint is on the record; writing the {pending:,} "
        f"{'person' if pending == 1 else 'people'} still pending here would replace it. Choose a new folder "
        f"for {'them' if pending > 1 else 'this notice'}.")


def _close_batch(ctx: AppContext, batch: nb.Batch, actor: str) -> None:
    folder = Path(batch.out_dir)
    sha = ""
    if folder.is_dir():
        sha = nb.write_manifest(ctx, batch, folder / "manifest.csv", MANIFEST_COLUMNS, svc._cell)
    nb.finish(ctx, batch, actor, sha, "manifest.csv", complete=False, closed_early=True)


def _run_pool(data: docs.NoticeData, chunks: Iterator[list[docs.Recipient]], out_dir: str, processes: int,
              take: Callable[[list[docs.PersonOutcome]], None], cancel: threading.Event | None,
              report: Callable[[str], None]) -> bool:
    """Render chunks in ``processes`` spawned workers (never forked: the GUI process has threads),
    keeping at most two chunks per worker in flight so memory stays flat."""
    from privdesk.documents import breach as docs  # reportlab loads with the first notice
    ctx = multiprocessing.get_context("spawn")
    cancelled = False
    with ProcessPoolExecutor(max_workers=processes, mp_context=ctx, initializer=docs.init_worker,
                             initargs=(data, out_dir)) as pool:
        pending: set[Future[list[docs.PersonOutcome]]] = set()
        source = iter(chunks)
        exhausted = False
        while True:
            while not exhausted and not cancelled and len(pending) < processes * 2:
                try:
                    people = next(source)
                except StopIteration:
                    exhausted = True
                    break
                for i in range(0, len(people), 50):
                    pending.add(pool.submit(docs.render_worker_chunk, people[i:i + 50]))
            if not pending:
                break
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for f in finished:
                take(f.result())
                report("rendering")
            if cancel is not None and cancel.is_set() and not cancelled:
                cancelled = True
                for f in pending:
                    f.cancel()
                pending = {f for f in pending if not f.cancelled()}
    return cancelled


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()
