"""Every rule of a law as rows of (rule, value, citation): what `privdesk law show` and the
Settings view print, so a legal team can check each number against its source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from privdesk.domain.law_extras import PeriodRule
from privdesk.domain.laws import LawRule, Period


@dataclass(frozen=True)
class RuleRow:
    key: str
    value: str
    citation: str


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _period(p: PeriodRule) -> str:
    text = Period(p.amount, p.unit).describe()  # type: ignore[arg-type]
    if p.extension_amount:
        text += f", extendable by {Period(p.extension_amount, p.unit).describe()} with notice"  # type: ignore[arg-type]
    return text


def rule_rows(law: LawRule) -> list[RuleRow]:
    """The law's rules in the order a reviewer reads them; every row carries its citation."""
    c = law.citations
    rows = [RuleRow("response", law.response.describe(), c["response"])]
    if law.extension is not None:
        e = law.extension
        counted = ("counted on from the end of the first period" if e.counted_from == "end_of_first_period"
                   else "the whole period counted from the clock start")
        rows.append(RuleRow("extension", f"{e.period.describe()}, {'repeatable' if e.repeatable else 'once'}, "
                                         f"notice within the first period: {_yes(e.notice_within_first_period)}; "
                                         f"{counted}", e.citation))
    else:
        rows.append(RuleRow("extension", "none", c["response"]))
    if law.acknowledge is not None:
        rows.append(RuleRow("acknowledge", law.acknowledge.describe(), c.get("acknowledge", "")))
    if law.opt_out is not None:
        rows.append(RuleRow("opt_out", law.opt_out.describe(), c.get("opt_out", "")))
    x = law.extras
    if x.refusal is not None:
        rows.append(RuleRow("refusal", f"{_period(x.refusal)} from receipt, not moved by an extension",
                            x.refusal.citation))
    if x.appeal is not None:
        rows.append(RuleRow("appeal", f"answer within {_period(x.appeal)}",
                            "; ".join(t for t in (x.appeal.citation, x.appeal.extension_citation) if t)))
    if x.small_agent_factor > 1:
        rows.append(RuleRow("small_agent", f"periods x{x.small_agent_factor} when Settings say the organisation "
                                           "is a small processing agent", x.small_agent_citation))
    rows += [
        RuleRow("clock.roll_to_working_day", _yes(law.roll_to_working_day), c["roll"]),
        RuleRow("clock.starts_on_verification", _yes(law.clock_starts_on_verification), c["clock"]),
        RuleRow("clock.pauses", _yes(law.clock_pauses) + (
            f" (days not counted: {'the day of asking to the day of the answer, both included'}"
            ")" if law.clock_pauses and law.pause_days == "inclusive" else ""), c["clock"]),
    ]
    for rtype, rule in law.types.items():
        parts = [rule.right]
        if not rule.available:
            parts.append("no such right under this law")
        parts.append(f"period {law.period_for(rtype).describe()}")
        if not rule.extendable:
            parts.append("not extendable")
        if law.clock_pauses and not rule.pauses:
            parts.append("clock cannot stop")
        if rule.note:
            parts.append(rule.note)
        rows.append(RuleRow(f"types.{rtype.value}", "; ".join(parts),
                            "; ".join(t for t in (rule.citation, rule.period_citation) if t)))
    known = {"response", "clock", "roll", "extension", "acknowledge", "opt_out"}
    rows += [RuleRow(f"citations.{k}", "", v) for k, v in c.items() if k not in known]
    return rows


def law_json(law: LawRule) -> dict[str, Any]:
    """The `--json` form: identity, review date, sources and every rule row."""
    return {
        "id": law.id, "name": law.name, "short_name": law.short_name, "jurisdiction": law.jurisdiction,
        "origin": law.origin, "reviewed": law.reviewed, "sources": list(law.sources),
        "rules": [{"rule": r.key, "value": r.value, "citation": r.citation} for r in rule_rows(law)],
    }
