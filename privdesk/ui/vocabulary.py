"""One vocabulary for the whole window: dates in the locale's format, one name per law, one
word for nobody assigned, counted nouns without "(s)".

Every area formats through these helpers so the same thing never reads two ways.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QLocale, QTime

UNASSIGNED = "Unassigned"
#: the Requests area's detail pane before a request is chosen
NO_REQUEST_SELECTED = "<h3>No request selected</h3>Select a row, or press Ctrl+N for a new request."
#: names of breach regimes that are not request laws (a law's name is its rule file's short_name)
REGIME_NAMES = {"california": "California", "pk-pdpb": "Pakistan (draft)"}
RISK_NAMES = {"none": "None", "unlikely": "None", "risk": "Risk", "high": "High risk"}


def law_name(law: str) -> str:
    """One display name per law, the rule file's ``short_name`` ("UK GDPR", "CCPA/CPRA"), the
    same the letters and the dashboard use."""
    from privdesk.domain.laws import get_law, law_ids

    key = law.strip().lower()
    if key in law_ids():
        return get_law(key).short_name
    return REGIME_NAMES.get(key, law.upper())


def date_format() -> str:
    """The locale's short date format with a four-digit year; the "C" locale (no language
    chosen) gets the unambiguous ``22 Sep 2026``."""
    loc = QLocale()
    if loc.language() == QLocale.Language.C:
        return "d MMM yyyy"
    fmt = loc.dateFormat(QLocale.FormatType.ShortFormat)
    return fmt if "yyyy" in fmt else fmt.replace("yy", "yyyy")


def format_date(value: date | None) -> str:
    if value is None:
        return "—"
    return QLocale().toString(QDate(value.year, value.month, value.day), date_format())


def format_datetime(value: datetime | None) -> str:
    """Date and time (to the minute) in the value's own zone, e.g. ``22 Sep 2026 14:05``."""
    if value is None:
        return "—"
    return f"{format_date(value.date())} {QLocale().toString(QTime(value.hour, value.minute), 'HH:mm')}"


def database_place(db: Any, short: bool = False) -> str:
    """Where the case database is, in words: its file (name only when ``short``), or its
    database and server; never a URL."""
    path = db.sqlite_file
    if path is not None:
        return path.name if short else str(path)
    url = db.engine.url
    where = f"{url.host or 'localhost'}" + (f":{url.port}" if url.port and not short else "")
    return f"{url.database} on {where}" + ("" if short else f" ({db.dialect}, as {url.username or 'default user'})")


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 page``, ``3 pages`` (never ``1 page(s)``)."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"
