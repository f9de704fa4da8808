"""Letters that would contradict the record, or that the profile leaves short: warned before they
are produced.

An acknowledgement for a request already overdue, dated today, would promise an answer by a
date that has passed; the officer should extend (if the law allows) or answer instead. A GDPR
letter written while Settings name no supervisory authority gives the route of Art. 77 but names no
authority; the officer is told so before sending it, as when Settings name no organisation or
give no contact address (the letter would read "We confirm that processes ...").
"""

from __future__ import annotations

from datetime import date

from privdesk.services.context import AppContext
from privdesk.services.requests import RequestDetail

#: letters that tell the subject when the answer will come
_PROMISING = ("acknowledgement", "verification", "extension")


def date_warnings(kind: str, d: RequestDetail, today: date | None = None) -> list[str]:
    """Sentences for the officer; empty when the letter's dates agree with the record."""
    today = today or date.today()
    out: list[str] = []
    if kind not in _PROMISING or not d.is_open:
        return out
    if d.deadline < today:
        days = (today - d.deadline).days
        out.append(f"This request was due on {d.deadline:%d %b %Y}, {days} day{'s' if days != 1 else ''} ago: "
                   f"the letter would promise an answer by a date already past.")
    if kind == "extension" and d.extended_due is not None and d.extended_due < today:
        out.append(f"The latest date if extended ({d.extended_due:%d %b %Y}) has passed as well.")
    if kind == "acknowledgement" and d.acknowledge_by is not None and d.acknowledge_by < today:
        out.append(f"The acknowledgement was due by {d.acknowledge_by:%d %b %Y}.")
    return out


def profile_warnings(ctx: AppContext, kind: str, d: RequestDetail) -> list[str]:
    """Sentences for the officer about what the organisation profile leaves out of this letter."""
    from privdesk.documents.templates import authority_problem, load_templates
    from privdesk.domain.laws import base_law_id, get_law
    from privdesk.services.settings import get_settings

    settings = get_settings(ctx)
    out: list[str] = []
    # every letter names the organisation (its sentences and its footer) and tells the person whom to write to
    if not settings.get("org.name", "").strip():
        out.append("Settings give no organisation name, so the letter names nobody where it says who holds the "
                   "data (\"We confirm that processes ...\"). Fill in the organisation name in Settings before "
                   "you send the letter.")
    if not (settings.get("org.email", "").strip() or settings.get("dpo.email", "").strip()):
        out.append("Settings give no e-mail for the organisation or its data protection officer, so the letter "
                   "gives the person no contact to write to. Fill in one of them in Settings before you send "
                   "the letter.")
    law = get_law(d.law)
    letters_law = law.letters_as or base_law_id(d.law)  # the wording the letter uses (casefile.letter_request)
    problem = authority_problem(load_templates(), kind, letters_law, settings.get("authority.name", ""))
    return out + ([problem] if problem else [])


def letter_warnings(ctx: AppContext, kind: str, d: RequestDetail, today: date | None = None) -> list[str]:
    """Everything the officer should know before the letter is final: its dates, then the profile."""
    return date_warnings(kind, d, today) + profile_warnings(ctx, kind, d)
