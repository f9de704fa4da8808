"""Organisation profile, officers and logo through the settings service."""

from __future__ import annotations

import struct
import zlib
from datetime import date
from pathlib import Path

import pytest

from privdesk.errors import NotFoundError, ValidationError
from privdesk.services import settings as svc
from privdesk.services.context import AppContext


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_settings_round_trip(ctx: AppContext) -> None:
    values = {
        "org.name": "Zoë's Bakery Ltd",
        "org.address": "1 Market Row\nYork YO1 7HX",
        "dpo.email": "  DPO@Bakery.Example ",
        "holidays.country": "gb",
        "holidays.subdivision": "ENG",
        "default_law": "uk-gdpr",
    }
    svc.update_settings(ctx, values)
    stored = svc.get_settings(ctx)
    assert stored["org.name"] == "Zoë's Bakery Ltd"
    assert stored["org.address"] == "1 Market Row\nYork YO1 7HX"
    assert stored["dpo.email"] == "DPO@Bakery.Example"
    assert stored["holidays.country"] == "GB"
    profile = svc.get_profile(ctx)
    assert profile.org_name == "Zoë's Bakery Ltd" and profile.holidays_subdivision == "ENG"
    assert profile.default_law == "uk-gdpr" and profile.dpo_email == "DPO@Bakery.Example"
    assert profile.as_settings()["org.address"] == "1 Market Row\nYork YO1 7HX"
    # a second context (another process) reads the same values
    again = AppContext.open(ctx.paths.data_dir)
    assert svc.get_settings(again) == stored
    again.close()


def test_invalid_values_are_refused_and_nothing_is_half_written(ctx: AppContext) -> None:
    svc.set_setting(ctx, "org.name", "Before")
    with pytest.raises(ValidationError, match="not an e-mail address"):
        svc.update_settings(ctx, {"org.name": "After", "org.email": "nobody"})
    assert svc.get_settings(ctx)["org.name"] == "Before"
    with pytest.raises(ValidationError, match="not a setting"):
        svc.set_setting(ctx, "org.colour", "blue")
    with pytest.raises(ValidationError, match="country code"):
        svc.set_setting(ctx, "holidays.country", "XX")


def test_officers(ctx: AppContext) -> None:
    a = svc.add_officer(ctx, "Łukasz Wróbel", "Lukasz@Example.PL", "manager")
    assert a.email == "lukasz@example.pl" and a.role == "manager"
    with pytest.raises(ValidationError, match="already exists"):
        svc.add_officer(ctx, "Someone", "lukasz@example.pl")
    with pytest.raises(ValidationError, match="not a role"):
        svc.add_officer(ctx, "X", "x@example.com", "boss")
    svc.remove_officer(ctx, "lukasz@example.pl")
    assert svc.list_officers(ctx) == []
    assert [o.active for o in svc.list_officers(ctx, include_inactive=True)] == [False]
    with pytest.raises(NotFoundError):
        svc.remove_officer(ctx, "nobody@example.com")


def test_logo(ctx: AppContext, tmp_path: Path) -> None:
    png = tmp_path / "logo.png"
    png.write_bytes(tiny_png())
    svc.set_logo(ctx, png)
    assert svc.get_logo(ctx) == png.read_bytes()
    assert svc.get_profile(ctx).logo_png == png.read_bytes()
    bad = tmp_path / "logo.txt"
    bad.write_text("not an image")
    with pytest.raises(ValidationError, match="not a PNG or JPEG"):
        svc.set_logo(ctx, bad)
    svc.set_logo(ctx, None)
    assert svc.get_logo(ctx) is None


def test_demo_is_idempotent(ctx: AppContext) -> None:
    from privdesk.services.demo import seed_demo

    seed_demo(ctx)
    first = svc.get_settings(ctx), svc.list_officers(ctx)
    seed_demo(ctx)
    assert (svc.get_settings(ctx), svc.list_officers(ctx)) == first
    assert first[0]["org.name"] == "Northwind Analytics Ltd"
    assert len(first[1]) == 4


def test_holiday_subdivision_checked_against_the_country(ctx: AppContext) -> None:
    svc.set_setting(ctx, "holidays.country", "GB")
    assert svc.set_setting(ctx, "holidays.subdivision", "Scotland") == "SCT"
    with pytest.raises(ValidationError, match="subdivision"):
        svc.set_setting(ctx, "holidays.subdivision", "Atlantis")
    assert svc.get_settings(ctx)["holidays.subdivision"] == "SCT"


def test_the_holiday_calendar_is_loaded_for_the_organisation(ctx: AppContext) -> None:
    """What the window loads in a worker after its first paint: the organisation's calendar with
    this year's holidays (none without a holiday country)."""
    assert svc.load_holiday_calendar(ctx) is None
    svc.update_settings(ctx, {"holidays.country": "GB", "holidays.subdivision": "Scotland"})
    calendar = svc.load_holiday_calendar(ctx, today=date(2026, 6, 1))
    assert calendar is not None and (calendar.country, calendar.subdivision) == ("GB", "SCT")
    assert "Andrew" in (calendar.holiday_name(date(2026, 11, 30)) or "")  # Scotland only
    assert calendar.holiday_name(date(2026, 12, 1)) is None
