"""Laws as data: one TOML file per law in ``resources/laws``, validated once on load.

A new jurisdiction is a file, not a code change. Validation is strict (unknown keys are errors) so a
typo in a rule file is caught with the file and key named, instead of silently using a default.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

from privdesk.domain.law_extras import LawExtras, parse_counted_from, parse_extras, parse_pause_days
from privdesk.domain.request_types import RequestType
from privdesk.domain.rulefiles import RuleReader, load_rule_file, located, refusal
from privdesk.errors import ConfigurationError, ValidationError

log = logging.getLogger("privdesk.domain")

Unit = Literal["days", "months", "business_days"]
UNITS: tuple[Unit, ...] = ("days", "months", "business_days")
_UNIT_WORDS = {"days": ("day", "days"), "months": ("month", "months"), "business_days": ("business day", "business days")}


@dataclass(frozen=True)
class Period:
    """A length of time as the law states it (calendar days, calendar months or business days)."""

    amount: int
    unit: Unit

    def describe(self) -> str:
        one, many = _UNIT_WORDS[self.unit]
        return f"{self.amount} {one if self.amount == 1 else many}"


@dataclass(frozen=True)
class Extension:
    """How far the response period may be extended and under which conditions."""

    period: Period
    repeatable: bool
    notice_within_first_period: bool
    citation: str
    #: "clock_start" (the whole extended period from the clock start) or "end_of_first_period"
    counted_from: str = "clock_start"


@dataclass(frozen=True)
class TypeRule:
    """One right under one law: its citation and any period that differs from the law's default."""

    right: str
    citation: str
    period: Period | None = None
    extendable: bool = True
    acknowledge: bool = True
    available: bool = True
    note: str = ""
    period_citation: str = ""
    #: whether the clock may stop for this type (UK GDPR Art. 12A: clarification of Art. 15 requests only)
    pauses: bool = True


@dataclass(frozen=True)
class LawRule:
    """Everything PrivDesk needs to know about one law to compute deadlines and cite it."""

    id: str
    name: str
    short_name: str
    jurisdiction: str
    response: Period
    extension: Extension | None
    acknowledge: Period | None
    opt_out: Period | None
    roll_to_working_day: bool
    clock_starts_on_verification: bool
    types: Mapping[RequestType, TypeRule]
    citations: Mapping[str, str]
    notes: str
    authority_default: str
    clock_pauses: bool = False
    sources: tuple[str, ...] = ()
    reviewed: str = ""
    extras: LawExtras = LawExtras()
    #: "between" or "inclusive" (see :mod:`privdesk.domain.law_extras`)
    pause_days: str = "between"
    #: "shipped" or "organisation" (a file in the data directory), and the file it came from
    origin: str = "shipped"
    path: str = ""
    #: an organisation's law: the shipped law whose letter wording its letters use ("" = none)
    letters_as: str = ""

    def period_for(self, rtype: RequestType) -> Period:
        """The response period for this type: a per-type override, the opt-out period, or the default."""
        rule = self.types[rtype]
        if rule.period is not None:
            return rule.period
        if rtype is RequestType.OPT_OUT and self.opt_out is not None:
            return self.opt_out
        return self.response

    def period_citation(self, rtype: RequestType) -> str:
        """Where the period that applies to this type comes from (for the summary and letters)."""
        rule = self.types[rtype]
        if rule.period is not None and rule.period_citation:
            return rule.period_citation
        if rule.period is None and rtype is RequestType.OPT_OUT and self.opt_out is not None:
            return self.citations.get("opt_out", "")
        return self.citations["response"]

    def citation(self, key: str) -> str:
        return self.citations.get(key, "")


_WHAT = "Law file"


class _LawReader(RuleReader):
    """The rule-file reader with a law's period (amount and unit)."""

    def period(self, minimum: int = 1) -> Period:
        amount = self.whole("amount", minimum)
        return Period(amount, cast(Unit, self.choice("unit", UNITS)))


