r"""Personal data breaches in the abstract: the record's vocabulary, the notification clocks and
which notices the risk assessment requires.

The regimes (GDPR, UK GDPR, LGPD, California) are data in ``resources/breach_rules/*.toml``,
validated strictly on load, so the 72 hours, the three business days and the 500-resident
threshold are numbers a legal team can read and review, not constants in code.

Where to look: :mod:\`.vocabulary\` (nature, risk, status, exemptions, notice kinds),
:mod:\`.categories\` (data and subject categories), :mod:\`.timestamps\` (moments and zones),
:mod:\`.references\`, :mod:\`.regimes\` (the rule files), :mod:\`.clock\` (which notices are due when,
lateness), :mod:\`.validation\` (the record as typed -> a clean record)."""

from __future__ import annotations

from privdesk.domain.breach.categories import (
    COMMON_CATEGORIES,
    SPECIAL_CATEGORIES,
    SUBJECT_CATEGORIES,
    DataCategory,
    nature_text,
    parse_categories,
    parse_category,
    parse_nature,
    split_list,
)
from privdesk.domain.breach.clock import (
    ClockState,
    NoticeClock,
    Requirement,
    SentNotice,
    check_notification,
    clock_state,
    due_moment,
    format_left,
    minutes_between,
    most_urgent,
    notice_clocks,
    requirements,
)
from privdesk.domain.breach.references import (
    format_reference,
    parse_reference,
)
from privdesk.domain.breach.regimes import (
    BreachPeriod,
    BreachRegime,
    BreachUnit,
    Layout,
    NoticeRule,
    default_regime_for_law,
    get_regime,
    load_regime_file,
    load_regimes,
    parse_regimes,
)
from privdesk.domain.breach.timestamps import (
    check_not_future,
    parse_moment,
    zone_from_text,
    zone_text,
)
from privdesk.domain.breach.validation import (
    CYBER,
    BreachInput,
    CleanBreach,
    validate,
)
from privdesk.domain.breach.vocabulary import (
    BreachStatus,
    Exemption,
    Nature,
    NoticeKind,
    Phase,
    Risk,
)

__all__ = [
    "BreachInput",
    "BreachPeriod",
    "BreachRegime",
    "BreachStatus",
    "BreachUnit",
    "COMMON_CATEGORIES",
    "CYBER",
    "CleanBreach",
    "ClockState",
    "DataCategory",
    "Exemption",
    "Layout",
    "Nature",
    "NoticeClock",
    "NoticeKind",
    "NoticeRule",
    "Phase",
    "Requirement",
    "Risk",
    "SPECIAL_CATEGORIES",
    "SUBJECT_CATEGORIES",
    "SentNotice",
    "check_not_future",
    "check_notification",
    "clock_state",
    "default_regime_for_law",
    "due_moment",
    "format_left",
    "format_reference",
    "get_regime",
    "load_regime_file",
    "load_regimes",
    "minutes_between",
    "most_urgent",
    "nature_text",
    "notice_clocks",
    "parse_categories",
    "parse_category",
    "parse_moment",
    "parse_nature",
    "parse_reference",
    "parse_regimes",
    "requirements",
    "split_list",
    "validate",
    "zone_from_text",
    "zone_text",
]
