"""Audit entries as sentences an officer reads ("Identity verified on 22 Sep 2026 by Jonas
Becker"), with the raw record kept beside for whoever must check it.

Plain Python over :class:`AuditEvent`; the window passes its locale's date format and the
officers' names, a test passes its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from privdesk.services.audit import AuditEvent

DateFormat = Callable[[date], str]

#: plain words for fields, where the field name is not already plain
FIELD_WORDS = {
    "assignee_id": "assignee", "verified_on": "identity verified on", "verification": "identity check",
    "decision_reason": "reason", "decided_on": "decided on", "decided_by": "decided by",
    "extension_reason": "reason for the extension", "extended_due": "latest date if extended",
    "subject_name": "name", "subject_address": "postal address", "duplicate_of": "possible duplicate of",
    "aware_at": "became aware", "authority_due": "authority notice due", "subjects_approx": "people (approx.)",
    "records_approx": "records (approx.)", "risk_reasoning": "risk reasoning", "exemptions": "Art. 34(3) exceptions",
    "exemption_reasoning": "why the exception applies", "holiday_country": "holiday country",
    "holiday_subdivision": "holiday region", "clock_start": "clock starts",
}
_STATUS_WORDS = {"received": "received", "verifying": "identity check", "in_progress": "in progress",
                 "extended": "extended", "completed": "completed", "denied": "denied", "withdrawn": "withdrawn",
                 "open": "open", "contained": "contained", "closed": "closed"}
_RISK_WORDS = {"none": "None", "risk": "Risk", "high": "High risk"}
_HIDDEN = {"search_text", "subject_key", "version", "updated_at"}


def _default_date(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


class Sentences:
    """Turns events into sentences with the given names and date format."""

    def __init__(self, officer_names: Mapping[str, str] | None = None,
                 officer_ids: Mapping[int, str] | None = None, date_format: DateFormat = _default_date) -> None:
        self.names = {k.lower(): v for k, v in (officer_names or {}).items()}
        self.ids = dict(officer_ids or {})
        self.fmt = date_format

    # -- values ---------------------------------------------------------------------------------
    def who(self, e: AuditEvent) -> str:
        return e.who.describe(self.names.get(e.actor.lower(), ""))

    def value(self, field: str, v: Any) -> str:
        if v is None or v == "":
            return "nothing"
        if field == "assignee_id":
            return self.ids.get(int(v), f"officer {v}") if str(v).isdigit() else str(v)
        if field == "status":
            return _STATUS_WORDS.get(str(v), str(v))
        if field == "risk":
            return _RISK_WORDS.get(str(v), str(v))
        if field == "decided_by":
            return self.names.get(str(v).lower(), str(v))
        text = str(v)
        try:
            if len(text) == 10:
                return self.fmt(date.fromisoformat(text))
            if len(text) >= 16 and text[10] == "T":
                dt = datetime.fromisoformat(text)
                return f"{self.fmt(dt.date())} {dt:%H:%M}"
        except ValueError:
            pass
        text = text.replace("\n", " ")
        return text if len(text) <= 80 else text[:77] + "…"

    def new(self, e: AuditEvent, field: str) -> str:
        return self.value(field, e.changes.get(field, (None, None))[1])

    def changes(self, e: AuditEvent, skip: tuple[str, ...] = ()) -> str:
        parts = []
        for field, (old, new) in sorted(e.changes.items()):
            if field in _HIDDEN or field in skip:
                continue
            word = FIELD_WORDS.get(field, field.replace("_", " "))
            if old in (None, ""):
                parts.append(f"{word} set to {self.value(field, new)}")
            elif new in (None, ""):
                parts.append(f"{word} cleared (was {self.value(field, old)})")
            else:
                parts.append(f"{word} {self.value(field, old)} → {self.value(field, new)}")
        return "; ".join(parts)

    # -- sentences ------------------------------------------------------------------------------
    def sentence(self, e: AuditEvent) -> str:
        """One plain sentence for ``e``."""
        by = self.who(e)
        a = e.action
        reason = e.changes.get("decision_reason", (None, ""))[1] or e.changes.get("extension_reason", (None, ""))[1]
        tail = f": {self.value('reason', reason)}" if reason else ""
        simple = {
            "open": f"Request opened by {by}", "verifying": f"Identity check started by {by}",
            "verify-failed": f"Identity check failed, recorded by {by}",
            "complete": f"Completed by {by}{tail}", "deny": f"Denied by {by}{tail}",
            "withdraw": f"Withdrawn, recorded by {by}{tail}", "note": f"Note added by {by}",
            "attach": f"File attached by {by}", "attach_search": f"Search result attached by {by}",
            "keep": f"Marked as not a duplicate by {by}", "pause": f"Clock paused by {by}",
            "resume": f"Clock resumed by {by}", "record": f"Breach recorded by {by}",
            "notify": f"Notification recorded by {by}",
        }
        if a == "verify":
            on = e.changes.get("verified_on", (None, None))[1]
            return f"Identity verified on {self.value('verified_on', on)} by {by}" if on else f"Identity verified by {by}"
        if a == "assign":
            new = e.changes.get("assignee_id", (None, None))[1]
            return f"Assigned to {self.value('assignee_id', new)} by {by}" if new not in (None, "") else f"Unassigned by {by}"
        if a == "extend":
            return f"Deadline extended to {self.new(e, 'deadline')} by {by}{tail}"
        if a == "merge":
            return f"Merged into {self.new(e, 'merged_into')} by {by}"
        if a == "merge-in":
            return f"{self.new(e, 'merged_from')} merged into this request by {by}"
        if a.startswith("document_"):
            return f"{a.removeprefix('document_').replace('_', ' ').capitalize()} letter written by {by}"
        if a == "affected-add":
            n = e.changes.get("added", (None, 0))[1] or 0
            text = f"{n:,} affected {'person' if n == 1 else 'people'} added by {by}"
            included = e.changes.get("candidates_included", (None, 0))[1] or 0
            if included:
                text += f", {included:,} of them {'a candidate' if included == 1 else 'candidates'} the officer included"
            left = e.changes.get("candidates_left_out", (None, ""))[1]
            text += f"; left out, not confirmed by the search: {left}" if left else ""
            unsearched = e.changes.get("connections_not_searched", (None, ""))[1]
            return text + (f"; not searched, the list may be incomplete: {unsearched}" if unsearched else "")
        if a == "affected-remove":
            return f"An affected person removed by {by}"
        if a in simple:
            return simple[a]
        if set(e.changes) - _HIDDEN == {"status"} or a in _STATUS_WORDS:
            old, new = e.changes.get("status", (None, a))
            return f"Status changed from {self.value('status', old)} to {self.value('status', new)} by {by}"
        what = self.changes(e)
        return f"Changed by {by}" + (f": {what}" if what else "")

    def when(self, e: AuditEvent) -> str:
        try:
            at = datetime.fromisoformat(e.at).astimezone()
        except ValueError:
            return e.at
        return f"{self.fmt(at.date())} {at:%H:%M}"

    def raw(self, e: AuditEvent) -> str:
        """The entry as recorded (for the click-away view)."""
        lines = [f"Entry {e.seq} · {e.at} · {e.entity} {e.entity_id} · action {e.action}",
                 f"Officer: {e.actor}" + (f" · signed in as {e.login}" if e.login else "")]
        for field, (old, new) in sorted(e.changes.items()):
            lines.append(f"  {field}: {old!r} → {new!r}")
        return "\n".join(lines)
