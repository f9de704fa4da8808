"""Reading the rule and template files that hold the law as data.

Every such file is TOML that a legal team may edit, so a broken file must be reported by name in a
sentence, never as a traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from privdesk.errors import ConfigurationError


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The parsed file; ``what`` names the kind of file in the error ("Law file", "Breach rule file")."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the {what.lower()} {path}: {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{what} {path} is not valid TOML: {exc}.") from exc