def _parse_law(path: Path, data: Mapping[str, Any]) -> LawRule:
    top = _LawReader(path, data, _WHAT)
    law_id = top.text("id")
    if law_id != path.stem:
        raise top.fail("id", f"is {law_id!r} but must match the file name {path.stem!r}.")

    resp = top.table("response")
    response = resp.period()
    response_citation = resp.text("citation")
    resp.done()

    extension: Extension | None = None
    ext = top.table("extension", required=False)
    if ext is not None:
        extension = Extension(
            period=ext.period(),
            repeatable=ext.flag("repeatable"),
            notice_within_first_period=ext.flag("notice_within_first_period"),
            citation=ext.text("citation"),
            counted_from=parse_counted_from(ext),
        )
        ext.done()

    acknowledge: Period | None = None
    ack = top.table("acknowledge", required=False)
    ack_citation = ""
    if ack is not None:
        acknowledge = ack.period(minimum=0)
        ack_citation = ack.text("citation")
        ack.done()

    opt_out: Period | None = None
    opt = top.table("opt_out", required=False)
    opt_citation = ""
    if opt is not None:
        opt_out = opt.period()
        opt_citation = opt.text("citation")
        opt.done()

    clock = top.table("clock")
    roll = clock.flag("roll_to_working_day")
    starts_on_verification = clock.flag("starts_on_verification")
    pauses = clock.flag("pauses", default=False)
    clock_citation = clock.text("citation")
    roll_citation = clock.text("roll_citation")
    pause_days = parse_pause_days(clock)
    clock.done()

    types_reader = top.table("types")
    types: dict[RequestType, TypeRule] = {}
    for rtype in RequestType:
        t = types_reader.table(rtype.value)
        period = t.period() if t.has("amount") or t.has("unit") else None
        types[rtype] = TypeRule(
            right=t.text("right"),
            citation=t.text("citation"),
            period=period,
            extendable=t.flag("extendable", default=True),
            acknowledge=t.flag("acknowledge", default=True),
            available=t.flag("available", default=True),
            note=t.text("note", required=False),
            period_citation=t.text("period_citation", required=False),
            pauses=t.flag("pauses", default=True),
        )
        t.done()
    types_reader.done()

    citations: dict[str, str] = {"response": response_citation, "clock": clock_citation, "roll": roll_citation}
    if extension is not None:
        citations["extension"] = extension.citation
    if ack_citation:
        citations["acknowledge"] = ack_citation
    if opt_citation:
        citations["opt_out"] = opt_citation
    extra = top.table("citations", required=False)
    if extra is not None:
        for key in extra.data:
            citations[key] = extra.text(key)
        extra.done()

    meta = top.table("meta")
    sources = meta.texts("sources")
    reviewed = meta.text("reviewed")
    try:
        date.fromisoformat(reviewed)
    except ValueError:
        raise meta.fail("reviewed", f"must be a date written YYYY-MM-DD, not {reviewed!r}.") from None
    meta.done()
    extras = parse_extras(top)

    rule = LawRule(
        id=law_id,
        name=top.text("name"),
        short_name=top.text("short_name"),
        jurisdiction=top.text("jurisdiction"),
        response=response,
        extension=extension,
        acknowledge=acknowledge,
        opt_out=opt_out,
        roll_to_working_day=roll,
        clock_starts_on_verification=starts_on_verification,
        types=MappingProxyType(types),
        citations=MappingProxyType(citations),
        notes=top.text("notes"),
        authority_default=top.text("authority_default"),
        letters_as=top.text("letters_as", required=False),
        clock_pauses=pauses,
        sources=sources,
        reviewed=reviewed,
        extras=extras,
        pause_days=pause_days,
        path=str(path),
    )
    top.done()
    return rule


def load_law_file(path: Path) -> LawRule:
    """Read and validate one rule file; an error names the line when the key is in the file."""
    return load_rule_file(path, _WHAT, _parse_law)


def _default_directory() -> Path:
    from privdesk.paths import resource_path

    return resource_path("laws")


@functools.lru_cache(maxsize=8)
def _load(directory: Path) -> Mapping[str, LawRule]:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ConfigurationError(f"No law files (*.toml) found in {directory}.")
    laws = {p.stem: load_law_file(p) for p in files}
    log.debug("loaded %d law files from %s", len(laws), directory)
    return MappingProxyType(laws)


def load_laws(directory: Path | None = None) -> dict[str, LawRule]:
    """Every law rule in ``directory``, keyed by id; cached per folder.

    Without a directory: the shipped files and the organisation's own (see
    :func:`use_organisation_laws`), the small-agent rule applied when the profile says so.
    """
    if directory is not None:
        return dict(_load(directory.resolve()))
    laws = dict(_load(_default_directory().resolve()))
    if _ORGANISATION.directory is not None:
        laws.update(organisation_laws(_ORGANISATION.directory)[0])
    if _ORGANISATION.small_agent:
        laws = {k: as_small_agent(v) for k, v in laws.items()}
    laws.update({f"{k}{APPEAL_SUFFIX}": appeal_law(v) for k, v in list(laws.items()) if v.extras.appeal})
    return laws


#: Letter bases of the GDPR family: their letters may cite GDPR articles (the register of Art. 30 is
#: written in the GDPR's terms) and name the profile's supervisory authority; other laws' may not.
GDPR_LETTER_LAWS = frozenset({"gdpr", "uk-gdpr"})


@dataclass
class _Organisation:
    directory: Path | None = None
    small_agent: bool = False


_ORGANISATION = _Organisation()


def use_organisation_laws(directory: Path | None, small_agent: bool = False) -> None:
    """Where the organisation keeps its own law files (``<data dir>/laws``) and whether it is a
    small processing agent (LGPD); set when a case database is opened and when Settings change."""
    _ORGANISATION.directory = directory
    _ORGANISATION.small_agent = small_agent


def organisation_directory() -> Path | None:
    return _ORGANISATION.directory


