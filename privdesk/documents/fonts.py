"""The Unicode fonts every letter embeds, registered once per process.

reportlab's standard fonts only cover Latin-1, so a name such as Łukasz or Ζωή would print as
black boxes; DejaVu Sans (shipped in ``resources/fonts`` with its licence) covers Latin, Greek and
Cyrillic. What it cannot draw (e.g. CJK) is reported by :func:`unprintable`, never dropped.
"""

from __future__ import annotations

import threading
import unicodedata
import zlib
from collections import OrderedDict
from typing import Any

from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics
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
_covered: frozenset[str] | None = None
# Layout characters the text pipeline turns into line breaks or spaces before they reach a font.
_LAYOUT = frozenset("\n\r\t")
SUBSET_CACHE_SIZE = 64
_RTL = frozenset({"R", "AL", "AN"})


class _Formatted(pdfdoc.PDFObject):  # type: ignore[misc]  # reportlab ships no type hints
    """A number whose PDF form is computed once."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.pdf = pdfdoc.format(value, None)

    def format(self, document: Any) -> bytes:
        return self.pdf  # type: ignore[no-any-return]


class _SubsetCache:
    """Reuses font subsets (and their compressed bytes) between letters.

    reportlab cuts and deflates a subset of each font for every document; consecutive letters use
    mostly the same characters in the same order, so the bytes repeat. Bounded LRU, so memory does
    not grow with the number of letters.
    """

    def __init__(self, font: TTFont) -> None:
        self.face = font.face
        self._make = font.face.makeSubset
        self._add = font.face.addSubsetObjects
        self._raw: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self._deflated: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()
        font.face.makeSubset = self.make_subset
        font.face.addSubsetObjects = self.add_subset_objects
        # reportlab only calls getCharWidth to fill each subset's /Widths array, and formats every
        # number in pure Python per document; hand it pre-formatted numbers instead.
        widths: dict[int, _Formatted] = {}
        char_width = font.face.getCharWidth

        def formatted_width(code: int) -> _Formatted:
            found = widths.get(code)
            if found is None:
                found = widths[code] = _Formatted(char_width(code))
            return found

        font.face.getCharWidth = formatted_width

    def _get(self, cache: OrderedDict[tuple[int, ...], bytes], key: tuple[int, ...]) -> bytes | None:
        with self._lock:
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
            return found

    def _put(self, cache: OrderedDict[tuple[int, ...], bytes], key: tuple[int, ...], value: bytes) -> None:
        with self._lock:
            cache[key] = value
            while len(cache) > SUBSET_CACHE_SIZE:
                cache.popitem(last=False)

    def make_subset(self, subset: list[int]) -> bytes:
        key = tuple(subset)
        found = self._get(self._raw, key)
        if found is None:
            found = self._make(subset)
            self._put(self._raw, key, found)
        return found

    def add_subset_objects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        ref = self._add(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{self.face.filename}({fontname})")
        # Only when reportlab built the stream as expected: swap in the cached deflated bytes.
        if isinstance(stream, pdfdoc.PDFStream) and stream.filters == [pdfdoc.PDFZCompress]:
            key = tuple(subset)
            deflated = self._get(self._deflated, key)
            if deflated is None:
                deflated = zlib.compress(stream.content)
                self._put(self._deflated, key, deflated)
            stream.content = deflated
            stream.filters = None
            stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        return ref


def register_fonts() -> None:
    """Register the letter fonts with reportlab (idempotent, thread-safe, cheap after the first call)."""
    global _covered
    if _covered is not None:
        return
    with _lock:
        if _covered is not None:
            return
        from privdesk.paths import resource_path

        # Binary streams instead of ASCII85: smaller files, and encoding them cost a tenth of a letter.
        rl_config.useA85 = 0
        fonts = {}
        for name, file in _FILES.items():
            font = TTFont(name, str(resource_path("fonts", file)))
            _SubsetCache(font)
            pdfmetrics.registerFont(font)
            fonts[name] = font
        addMapping(FONT, 0, 0, FONT)
        addMapping(FONT, 1, 0, FONT_BOLD)
        addMapping(FONT, 0, 1, FONT_ITALIC)
        addMapping(FONT, 1, 1, FONT_BOLD)
        # Body text is regular, headings and table headers bold: a character must exist in both.
        regular = set(fonts[FONT].face.charToGlyph)
        bold = set(fonts[FONT_BOLD].face.charToGlyph)
        # reportlab draws text left to right without shaping: Arabic or Hebrew would come out
        # reversed and unjoined, so right-to-left letters count as unprintable too.
        _covered = frozenset(
            ch for ch in map(chr, regular & bold) if unicodedata.bidirectional(ch) not in _RTL
        ) | _LAYOUT


def covered_characters() -> frozenset[str]:
    register_fonts()
    assert _covered is not None
    return _covered


def unprintable(text: str) -> list[str]:
    """The distinct characters of ``text`` the letter fonts cannot draw, in order of appearance."""
    bad = set(text).difference(covered_characters())
    if not bad:
        return []
    return sorted(bad, key=text.index)


def describe(chars: list[str]) -> str:
    """``'王' (U+738B), '😀' (U+1F600)`` for an error message."""
    text = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in chars)
    if any(unicodedata.bidirectional(c) in _RTL for c in chars):
        text += " (right-to-left scripts cannot be laid out yet)"
    return text
