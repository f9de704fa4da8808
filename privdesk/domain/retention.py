"""How long PrivDesk keeps its own cases (a request file is personal data too).

Default: the closing date plus 3 years for every request type (a common limitation period for
claims), breach records 5 years (the minimum ANPD Resolution CD/ANPD 15/2024 asks for). The
periods are settings; these rules only say when a case has expired.
"""

from __future__ import annotations

from datetime import date

from privdesk.errors import ValidationError

DEFAULT_REQUEST_YEARS = 3
DEFAULT_BREACH_YEARS = 5
#: The reminder in the window appears when the last run is older than this.
REMINDER_DAYS = 30
MAX_YEARS = 100
#: Days an automatic upgrade backup (``backups/*-before-upgrade.sqlite3``) is kept. It exists to
#: undo a failed schema upgrade, which shows within days; after a month, going back to it would
#: also undo a month of casework. It is a full copy of the case database, so it still holds the
#: cases each retention run anonymises: the run deletes the older ones (a younger one, the newest
#: included, is kept for a failed upgrade and goes at the first run after it turns 30 days old).
#: The copy a restore keeps of the case data it replaced (``backups/before-restore-STAMP/``) holds
#: the same and is there to undo a mistaken restore, which also shows within days: the same rule.
UPGRADE_BACKUP_DAYS = 30


def add_years(d: date, years: int) -> date:
    """``d`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def expires_on(closed: date, years: int) -> date:
    """The first day on which a case closed on ``closed`` is no longer kept."""
    return add_years(closed, years)


def is_expired(closed: date, years: int, today: date) -> bool:
    return today >= expires_on(closed, years)


def parse_years(text: str) -> int:
    """A retention period typed by the officer, in whole years (1 to 100)."""
    try:
        years = int(str(text).strip())
    except ValueError as exc:
        raise ValidationError(f"{text!r} is not a number of years; type a whole number such as 3.") from exc
    if not 1 <= years <= MAX_YEARS:
        raise ValidationError(f"A retention period must be between 1 and {MAX_YEARS} years, not {years}.")
    return years


def upgrade_backup_expired(made: date, today: date) -> bool:
    """Whether an upgrade backup or a before-restore copy made on ``made`` is past
    :data:`UPGRADE_BACKUP_DAYS`."""
    return (today - made).days > UPGRADE_BACKUP_DAYS
