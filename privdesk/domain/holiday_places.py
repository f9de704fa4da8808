"""Countries and regions with public-holiday calendars, by name, so an officer chooses
"Germany — Bavaria" from a list instead of typing DE-BY."""

from __future__ import annotations

import re
from functools import cache


def _words(class_name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)


@cache
def countries() -> tuple[tuple[str, str], ...]:
    """(code, name) of every country with a calendar, sorted by name.

    Read from the package's registry: ``holidays.list_supported_countries()`` imports all 280
    country modules to list their subdivisions (0.3-0.9 s of a frozen window when the Settings
    area was built); a region list loads one country's module when that country is chosen.
    """
    from holidays import registry

    from privdesk.domain.deadlines import supported_countries

    supported = supported_countries()
    out = {info[1]: _words(info[0]) for info in registry.COUNTRIES.values() if info[1] in supported}
    return tuple(sorted(out.items(), key=lambda kv: kv[1]))


@cache
def regions(country: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of the country's subdivisions with a calendar; the code where no name is known."""
    import holidays

    from privdesk.domain.deadlines import supported_countries

    code = country.strip().upper()
    if code not in supported_countries():
        return ()
    cal = holidays.country_holidays(code)
    aliases = cal.get_subdivision_aliases() if hasattr(cal, "get_subdivision_aliases") else {}
    out = [(sub, (aliases.get(sub) or [sub])[0]) for sub in cal.subdivisions]
    return tuple(sorted(out, key=lambda kv: kv[1]))


def country_name(code: str) -> str:
    return dict(countries()).get(code.strip().upper(), code)