def organisation_is_small_agent() -> bool:
    """Whether Settings say the organisation is a small processing agent (LGPD)."""
    return _ORGANISATION.small_agent


def check_organisation_law(path: Path, shipped: Mapping[str, LawRule] | None = None) -> LawRule:
    """Validate an organisation's law file exactly like a shipped one, and refuse one that would
    replace a shipped law (a company policy is a law of its own, under its own id)."""
    rule = load_law_file(path)
    shipped = shipped if shipped is not None else _load(_default_directory().resolve())
    if rule.letters_as and rule.letters_as not in shipped:
        raise located(refusal(_WHAT, path, "letters_as", f"is {rule.letters_as!r}; it must name a law PrivDesk "
                                                         f"ships ({', '.join(sorted(shipped))})."))
    if rule.id in shipped:
        raise located(refusal(
            _WHAT, path, "id", f"is {rule.id!r}, a law PrivDesk ships; an organisation's file never replaces a "
            f"shipped law. Give it an id of its own (and the same file name), e.g. '{rule.id}-policy'."))
    return replace(rule, origin="organisation")


def organisation_laws(directory: Path) -> tuple[dict[str, LawRule], list[str]]:
    """The organisation's valid law files, and one sentence per refused file (never raised, so a
    broken file cannot stop the application; ``privdesk law list`` shows the sentences)."""
    laws: dict[str, LawRule] = {}
    problems: list[str] = []
    if not directory.is_dir():
        return laws, problems
    for path in sorted(directory.glob("*.toml")):
        try:
            laws[path.stem] = check_organisation_law(path)
        except ConfigurationError as exc:
            log.warning("organisation law file %s refused", path.name)
            problems.append(exc.message)
    return laws, problems


def as_small_agent(rule: LawRule) -> LawRule:
    """The law with its periods multiplied for a small processing agent (e.g. LGPD, doubled)."""
    factor = rule.extras.small_agent_factor
    if factor <= 1:
        return rule
    note = f"; period x{factor} for a small processing agent ({rule.extras.small_agent_citation})"
    types = {t: replace(r, period=Period(r.period.amount * factor, r.period.unit)) if r.period else r
             for t, r in rule.types.items()}
    citations = dict(rule.citations)
    citations["response"] = citations["response"] + note
    return replace(rule, response=Period(rule.response.amount * factor, rule.response.unit),
                   types=MappingProxyType(types), citations=MappingProxyType(citations))


def law_ids() -> list[str]:
    """The laws a new request can be opened under (an appeal is opened from the refused request)."""
    return sorted(k for k, v in load_laws().items() if v.origin != "appeal")


APPEAL_SUFFIX = "-appeal"


def appeal_law(rule: LawRule) -> LawRule:
    """The rules an appeal runs under, as a law of its own (``vcdpa-appeal``): the appeal period as
    its response period and the appeal extension as its extension, so the queue, the clock, the
    extension and the letters work for appeals as for any request (Va. Code 59.1-577(C); C.R.S.
    6-1-1306(3))."""
    appeal = rule.extras.appeal
    assert appeal is not None
    unit = cast(Unit, appeal.unit)
    extension = (Extension(Period(appeal.extension_amount, unit), repeatable=False, notice_within_first_period=True,
                           citation=appeal.extension_citation) if appeal.extension_amount else None)
    types = {t: replace(r, period=None, period_citation="", extendable=True, acknowledge=False, available=True)
             for t, r in rule.types.items()}
    citations = {k: v for k, v in rule.citations.items() if k not in ("extension", "acknowledge", "opt_out")}
    citations["response"] = appeal.citation
    if extension is not None:
        citations["extension"] = extension.citation
    return replace(rule, id=f"{rule.id}{APPEAL_SUFFIX}", name=f"{rule.name}: appeal", short_name=f"{rule.short_name} appeal",
                   response=Period(appeal.amount, unit), extension=extension, acknowledge=None, opt_out=None,
                   types=MappingProxyType(types), citations=MappingProxyType(citations), origin="appeal",
                   extras=LawExtras(refusal=None, appeal=None, access_reply=rule.extras.access_reply))


def base_law_id(law_id: str) -> str:
    """``vcdpa-appeal`` -> ``vcdpa``; other ids unchanged."""
    return law_id.removesuffix(APPEAL_SUFFIX)


def normalise_law_id(law_id: str) -> str:
    """``UK_GDPR`` and ``uk gdpr`` name the file ``uk-gdpr``."""
    return "-".join(law_id.strip().casefold().replace("_", " ").replace("-", " ").split())


def get_law(law_id: str) -> LawRule:
    """The rule for one law; a person-readable error for an unknown id."""
    laws = load_laws()
    rule = laws.get(normalise_law_id(law_id))
    if rule is None:
        raise ValidationError(f"{law_id.strip()!r} is not a known law. Known laws: {', '.join(law_ids())}.")
    return rule
