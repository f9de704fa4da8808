"""Moments and time zones: the time of awareness as typed, with or without an offset, and its
zone kept so a clock can be shown where the officer is.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from privdesk.errors import ValidationError

_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")


def parse_moment(text: str, default_zone: tzinfo, what: str = "time of awareness") -> datetime:
    """``YYYY-MM-DDTHH:MM[:SS][+HH:MM|Z]`` as an aware datetime; no offset means ``default_zone``.

    Offsets are kept as typed (an officer in Berlin sees +01:00, not UTC). A time that does not
    exist (25:00, 31 February) is refused with the value named.
    """
    raw = (text or "").strip()
    m = _TS_RE.match(raw)
    if not m:
        raise ValidationError(f"The {what} {raw!r} is not a timestamp; write YYYY-MM-DDTHH:MM, "
                              "optionally with an offset such as +02:00.")
    try:
        parsed = datetime.fromisoformat(raw.replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"The {what} {raw!r} is not a real date and time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_zone)
    return parsed.replace(microsecond=0)


_OFFSET_RE = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def zone_from_text(text: str) -> tzinfo:
    """``+01:00``, ``UTC`` or an IANA name such as ``Europe/Berlin`` as a time zone."""
    raw = (text or "").strip()
    if raw in ("", "UTC", "Z", "+00:00"):
        return UTC
    m = _OFFSET_RE.match(raw)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return timezone(-delta if m.group(1) == "-" else delta)
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{raw!r} is not a time zone (use an offset such as +02:00 or a "
                              "name such as Europe/Berlin).") from None


def zone_text(zone: tzinfo | None, moment: datetime) -> str:
    """The name to store for ``zone``: an IANA key when there is one, else the offset at ``moment``."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = moment.utcoffset() if zone is None else zone.utcoffset(moment)
    if not offset:
        return "UTC"
    total = int(offset.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    h, m = divmod(abs(total), 60)
    return f"{sign}{h:02d}:{m:02d}"


def check_not_future(moment: datetime, now: datetime, what: str) -> None:
    if moment - now > timedelta(minutes=5):
        raise ValidationError(f"The {what} {moment.isoformat(timespec='minutes')} is in the future.")


