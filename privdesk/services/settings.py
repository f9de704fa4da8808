"""Reading and changing the organisation profile, officers and logo."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from privdesk.domain.deadlines import HolidayCalendar, holiday_calendar
from privdesk.domain.identifiers import normalise_email
from privdesk.domain.profile import (
    SETTING_KEYS,
    Officer,
    OrgProfile,
    validate_officer,
    validate_setting,
)
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services.context import AppContext
from privdesk.store import models

log = logging.getLogger("privdesk.services.settings")

LOGO_ASSET = "logo"
_MAX_LOGO = 2_000_000
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def get_settings(ctx: AppContext) -> dict[str, str]:
    """Every known setting, empty string where unset."""
    with ctx.db.session() as s:
        stored = {row.key: row.value for row in s.scalars(select(models.Setting))}
    return {key: stored.get(key, "") for key in SETTING_KEYS}


def set_setting(ctx: AppContext, key: str, value: str) -> str:
    cleaned = _check_calendar(ctx, {key: validate_setting(key, value)})[key]
    with ctx.db.unit_of_work() as s:
        row = s.get(models.Setting, key)
        if row is None:
            s.add(models.Setting(key=key, value=cleaned))
        else:
            row.value = cleaned
    log.info("setting %s changed", key)
    if key == "lgpd.small_agent":
        from privdesk.services.law_files import apply_organisation

        apply_organisation(ctx)
    return cleaned


def _check_calendar(ctx: AppContext, changed: dict[str, str]) -> dict[str, str]:
    """Country and subdivision are only meaningful together: check the pair, store the
    calendar's canonical subdivision code (``Scotland`` -> ``SCT``)."""
    if not {"holidays.country", "holidays.subdivision"} & changed.keys():
        return changed
    current = get_settings(ctx)
    country = changed.get("holidays.country", current["holidays.country"])
    subdivision = changed.get("holidays.subdivision", current["holidays.subdivision"])
    if subdivision and not country:
        if "holidays.subdivision" in changed:
            raise ValidationError("Holiday subdivision: set the holiday country first.")
        return changed
    cal = holiday_calendar(country or None, subdivision or None)
    if subdivision:
        changed = {**changed, "holidays.subdivision": cal.subdivision or ""}
    return changed


def load_holiday_calendar(ctx: AppContext, today: date | None = None) -> HolidayCalendar | None:
    """The organisation's holiday calendar with this year's holidays read (None without a country).

    To give one country's calendar the holidays package imports all 250 of them (0.3 s and more):
    the window calls this in a worker after its first paint, so the first deadline worked out,
    request shown or the Settings area's region list does not freeze the window for it.
    """
    values = get_settings(ctx)
    if not values["holidays.country"]:
        return None
    calendar = holiday_calendar(values["holidays.country"], values["holidays.subdivision"] or None)
    calendar.is_working_day(today or date.today())  # loads the package and caches this year
    return calendar


def update_settings(ctx: AppContext, values: dict[str, str]) -> dict[str, str]:
    """Validate every value first, then save them all in one transaction (all or nothing)."""
    cleaned = _check_calendar(ctx, {k: validate_setting(k, v) for k, v in values.items()})
    with ctx.db.unit_of_work() as s:
        for key, value in cleaned.items():
            row = s.get(models.Setting, key)
            if row is None:
                s.add(models.Setting(key=key, value=value))
            elif row.value != value:
                row.value = value
    log.info("settings saved: %s", ", ".join(sorted(cleaned)))
    if "lgpd.small_agent" in cleaned:
        from privdesk.services.law_files import apply_organisation

        apply_organisation(ctx)
    return cleaned


def list_officers(ctx: AppContext, include_inactive: bool = False) -> list[Officer]:
    with ctx.db.session() as s:
        q = select(models.Officer).order_by(models.Officer.name)
        if not include_inactive:
            q = q.where(models.Officer.active.is_(True))
        return [Officer(o.id, o.name, o.email, o.role, o.active) for o in s.scalars(q)]


def add_officer(ctx: AppContext, name: str, email: str, role: str = "officer") -> Officer:
    validate_officer(name, email, role)
    email_n = normalise_email(email)
    try:
        with ctx.db.unit_of_work() as s:
            existing = s.scalar(select(models.Officer).where(models.Officer.email == email_n))
            if existing is not None:
                if existing.active:
                    raise ValidationError(f"An officer with the e-mail {email_n} already exists.")
                existing.active, existing.name, existing.role = True, name.strip(), role
                o = existing
            else:
                o = models.Officer(name=name.strip(), email=email_n, role=role, active=True)
                s.add(o)
            s.flush()
            result = Officer(o.id, o.name, o.email, o.role, o.active)
    except IntegrityError as exc:
        raise ValidationError(f"An officer with the e-mail {email_n} already exists.") from exc
    log.info("officer %s added", result.id)
    return result


def update_officer(ctx: AppContext, officer_id: int, name: str, email: str, role: str) -> Officer:
    validate_officer(name, email, role)
    with ctx.db.unit_of_work() as s:
        o = s.get(models.Officer, officer_id)
        if o is None:
            raise NotFoundError(f"There is no officer number {officer_id}.")
        o.name, o.email, o.role = name.strip(), normalise_email(email), role
        return Officer(o.id, o.name, o.email, o.role, o.active)


def remove_officer(ctx: AppContext, email: str) -> None:
    """Deactivate rather than delete: past cases still name the officer."""
    email_n = normalise_email(email)
    with ctx.db.unit_of_work() as s:
        o = s.scalar(select(models.Officer).where(models.Officer.email == email_n))
        if o is None or not o.active:
            raise NotFoundError(f"There is no officer with the e-mail {email_n}.")
        o.active = False


def set_logo(ctx: AppContext, path: Path | None) -> None:
    """Store a PNG or JPEG logo for the letterhead, or remove it when ``path`` is None."""
    with ctx.db.unit_of_work() as s:
        current = s.get(models.Asset, LOGO_ASSET)
        if path is None:
            if current is not None:
                s.delete(current)
            return
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ValidationError(f"Cannot read the logo file {path}: {exc.strerror}.") from exc
        if len(data) > _MAX_LOGO:
            raise ValidationError("The logo is larger than 2 MB; please use a smaller image.")
        mime = next((m for magic, m in _IMAGE_MAGIC.items() if data.startswith(magic)), None)
        if mime is None:
            raise ValidationError(f"The logo {Path(path).name} is not a PNG or JPEG image.")
        if current is None:
            s.add(models.Asset(name=LOGO_ASSET, mime=mime, data=data))
        else:
            current.mime, current.data = mime, data


def get_logo(ctx: AppContext) -> bytes | None:
    with ctx.db.session() as s:
        a = s.get(models.Asset, LOGO_ASSET)
        return bytes(a.data) if a is not None else None


def get_profile(ctx: AppContext) -> OrgProfile:
    """The organisation profile as one plain value, for letters and the UI."""
    return OrgProfile.from_settings(get_settings(ctx), list_officers(ctx), get_logo(ctx))
