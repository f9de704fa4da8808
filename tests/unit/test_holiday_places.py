"""Countries and regions for the Settings area's holiday place, read without the 250 country modules."""

from __future__ import annotations

import json
import subprocess
import sys

from privdesk.domain.holiday_places import countries, country_name, regions


def test_countries_by_name_and_regions_of_one_country() -> None:
    names = dict(countries())
    assert names["DE"] == "Germany" and names["GB"] == "United Kingdom" and len(names) > 150
    assert [name for _code, name in countries()] == sorted(name for _code, name in countries())
    assert ("BY", "Bayern") in regions("de") and ("ENG", "England") in regions("GB")
    assert regions("XX") == () and country_name("de") == "Germany" and country_name("XX") == "XX"


def test_the_country_list_imports_no_country_calendar() -> None:
    """``holidays.list_supported_countries()`` imports every country's module (0.3-0.9 s of a
    frozen window when the Settings area was built); the list is read from the registry."""
    probe = ("import json, sys\nfrom privdesk.domain.holiday_places import countries\ncountries()\n"
             "print(json.dumps([m for m in sys.modules if m.startswith('holidays.countries.')]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout) == []
