"""The Unicode fonts every letter embeds, registered once per process.

reportlab's standard fonts only cover Latin-1, so a name such as Łukasz or Ζωή would print as
black boxes; DejaVu Sans (shipped in ``resources/fonts`` with its licence) covers Latin, Greek and
Cyrillic. What it cannot draw (e.g. CJK) is reported by :func:`unprintable`, never dropped.
"""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "PrivDeskSans"
FONT_BOLD = "PrivDeskSans-Bold"
FONT_ITALIC = "PrivDeskSans-Oblique"

_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
}
_lock = threading.Lock()
_covered: frozenset[int] | None = None
# Layout characters the text pipeline turns into line breaks or spaces before they reach a font.
_LAYOUT = frozenset(map(ord, "\n\r\t"))


def register_fonts() -> None:
    """Register the letter fonts with reportlab (idempotent, thread-safe, cheap after the first call)."""
    global _covered
    if _covered is not None:
        return
    with _lock:
        if _covered is not None:
            return
        from privdesk.paths import resource_path

        fonts = {}
        for name, file in _FILES.items():
            font = TTFont(name, str(resource_path("fonts", file)))
            pdfmetrics.registerFont(font)
            fonts[name] = font
        addMapping(FONT, 0, 0, FONT)
        addMapping(FONT, 1, 0, FONT_BOLD)
        addMapping(FONT, 0, 1, FONT_ITALIC)
        addMapping(FONT, 1, 1, FONT_BOLD)
        # Body text is regular, headings and table headers bold: a character must exist in both.
        regular = set(fonts[FONT].face.charToGlyph)
        bold = set(fonts[FONT_BOLD].face.charToGlyph)
        _covered = frozenset(regular & bold)


def covered_codepoints() -> frozenset[int]:
    register_fonts()
    assert _covered is not None
    return _covered


def unprintable(text: str) -> list[str]:
    """The distinct characters of ``text`` the letter fonts cannot draw, in order of appearance."""
    covered = covered_codepoints()
    seen: dict[str, None] = {}
    for ch in text:
        cp = ord(ch)
        if cp not in covered and cp not in _LAYOUT:
            seen.setdefault(ch, None)
    return list(seen)


def describe(chars: list[str]) -> str:
    """``'王' (U+738B), '😀' (U+1F600)`` for an error message."""
    return ", ".join(f"{c!r} (U+{ord(c):04X})" for c in chars)
