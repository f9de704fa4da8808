"""Countries and regions with public-holiday calendars, by name, so an officer chooses
"Germany — Bavaria" from a list instead of typing DE-BY."""

from __future__ import annotations

import re
from functools import cache


def _words(class_name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)


@cache
def countries() -> tuple[tuple[str, str], ...]:
    """(code, name) of every country with a calendar, sorted by name."""
    import holidays  # loaded on first use, as everywhere (0.05-0.1 s)
    from holidays import registry

    supported = set(holidays.list_supported_countries())
    out = {info[1]: _words(info[0]) for info in registry.COUNTRIES.values() if info[1] in supported}
    return tuple(sorted(out.items(), key=lambda kv: kv[1]))


@cache
def regions(country: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of the country's subdivisions with a calendar; the code where no name is known."""
    import holidays

    code = country.strip().upper()
    if code not in holidays.list_supported_countries():
        return ()
    cal = holidays.country_holidays(code)
    aliases = cal.get_subdivision_aliases() if hasattr(cal, "get_subdivision_aliases") else {}
    out = [(sub, (aliases.get(sub) or [sub])[0]) for sub in cal.subdivisions]
    return tuple(sorted(out, key=lambda kv: kv[1]))


def country_name(code: str) -> str:
    return dict(countries()).get(code.strip().upper(), code)
