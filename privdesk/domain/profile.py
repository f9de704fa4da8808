"""The organisation profile: who writes the letters and to which authority.

Settings are stored as text under dotted keys; this module is the single list of those keys, their
labels and their validation, shared by the Settings pane, the CLI and the letters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields

from privdesk.domain.identifiers import email_problem, phone_problem
from privdesk.errors import ValidationError

OFFICER_ROLES = ("officer", "manager")


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    multiline: bool = False
    check: Callable[[str], str | None] | None = None
    help: str = ""


def _optional(check: Callable[[str], str | None]) -> Callable[[str], str | None]:
    return lambda v: None if not v.strip() else check(v)


def _country(v: str) -> str | None:
    from privdesk.domain.deadlines import supported_countries

    if v.upper() not in supported_countries():
        return f"{v!r} is not a country code the holiday calendar knows (use ISO codes such as GB, DE, US)."
    return None


def _zone(v: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{v!r} is not a time zone; use a name such as Europe/London or America/New_York."
    return None


def known_laws() -> list[str]:
    """Law ids in force: the shipped rule files and the organisation's own."""
    from privdesk.domain.laws import law_ids

    return law_ids()


def _law(v: str) -> str | None:
    laws = known_laws()
    if laws and v not in laws:
        return f"{v!r} is not a known law. Known laws: {', '.join(laws)}."
    return None


def _yes_no(v: str) -> str | None:
    return None if v in ("yes", "no") else f"{v!r} is not an answer here; write yes or no."


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("org.name", "Organisation name"),
    SettingSpec("org.address", "Postal address", multiline=True),
    SettingSpec("org.email", "Contact e-mail", check=_optional(email_problem)),
    SettingSpec("org.phone", "Contact phone", check=_optional(phone_problem)),
    SettingSpec("org.timezone", "Time zone", check=_optional(_zone),
                help="Where the organisation's clock runs, e.g. Europe/London (empty: this computer's zone)."),
    SettingSpec("dpo.name", "Data protection officer"),
    SettingSpec("dpo.email", "DPO e-mail", check=_optional(email_problem)),
    SettingSpec("dpo.phone", "DPO phone", check=_optional(phone_problem)),
    SettingSpec("authority.name", "Supervisory authority", help="the GDPR authority your letters name (lead authority where the one-stop shop applies)"),
    SettingSpec("authority.address", "Authority postal address", multiline=True),
    SettingSpec("authority.email", "Authority e-mail", check=_optional(email_problem)),
    SettingSpec("default_law", "Default law", check=_optional(_law), help="Law applied to new requests."),
    SettingSpec("holidays.country", "Holiday country", check=_optional(_country),
                help="ISO country code for public holidays, e.g. GB."),
    SettingSpec("holidays.subdivision", "Holiday subdivision",
                help="State, region or nation, e.g. ENG, BY, CA."),
    # Cal. Civ. Code 1798.110(c), 1798.115(a): the CCPA export letter says what these say.
    SettingSpec("ccpa.sells", "Sells personal information (CCPA)", check=_optional(_yes_no),
                help="yes or no: sold personal information in the preceding 12 months (Cal. Civ. Code 1798.140(ad))."),
    SettingSpec("ccpa.shares", "Shares personal information (CCPA)", check=_optional(_yes_no),
                help="yes or no: shared it for cross-context behavioural advertising (Cal. Civ. Code 1798.140(ah))."),
    SettingSpec("ccpa.sold", "Categories sold, and to whom (CCPA)", multiline=True,
                help="One line each: category of personal information - categories of third parties."),
    SettingSpec("ccpa.shared", "Categories shared, and with whom (CCPA)", multiline=True,
                help="One line each: category of personal information - categories of third parties."),
    SettingSpec("lgpd.small_agent", "Small processing agent (LGPD)", check=_optional(_yes_no),
                help="yes: periods doubled (Resolução CD/ANPD nº 2/2022 Art. 14)."),
)
SETTING_KEYS: dict[str, SettingSpec] = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Officer:
    id: int | None
    name: str
    email: str
    role: str = "officer"
    active: bool = True


@dataclass(frozen=True)
class OrgProfile:
    """Everything a letter needs to know about the sender. Plain values, safe across threads."""

    org_name: str = ""
    org_address: str = ""
    org_email: str = ""
    org_phone: str = ""
    org_timezone: str = ""
    dpo_name: str = ""
    dpo_email: str = ""
    dpo_phone: str = ""
    authority_name: str = ""
    authority_address: str = ""
    authority_email: str = ""
    default_law: str = "gdpr"
    holidays_country: str = ""
    holidays_subdivision: str = ""
    ccpa_sells: str = ""
    ccpa_shares: str = ""
    ccpa_sold: str = ""
    ccpa_shared: str = ""
    lgpd_small_agent: str = ""
    officers: tuple[Officer, ...] = field(default_factory=tuple)
    logo_png: bytes | None = None

    @classmethod
    def from_settings(
        cls, values: dict[str, str], officers: Iterable[Officer] = (), logo_png: bytes | None = None
    ) -> OrgProfile:
        kwargs: dict[str, str] = {}
        names = {f.name for f in fields(cls)}
        for spec in SETTINGS:
            name = spec.key.replace(".", "_")
            if name in names and values.get(spec.key, "") != "":
                kwargs[name] = values[spec.key]
        return cls(**kwargs, officers=tuple(officers), logo_png=logo_png)

    def as_settings(self) -> dict[str, str]:
        """The profile as dotted-key settings (``org.name`` ...)."""
        return {s.key: str(getattr(self, s.key.replace(".", "_"))) for s in SETTINGS}


def validate_setting(key: str, value: str) -> str:
    """Return the cleaned value for ``key`` or raise :class:`ValidationError` with a reason."""
    spec = SETTING_KEYS.get(key)
    if spec is None:
        raise ValidationError(
            f"{key!r} is not a setting. Settings: {', '.join(SETTING_KEYS)}."
        )
    cleaned = value.strip() if not spec.multiline else value.strip("\n").rstrip()
    if key == "holidays.country":
        cleaned = cleaned.upper()
    if key in ("ccpa.sells", "ccpa.shares", "lgpd.small_agent"):
        cleaned = cleaned.casefold()
    if spec.check is not None:
        problem = spec.check(cleaned)
        if problem:
            raise ValidationError(f"{spec.label}: {problem}")
    return cleaned


def validate_officer(name: str, email: str, role: str) -> None:
    if not name.strip():
        raise ValidationError("An officer needs a name.")
    problem = email_problem(email)
    if problem:
        raise ValidationError(f"Officer e-mail: {problem}")
    if role not in OFFICER_ROLES:
        raise ValidationError(f"{role!r} is not a role; choose one of: {', '.join(OFFICER_ROLES)}.")
