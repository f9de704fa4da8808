"""Cells that spreadsheets would execute (CSV injection, OWASP).

Excel, LibreOffice and Google Sheets read a cell that starts with ``=``, ``+``, ``-`` or ``@``
(also after a tab or carriage return) as a formula: ``=HYPERLINK(...)`` leaks data when clicked,
``=cmd|' /C calc'!A0`` runs a program. A leading apostrophe makes such a cell text. Only text is
neutralised; numbers stay numbers.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula(value: object) -> bool:
    """Whether a spreadsheet would treat this cell as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: str) -> str:
    """The cell as text a spreadsheet shows but never runs."""
    return "'" + value if is_formula(value) else value
