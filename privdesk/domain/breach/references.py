"""Breach references, ``BR-YYYY-NNNN``."""

from __future__ import annotations

import re

from privdesk.errors import ValidationError

_REF_RE = re.compile(r"^BR-(\d{4})-(\d{4,})$")


def parse_reference(value: str) -> str:
    """``br-2026-1`` as typed becomes ``BR-2026-0001``; anything else is refused."""
    v = value.strip().upper()
    m = _REF_RE.match(v)
    if not m:
        m2 = re.match(r"^BR-(\d{4})-(\d+)$", v)
        if m2:
            return f"BR-{m2.group(1)}-{int(m2.group(2)):04d}"
        raise ValidationError(f"{value.strip()!r} is not a breach reference (they look like BR-2026-0001).")
    return v


def format_reference(year: int, number: int) -> str:
    return f"BR-{year}-{number:04d}"


