"""Rules of a law file beyond the response period (legal review, issue 10), read and applied here.

- ``[refusal]``: by when a refusal must be sent, counted from receipt and never moved by an
  extension (GDPR / UK GDPR Art. 12(4): one month; Va. Code 59.1-577(B)(2) and C.R.S.
  6-1-1306(2): 45 days).
- ``[appeal]``: the period to answer an appeal of a refusal, and its extension (Va. Code
  59.1-577(C): 60 days; C.R.S. 6-1-1306(3)(b): 45 days, extendable by 60 with notice).
- ``[small_agent]``: the factor the periods are multiplied by for a small processing agent
  (LGPD, Resolução CD/ANPD nº 2/2022 Art. 14), when the organisation profile says it is one.
- ``[extension] counted_from``: ``"end_of_first_period"`` counts the further months from the end of
  the first period, as GDPR Art. 12(3) states them ("extended by two further months");
  ``"clock_start"`` counts the whole extended period from the clock start (the ICO's counting).
- ``[access_reply]``: what the reply to an access request contains under this law, one key per
  item (:data:`ACCESS_REPLY_ITEMS`) with the provision that requires it. The export letter prints a
  section for each item listed and for no other: GDPR Art. 15(2) gives the transfer safeguards, the
  US state laws and the LGPD do not, so their letters have no transfers section.
- ``[clock] pause_days``: ``"between"`` (the days from the request up to the answer) or
  ``"inclusive"`` (both the day of asking and the day of the answer do not count: UK GDPR Art. 12A).

The tables are parsed through the law file reader (:mod:`privdesk.domain.laws`, built on the shared
:class:`privdesk.domain.rulefiles.RuleReader`), so a wrong key is refused with the file, line and
reason like every other rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

COUNTED_FROM = ("clock_start", "end_of_first_period")
PAUSE_DAYS = ("between", "inclusive")

#: The items an access reply can contain (``[access_reply]`` keys), with what each one is. A letter
#: template marks a section with ``item = "<key>"``; it prints only under a law that lists the item.
ACCESS_REPLY_ITEMS: dict[str, str] = {
    "purposes": "the purposes of the processing",
    "categories": "the categories of personal data",
    "recipients": "the recipients or categories of recipient",
    "retention": "how long the data is kept, or the criteria",
    "rights": "the person's other rights under the law",
    "complaint": "where to complain or appeal",
    "source": "where the data came from",
    "automated": "automated decision-making, including profiling",
    "transfers": "the safeguards for transfers to third countries",
    "copy": "a copy of the data",
    "criteria": "the criteria used in the processing",
    "sale_sharing": "what personal information was sold or shared, and to whom",
}


@dataclass(frozen=True)
class PeriodRule:
    """A period with its citation; ``extension`` when it may be extended (with notice)."""

    amount: int
    unit: str
    citation: str
    extension_amount: int = 0
    extension_citation: str = ""


@dataclass(frozen=True)
class LawExtras:
    refusal: PeriodRule | None = None
    appeal: PeriodRule | None = None
    small_agent_factor: int = 1
    small_agent_citation: str = ""
    small_agent_note: str = ""
    #: ``[access_reply]``: item -> the provision requiring it (empty: the file lists none)
    access_reply: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def parse_extras(top: Any) -> LawExtras:
    """Read ``[refusal]``, ``[appeal]``, ``[small_agent]`` and ``[access_reply]`` with the law file's reader."""
    refusal = appeal = None
    ref = top.table("refusal", required=False)
    if ref is not None:
        p = ref.period()
        refusal = PeriodRule(p.amount, p.unit, ref.text("citation"))
        ref.done()
    app = top.table("appeal", required=False)
    if app is not None:
        p = app.period()
        ext = app.whole("extension_amount", 0, required=False)
        appeal = PeriodRule(p.amount, p.unit, app.text("citation"), ext,
                            app.text("extension_citation", required=ext > 0))
        app.done()
    factor, citation, note = 1, "", ""
    small = top.table("small_agent", required=False)
    if small is not None:
        factor = small.whole("factor", 2)
        citation = small.text("citation")
        note = small.text("note", required=False)
        small.done()
    return LawExtras(refusal, appeal, factor, citation, note, parse_access_reply(top))


def parse_access_reply(top: Any) -> Mapping[str, str]:
    """``[access_reply]``: each key an item of :data:`ACCESS_REPLY_ITEMS`, its value the citation."""
    table = top.table("access_reply", required=False)
    if table is None:
        return MappingProxyType({})
    items: dict[str, str] = {}
    for key in table.data:
        if key not in ACCESS_REPLY_ITEMS:
            raise table.fail(key, f"is not an item of an access reply; items: {', '.join(ACCESS_REPLY_ITEMS)}.")
        items[key] = table.text(key)
    table.done()
    return MappingProxyType(items)


def parse_counted_from(table: Any) -> str:
    value = table.text("counted_from", required=False, default="clock_start")
    if value not in COUNTED_FROM:
        raise table.fail("counted_from", f"must be one of {', '.join(COUNTED_FROM)}, not {value!r}.")
    return str(value)


def parse_pause_days(table: Any) -> str:
    value = table.text("pause_days", required=False, default="between")
    if value not in PAUSE_DAYS:
        raise table.fail("pause_days", f"must be one of {', '.join(PAUSE_DAYS)}, not {value!r}.")
    return str(value)
