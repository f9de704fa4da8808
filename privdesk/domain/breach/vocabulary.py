"""The words of a breach record: nature, risk, status, the Art. 34(3) exemptions, the kinds of
notice and their phases, each parsed from what a person types.
"""

from __future__ import annotations

from enum import StrEnum

from privdesk.errors import ValidationError


def _key(text: str) -> str:
    return "-".join(text.strip().casefold().replace("_", " ").replace("-", " ").split())


class Nature(StrEnum):
    """Which security property the breach broke (EDPB Guidelines 9/2022, §2.2)."""

    CONFIDENTIALITY = "confidentiality"
    INTEGRITY = "integrity"
    AVAILABILITY = "availability"


class Risk(StrEnum):
    """The risk assessment: unlikely to result in a risk, a risk, or a high risk."""

    NONE = "none"
    RISK = "risk"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RISK_RANK[self]

    @property
    def label(self) -> str:
        return _RISK_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Risk:
        k = _key(text)
        aliases = {"unlikely": cls.NONE, "no-risk": cls.NONE, "low": cls.NONE,
                   "high-risk": cls.HIGH}
        for member in cls:
            if k == member.value:
                return member
        if k in aliases:
            return aliases[k]
        raise ValidationError(f"{text.strip()!r} is not a risk level; use none, risk or high.")


_RISK_RANK = {Risk.NONE: 0, Risk.RISK: 1, Risk.HIGH: 2}
_RISK_LABELS = {Risk.NONE: "unlikely to result in a risk", Risk.RISK: "likely to result in a risk",
                Risk.HIGH: "likely to result in a high risk"}


class BreachStatus(StrEnum):
    """Where the handling of a breach stands."""

    OPEN = "open"
    CONTAINED = "contained"
    CLOSED = "closed"

    @classmethod
    def parse(cls, text: str) -> BreachStatus:
        k = _key(text)
        for member in cls:
            if k == member.value:
                return member
        raise ValidationError(f"{text.strip()!r} is not a breach status; use open, contained or closed.")


class Exemption(StrEnum):
    """The GDPR Art. 34(3) grounds for not telling individuals despite a high risk."""

    UNINTELLIGIBLE = "unintelligible"
    MEASURES = "measures"
    DISPROPORTIONATE = "disproportionate"

    @property
    def label(self) -> str:
        return _EXEMPTION_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Exemption:
        k = _key(text)
        aliases = {"encrypted": cls.UNINTELLIGIBLE, "a": cls.UNINTELLIGIBLE,
                   "subsequent-measures": cls.MEASURES, "b": cls.MEASURES,
                   "disproportionate-effort": cls.DISPROPORTIONATE, "c": cls.DISPROPORTIONATE}
        for member in cls:
            if k == member.value:
                return member
        if k in aliases:
            return aliases[k]
        raise ValidationError(f"{text.strip()!r} is not an Art. 34(3) exception; use unintelligible, "
                              "measures or disproportionate.")


_EXEMPTION_LABELS = {
    Exemption.UNINTELLIGIBLE: "the data was rendered unintelligible to anyone not authorised "
                              "to access it, such as by encryption (Art. 34(3)(a))",
    Exemption.MEASURES: "subsequent measures ensure the high risk is no longer likely to "
                        "materialise (Art. 34(3)(b))",
    Exemption.DISPROPORTIONATE: "telling each person would involve disproportionate effort; a "
                                "public communication is made instead (Art. 34(3)(c))",
}


class NoticeKind(StrEnum):
    """Who a notice goes to."""

    AUTHORITY = "authority"
    INDIVIDUALS = "individuals"
    ATTORNEY_GENERAL = "attorney-general"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        return {"authority": "Supervisory authority", "individuals": "Individuals",
                "attorney-general": "Attorney General (sample copy)",
                "public": "Public communication"}[self.value]

    @classmethod
    def parse(cls, text: str) -> NoticeKind:
        k = _key(text)
        aliases = {"subjects": cls.INDIVIDUALS, "individual": cls.INDIVIDUALS, "ag": cls.ATTORNEY_GENERAL,
                   "dpa": cls.AUTHORITY, "regulator": cls.AUTHORITY}
        for member in cls:
            if k == member.value:
                return member
        if k in aliases:
            return aliases[k]
        raise ValidationError(f"{text.strip()!r} is not a notice recipient; use "
                              f"{', '.join(m.value for m in cls)}.")


class Phase(StrEnum):
    """Art. 33(4): information may be given in phases, an initial notice then follow-ups."""

    INITIAL = "initial"
    FOLLOW_UP = "follow-up"

    @classmethod
    def parse(cls, text: str) -> Phase:
        k = _key(text)
        if k in ("initial", "first"):
            return cls.INITIAL
        if k in ("follow-up", "followup", "follow", "supplementary"):
            return cls.FOLLOW_UP
        raise ValidationError(f"{text.strip()!r} is not a notification phase; use initial or follow-up.")


