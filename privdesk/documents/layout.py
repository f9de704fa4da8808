"""Lays a filled template out as an A4 letter with reportlab's platypus.

Page 1 carries the letterhead (logo, organisation details), the recipient and a date/reference
block; later pages a slim running header. Every page gets "Page x of y" from a canvas that holds
its pages until the total is known. The export letter's appendix prints one table per source,
splitting wide tables into column groups and repeating the header row on every page.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
)

from privdesk.documents.context import LetterContext, TextGuard, cell_text
from privdesk.documents.fonts import FONT, FONT_BOLD, register_fonts
from privdesk.documents.model import ExportSnapshot, ExportSource
from privdesk.documents.templates import LetterTemplate, Section
from privdesk.domain.profile import OrgProfile
from privdesk.errors import PrivDeskError

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
LETTERHEAD_H = 30 * mm
FRAME_W = PAGE_W - 2 * MARGIN_X
LOGO_BOX = (45 * mm, 20 * mm)
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#999999")
HEADER_BG = colors.HexColor("#E6E9EE")
ZEBRA = colors.HexColor("#F6F7F9")

MAX_GROUP_COLUMNS = 7     # data columns per table before it is split into column groups
CELL_FONT_SIZE = 7.5
CELL_PAD = 3
CELL_VPAD = 1.5
GRID = colors.HexColor("#D5D8DD")
MAX_CELL_LINES = 30       # beyond this a value moves to a numbered note after its table
#: A TableStyle command naming the embedded font for every cell of a platypus Table. Table selects
#: its cell font (Helvetica unless told) before drawing each cell, even one holding a Paragraph, so
#: without it the PDF references an unembedded Helvetica it never draws with.
TABLE_FONT = ("FONT", (0, 0), (-1, -1), FONT, 10)


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    bullet: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle
    subject: ParagraphStyle
    small: ParagraphStyle
    org: ParagraphStyle
    org_name: ParagraphStyle
    h2: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    note: ParagraphStyle
    closing: ParagraphStyle


@lru_cache(maxsize=1)
def styles() -> Styles:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, spaceAfter=6)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, spaceAfter=0)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=CELL_FONT_SIZE, leading=CELL_FONT_SIZE * 1.25,
                          splitLongWords=True)
    return Styles(
        body=body,
        bullet=ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=4, spaceAfter=3),
        heading=ParagraphStyle("heading", parent=body, fontName=FONT_BOLD, fontSize=11, leading=15,
                               spaceBefore=8, spaceAfter=4, keepWithNext=1),
        title=ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=4),
        subject=ParagraphStyle("subject", parent=body, fontName=FONT_BOLD, spaceAfter=10),
        small=small,
        org=ParagraphStyle("org", parent=small, alignment=TA_RIGHT, textColor=GREY),
        org_name=ParagraphStyle("org_name", parent=body, fontName=FONT_BOLD, fontSize=13, leading=16,
                                alignment=TA_RIGHT, spaceAfter=2),
        h2=ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=10.5, leading=14, spaceBefore=10,
                          spaceAfter=2, keepWithNext=1),
        cell=cell,
        cell_head=ParagraphStyle("cell_head", parent=cell, fontName=FONT_BOLD),
        note=ParagraphStyle("note", parent=body, fontSize=8.5, leading=11.5, splitLongWords=True),
        closing=ParagraphStyle("closing", parent=body, spaceBefore=12),
    )


def markup(text: str) -> str:
    """Plain text to Paragraph markup: escape XML, keep line breaks (for callers using Paragraph)."""
    return escape(text).replace("\n", "<br/>")


class TextBlock(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A paragraph of plain text: word-wrapped, left or right aligned, optional bullet.

    Letters hold no inline markup, so platypus' Paragraph (markup parser, fragments, per-word
    measuring) costs far more than the layout needs; this one measures words through a memo shared
    by every letter of the process and draws all lines in one text object. Honours the style's
    font, size, leading, indents, alignment, colour, spacing and keepWithNext.
    """

    def __init__(self, text: str, style: ParagraphStyle, bullet: str | None = None,
                 _lines: list[str] | None = None, _for_width: float | None = None,
                 keep_together: bool = False) -> None:
        super().__init__()
        self.keep_together = keep_together
        # keep "§ 1798.125" together: wrapping breaks at plain spaces only
        self.text = text.replace("§ ", "§\u00a0") if "§ " in text else text
        self.style = style
        self.bullet = bullet
        self._lines = _lines
        self._for_width = _for_width

    def _inner(self, avail: float) -> float:
        return float(avail - self.style.leftIndent - self.style.rightIndent)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._lines is None or self._for_width != availWidth:
            self._lines = wrap_lines(self.text, self._inner(availWidth), measure_for(self.style.fontName, self.style.fontSize))
            self._for_width = availWidth
        self.width = availWidth
        self.height = len(self._lines) * self.style.leading
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        if self.keep_together:
            return []
        self.wrap(availWidth, availHeight)
        assert self._lines is not None
        fit = int(availHeight // self.style.leading)
        if fit < 2 or len(self._lines) - fit < 1:  # no orphan first line; nothing to split
            return []
        if len(self._lines) - fit == 1:  # no widow: carry two lines over
            fit -= 1
        return [
            TextBlock(self.text, self.style, self.bullet, self._lines[:fit], availWidth),
            TextBlock(self.text, self.style, None, self._lines[fit:], availWidth),
        ]

    def draw(self) -> None:
        st = self.style
        assert self._lines is not None
        canvas = self.canv
        text = canvas.beginText()
        text.setFont(st.fontName, st.fontSize, st.leading)
        text.setFillColor(st.textColor)
        code = text._code
        y = self.height - st.fontSize
        right = st.alignment == TA_RIGHT
        measure = measure_for(st.fontName, st.fontSize)
        for line in self._lines:
            if line:
                x = self.width - st.rightIndent - measure(line) if right else st.leftIndent
                code.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")  # as setTextOrigin(), see RecordTable._lines
                text._textOut(line)
            y -= st.leading
        if self.bullet:
            text.setFont(st.bulletFontName if st.bulletFontName in (FONT, FONT_BOLD) else st.fontName, st.fontSize)
            code.append(f"1 0 0 1 {st.bulletIndent:.2f} {self.height - st.fontSize:.2f} Tm")
            text._textOut(self.bullet)
        canvas.drawText(text)


_MEASURES: dict[tuple[str, float], Measure] = {}


def measure_for(font: str, size: float) -> Measure:
    """One bounded width memo per font and size, shared by all letters of the process."""
    found = _MEASURES.get((font, size))
    if found is None:
        found = _MEASURES[(font, size)] = Measure(font, size)
    return found


def text_flowables(text: str, st: Styles) -> list[Flowable]:
    """Template text: blank lines separate paragraphs, lines starting with "- " are bullets."""
    out: list[Flowable] = []
    for block in text.strip().split("\n\n"):
        block = block.strip("\n")
        if not block.strip():
            continue
        lines = block.split("\n")
        if any(line.startswith("- ") for line in lines):
            para: list[str] = []
            bullet: list[str] | None = None
            for line in lines:
                if line.startswith("- "):
                    if para:
                        out.append(TextBlock(" ".join(para), st.body))
                        para = []
                    if bullet is not None:
                        out.append(TextBlock(" ".join(bullet), st.bullet, "•"))
                    bullet = [line[2:].strip()]
                elif bullet is not None and not para:
                    bullet.append(line.strip())  # continuation line of the bullet
                else:
                    para.append(line.strip())
            if bullet is not None:
                out.append(TextBlock(" ".join(bullet), st.bullet, "•"))
            if para:
                out.append(TextBlock(" ".join(para), st.body))
        elif len(lines) > 1 and all(len(line) < 60 for line in lines):
            # Single newlines inside a paragraph are source wrapping, except in a block that is all
            # short lines (an address), which keeps its lines.
            out.append(TextBlock(block, st.body))
        else:
            out.append(TextBlock(" ".join(line.strip() for line in lines), st.body))
    return out


def fill(template_text: str, ctx: LetterContext, guard: TextGuard, where: str) -> str:
    return guard.clean(template_text.format_map(ctx.values), where)


@lru_cache(maxsize=8)
def logo_reader(png: bytes) -> ImageReader:
    """Decode the logo once per process; letters reuse the reader."""
    try:
        reader = ImageReader(io.BytesIO(png))
        reader.getSize()
    except Exception as exc:  # reportlab/PIL raise many types for a bad image
        raise PrivDeskError("The organisation logo is not a readable image; choose a PNG file in Settings.") from exc
    return reader


def logo_size(reader: ImageReader) -> tuple[float, float]:
    iw, ih = reader.getSize()
    scale = min(LOGO_BOX[0] / iw, LOGO_BOX[1] / ih)
    return iw * scale, ih * scale


class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints
    """Holds each page until the document is complete, then writes "Page x of y" on all of them."""

    def __init__(self, *args: Any, page_label: str = "Page {page} of {pages}", footer: str = "",
                 running_header: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []
        self._page_label = page_label
        self._footer = footer
        self._running_header = running_header

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        page = self._pageNumber
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN_X, MARGIN_BOTTOM - 6 * mm, PAGE_W - MARGIN_X, MARGIN_BOTTOM - 6 * mm)
        self.setFont(FONT, 8)
        self.setFillColor(GREY)
        y = MARGIN_BOTTOM - 10 * mm
        self.drawRightString(PAGE_W - MARGIN_X, y, self._page_label.format(page=page, pages=total))
        label_w = stringWidth(self._page_label.format(page=total, pages=total), FONT, 8)
        self.drawString(MARGIN_X, y, _clip(self._footer, FRAME_W - label_w - 8 * mm, FONT, 8))
        if page > 1 and self._running_header:
            self.drawString(MARGIN_X, PAGE_H - MARGIN_TOP + 8 * mm, _clip(self._running_header, FRAME_W, FONT, 8))
            self.line(MARGIN_X, PAGE_H - MARGIN_TOP + 6 * mm, PAGE_W - MARGIN_X, PAGE_H - MARGIN_TOP + 6 * mm)
        self.restoreState()


def _clip(text: str, width: float, font: str, size: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _first_page_painter(profile: OrgProfile, guard: TextGuard) -> Callable[[Canvas, Any], None]:
    details = [profile.org_address.replace("\n", ", ")] if profile.org_address else []
    contact = " · ".join(p for p in (profile.org_email, profile.org_phone) if p)
    if contact:
        details.append(contact)
    name = guard.clean(profile.org_name, "the organisation name")
    details = [guard.clean(d, "the organisation details") for d in details]
    return _letterhead(name, tuple(details), profile.logo_png)


@lru_cache(maxsize=8)
def _letterhead(name: str, details: tuple[str, ...], logo_png: bytes | None) -> Callable[[Canvas, Any], None]:
    """The first-page painter, laid out once per organisation and reused by every letter."""
    st = styles()
    reader = logo_reader(logo_png) if logo_png else None
    text_w = FRAME_W - LOGO_BOX[0] - 6 * mm if reader is not None else FRAME_W
    top = PAGE_H - MARGIN_TOP + 4 * mm
    # (font, size, colour, x of the right edge, baseline, text) for every line, right-aligned
    lines: list[tuple[str, float, Any, float, float, str]] = []
    y = top
    right = PAGE_W - MARGIN_X
    for texts, style in (((name,), st.org_name), (details, st.org)):
        measure = measure_for(style.fontName, style.fontSize)
        for text in texts:
            for line in wrap_lines(text, text_w, measure) if text else []:
                y -= style.leading
                lines.append((style.fontName, style.fontSize, style.textColor, right, y + style.leading - style.fontSize, line))
        y -= 1
    logo = logo_size(reader) if reader is not None else (0.0, 0.0)

    def paint(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        if reader is not None:
            canvas.drawImage(reader, MARGIN_X, top - logo[1], logo[0], logo[1], mask="auto")
        for font, size, colour, x, baseline, line in lines:
            canvas.setFont(font, size)
            canvas.setFillColor(colour)
            canvas.drawRightString(x, baseline, line)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        rule_y = PAGE_H - MARGIN_TOP - LETTERHEAD_H + 6 * mm
        canvas.line(MARGIN_X, rule_y, PAGE_W - MARGIN_X, rule_y)
        canvas.restoreState()

    return paint


FACT_SIZE = 8.5
FACT_LEADING = 11.5


class AddressBlock(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """The recipient's name and address on the left; date, reference, received and due dates on the
    right, flush with the right margin."""

    def __init__(self, recipient: list[str], facts: list[tuple[str, str]], style: ParagraphStyle) -> None:
        super().__init__()
        self.recipient = recipient
        self.facts = facts
        self.body = style
        fact_measure = measure_for(FONT, FACT_SIZE)
        self.label_w = max(fact_measure(k) for k, _ in facts)
        self.value_w = max(fact_measure(v) for _, v in facts)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        left_w = availWidth - self.label_w - self.value_w - 12 * mm
        measure = measure_for(self.body.fontName, self.body.fontSize)
        self.lines = [wrapped for line in self.recipient for wrapped in wrap_lines(line, left_w, measure)]
        self.height = max(len(self.lines) * self.body.leading, len(self.facts) * FACT_LEADING)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setFont(self.body.fontName, self.body.fontSize)
        y = self.height - self.body.fontSize
        for line in self.lines:
            c.drawString(0, y, line)
            y -= self.body.leading
        value_x = self.width - self.value_w
        y = self.height - self.body.fontSize
        c.setFont(FONT, FACT_SIZE)
        for label, value in self.facts:
            c.setFillColor(GREY)
            c.drawRightString(value_x - 4, y, label)
            c.setFillColor(colors.black)
            c.drawString(value_x, y, value)
            y -= FACT_LEADING


def _address_block(ctx: LetterContext, labels: Mapping[str, str], st: Styles) -> AddressBlock:
    v = ctx.values
    recipient = [v["addressee_name"]]
    if v["requester_name"]:
        recipient.append(f"on behalf of {v['subject_name']}")
    if v["subject_address"]:
        recipient.extend(v["subject_address"].splitlines())
    elif v["subject_email"]:
        recipient.append(v["subject_email"])
    facts = [
        (labels["date_label"], v["today"]),
        (labels["reference_label"], v["reference"]),
        (labels["received_label"], v["received_date"]),
        (labels["due_label"], v["effective_due_date"]),
    ]
    return AddressBlock([r for r in recipient if r.strip()], facts, st.body)


def _section_flowables(section: Section, ctx: LetterContext, guard: TextGuard, file: str, st: Styles,
                       number: int = 0) -> list[Flowable]:
    out: list[Flowable] = []
    if section.heading:
        heading = fill(section.heading, ctx, guard, file)
        out.append(TextBlock(f"{number}. {heading}" if number else heading, st.heading))
    if section.text:
        out.extend(text_flowables(fill(section.text, ctx, guard, file), st))
    if section.items:
        for item in ctx.lists[section.items]:
            out.append(TextBlock(item, st.bullet, "•"))
    return out


def letter_story(template: LetterTemplate, ctx: LetterContext, guard: TextGuard, labels: Mapping[str, str]) -> list[Flowable]:
    st = styles()
    file = template.file
    story: list[Flowable] = [Spacer(1, LETTERHEAD_H), _address_block(ctx, labels, st), Spacer(1, 8 * mm)]
    story.append(TextBlock(fill(template.title, ctx, guard, file), st.title))
    story.append(TextBlock(fill(template.subject, ctx, guard, file), st.subject))
    story.append(TextBlock(fill(template.salutation, ctx, guard, file), st.body))
    number = 0
    for section in template.sections:
        if section.applies(ctx.flags, ctx.reply_items):
            number += section.numbered
            story.extend(_section_flowables(section, ctx, guard, file, st, number if section.numbered else 0))
    signature = [line for line in fill(template.signature, ctx, guard, file).splitlines() if line.strip()]
    # Closing, room to sign, signature: one block that never splits (cheaper than KeepTogether).
    closing = fill(template.closing, ctx, guard, file)
    story.append(TextBlock("\n".join([closing, "", "", *signature]), st.closing, keep_together=True))
    return story


# --- appendix ---------------------------------------------------------------------------------

MEASURE_CACHE_SIZE = 4096


class Measure:
    """String widths in one font and size, memoised: appendix values repeat a lot (statuses, e-mails)."""

    def __init__(self, font: str, size: float) -> None:
        self.font = font
        self.size = size
        self._cache: dict[str, float] = {}

    def __call__(self, text: str) -> float:
        width = self._cache.get(text)
        if width is None:
            width = stringWidth(text, self.font, self.size)
            if len(self._cache) >= MEASURE_CACHE_SIZE:
                self._cache.clear()  # bounded: memory must not grow with the number of letters
            self._cache[text] = width
        return width


def wrap_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap by measured width; words longer than a line are cut by characters."""
    lines: list[str] = []
    space = measure(" ")
    for raw in text.split("\n"):
        if measure(raw) <= width:
            lines.append(raw)
            continue
        line, line_w = "", 0.0
        for word in raw.split(" "):
            ww = measure(word)
            if line and line_w + space + ww <= width:
                line, line_w = f"{line} {word}", line_w + space + ww
                continue
            if line:
                lines.append(line)
            while ww > width and len(word) > 1:
                cut = max(1, int(len(word) * width / ww))
                while cut > 1 and measure(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                ww = measure(word)
            line, line_w = word, ww
        lines.append(line)
    return lines or [""]


class RecordTable(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A grid of text cells that splits across pages with its header row repeated.

    platypus' Table draws every cell through its own text object and style lookups, which made a
    200-row appendix cost ~80 ms; this draws all cells of a page in three text objects. Cells are
    plain text, wrapped by width; the first column (the record number) is grey.
    """

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
                 _wrapped: tuple[list[list[str]], list[list[list[str]]]] | None = None,
                 measure: Measure | None = None) -> None:
        super().__init__()
        self.header = list(header)
        self.rows = rows
        self.widths = list(widths)
        self.leading = CELL_FONT_SIZE * 1.25
        if _wrapped is None:
            inner = [w - 2 * CELL_PAD for w in self.widths]
            bold = Measure(FONT_BOLD, CELL_FONT_SIZE)
            regular = measure or Measure(FONT, CELL_FONT_SIZE)
            head = [wrap_lines(h, inner[i], bold) for i, h in enumerate(self.header)]
            body = [[wrap_lines(c, inner[i], regular) for i, c in enumerate(row)] for row in rows]
            _wrapped = (head, body)
        self.head_lines, self.body_lines = _wrapped
        self.head_h = self._height(self.head_lines)
        self.row_h = [self._height(r) for r in self.body_lines]
        self.width = sum(self.widths)
        self.height = self.head_h + sum(self.row_h)

    def _height(self, cells: list[list[str]]) -> float:
        return max(len(c) for c in cells) * self.leading + 2 * CELL_VPAD

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        room = availHeight - self.head_h
        k, used = 0, 0.0
        while k < len(self.row_h) and used + self.row_h[k] <= room:
            used += self.row_h[k]
            k += 1
        if k == 0 or k == len(self.row_h):
            return []
        return [
            RecordTable(self.header, self.rows[:k], self.widths, (self.head_lines, self.body_lines[:k])),
            RecordTable(self.header, self.rows[k:], self.widths, (self.head_lines, self.body_lines[k:])),
        ]

    def draw(self) -> None:
        c = self.canv
        xs = [0.0]
        for w in self.widths[:-1]:
            xs.append(xs[-1] + w)
        # backgrounds and rules first
        c.saveState()
        c.setFillColor(HEADER_BG)
        c.rect(0, self.height - self.head_h, self.width, self.head_h, stroke=0, fill=1)
        y = self.height - self.head_h
        tops = []
        c.setFillColor(ZEBRA)
        for n, h in enumerate(self.row_h):
            tops.append(y)
            if n % 2 == 1:
                c.rect(0, y - h, self.width, h, stroke=0, fill=1)
            y -= h
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.line(0, self.height - self.head_h, self.width, self.height - self.head_h)
        c.setStrokeColor(GRID)
        c.setLineWidth(0.25)
        c.lines([(0, t - h, self.width, t - h) for t, h in zip(tops, self.row_h, strict=True)])
        c.restoreState()
        # text: header (bold), record numbers (grey), cells
        first = CELL_VPAD + CELL_FONT_SIZE * 0.93
        text = c.beginText()
        text.setFont(FONT_BOLD, CELL_FONT_SIZE, self.leading)
        for i, lines in enumerate(self.head_lines):
            self._lines(text, lines, xs[i] + CELL_PAD, self.height - first)
        text.setFont(FONT, CELL_FONT_SIZE, self.leading)
        text.setFillColor(GREY)
        for top, cells in zip(tops, self.body_lines, strict=True):
            self._lines(text, cells[0], CELL_PAD, top - first)
        text.setFillColor(colors.black)
        for top, cells in zip(tops, self.body_lines, strict=True):
            for i in range(1, len(cells)):
                self._lines(text, cells[i], xs[i] + CELL_PAD, top - first)
        c.drawText(text)

    def _lines(self, text: Any, lines: list[str], x: float, y: float) -> None:
        code = text._code
        for line in lines:
            if line:
                # What setTextOrigin() and textOut() emit, without their per-call float formatting
                # and width measuring (a cursor we never use): a third of an appendix's time.
                code.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
                text._textOut(line)
            y -= self.leading



def _columns_of(source: ExportSource) -> list[str]:
    """The declared columns, plus any key a row has that the column list forgot (never drop data)."""
    cols = list(source.columns)
    known = set(cols)
    for row in source.rows:
        for key in row:
            if key not in known:
                cols.append(key)
                known.add(key)
    return cols


MIN_COL_W = 14 * mm
MAX_NATURAL_W = 70 * mm
MAX_WORD_W = 45 * mm
MAX_GROUP_W = 1.5  # a group may hold columns whose natural widths add up to 1.5 pages


def _natural_widths(
    headers: Sequence[str], cells: Sequence[Sequence[str]], measure: Measure
) -> tuple[list[float], list[float]]:
    """Per column: the width if nothing wrapped (widest line) and the width below which a word would
    have to be cut (widest word), both from the first 200 records and capped."""
    natural, minimum = [], []
    pad = 2 * CELL_PAD + 1
    for i, head in enumerate(headers):
        widest_word = max((stringWidth(w, FONT_BOLD, CELL_FONT_SIZE) for w in head.split()), default=0.0)
        widest = widest_word
        for row in cells[:200]:
            text = row[i]
            width = max(map(measure, text.split("\n"))) if "\n" in text else measure(text)
            if width > widest:
                widest = width
            if width <= widest_word:
                continue
            for word in text.split():
                widest_word = max(widest_word, measure(word))
        natural.append(min(max(widest + pad, MIN_COL_W), MAX_NATURAL_W))
        minimum.append(min(max(widest_word + pad, MIN_COL_W), MAX_WORD_W, natural[-1]))
    return natural, minimum


def _group_columns(natural: Sequence[float], avail: float) -> list[list[int]]:
    """Split columns into groups that each fit the page reasonably, at most MAX_GROUP_COLUMNS each."""
    groups: list[list[int]] = [[]]
    used = 0.0
    for i, w in enumerate(natural):
        group = groups[-1]
        if group and (len(group) >= MAX_GROUP_COLUMNS or used + w > avail * MAX_GROUP_W):
            groups.append([])
            used = 0.0
        groups[-1].append(i)
        used += w
    return groups


def _column_widths(natural: Sequence[float], minimum: Sequence[float], avail: float) -> list[float]:
    """Fit the columns into ``avail``: widen all when there is room; otherwise every column keeps at
    least its widest word and the wide, wrappable columns give way first (water-filling)."""
    total = sum(natural)
    if total <= avail:
        return [w * avail / total for w in natural]
    if sum(minimum) >= avail:
        return [w * avail / sum(minimum) for w in minimum]
    lo, hi = 0.0, max(natural)
    for _ in range(40):
        limit = (lo + hi) / 2
        if sum(max(m, min(w, limit)) for w, m in zip(natural, minimum, strict=True)) > avail:
            hi = limit
        else:
            lo = limit
    widths = [max(m, min(w, lo)) for w, m in zip(natural, minimum, strict=True)]
    return [w * avail / sum(widths) for w in widths]


def source_flowables(
    source: ExportSource, guard: TextGuard, labels: Mapping[str, str], note_counter: list[int]
) -> list[Flowable]:
    """One table's records: heading, column-group tables with repeated headers, long-value notes."""
    st = styles()
    null = labels["null_value"]
    title = guard.clean(source.title, "a table name")
    out: list[Flowable] = [
        CondPageBreak(40 * mm),
        TextBlock(title, st.h2),
        TextBlock(labels["source_rows"].format(rows=len(source.rows)), st.small),
        Spacer(1, 2 * mm),
    ]
    columns = _columns_of(source)
    if not source.rows or not columns:
        return out
    headers = [guard.clean(str(c), f"the column names of {title}") for c in columns]
    # Text of every cell once, checked for printable characters.
    cells: list[list[str]] = []
    for n, row in enumerate(source.rows, start=1):
        cells.append([
            guard.clean(cell_text(row.get(col), null), f"{title}, column {headers[i]}, record {n}")
            for i, col in enumerate(columns)
        ])
    index_w = max(stringWidth(str(len(cells)), FONT, CELL_FONT_SIZE) + 2 * CELL_PAD + 2, 8 * mm)
    avail = FRAME_W - index_w
    measure = Measure(FONT, CELL_FONT_SIZE)
    natural, minimum = _natural_widths(headers, cells, measure)
    groups = _group_columns(natural, avail)
    notes: list[Flowable] = []
    for g, group in enumerate(groups, start=1):
        widths = [index_w, *_column_widths([natural[i] for i in group], [minimum[i] for i in group], avail)]
        if len(groups) > 1:
            out.append(TextBlock(labels["columns_part"].format(part=g, parts=len(groups)), st.small))
        header = [labels["row_label"]] + [headers[i] for i in group]
        inner = [w - 2 * CELL_PAD for w in widths]
        body: list[list[str]] = []
        wrapped: list[list[list[str]]] = []
        for n, row_cells in enumerate(cells, start=1):
            line = [str(n)]
            lines = [[str(n)]]
            for slot, i in enumerate(group, start=1):
                text = row_cells[i]
                chars_per_line = inner[slot] / (CELL_FONT_SIZE * 0.45)
                cell_lines = (
                    wrap_lines(text, inner[slot], measure)
                    if len(text) / chars_per_line + text.count("\n") <= 2 * MAX_CELL_LINES else None
                )
                if cell_lines is None or len(cell_lines) > MAX_CELL_LINES:
                    # Too tall for a table row (it could outgrow a page): print it as a note below.
                    note_counter[0] += 1
                    note = note_counter[0]
                    text = labels["long_value_ref"].format(note=note)
                    cell_lines = wrap_lines(text, inner[slot], measure)
                    heading = labels["long_value_heading"].format(note=note, row=n, column=headers[i])
                    notes.append(TextBlock(heading, st.cell_head))
                    notes.extend(TextBlock(chunk, st.note) for chunk in _chunks(row_cells[i]))
                line.append(text)
                lines.append(cell_lines)
            body.append(line)
            wrapped.append(lines)
        bold = Measure(FONT_BOLD, CELL_FONT_SIZE)
        head_lines = [wrap_lines(h, inner[k], bold) for k, h in enumerate(header)]
        out.append(RecordTable(header, body, widths, (head_lines, wrapped)))
        out.append(Spacer(1, 3 * mm))
    out.extend(notes)
    return out




def _chunks(text: str, size: int = 1500) -> list[str]:
    """A very long value as paragraphs that can each break across pages."""
    out: list[str] = []
    for part in text.split("\n"):
        while len(part) > size:
            cut = part.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            out.append(part[:cut])
            part = part[cut:].lstrip(" ")
        out.append(part)
    return [o for o in out if o] or [""]


def appendix_story(
    template: LetterTemplate, ctx: LetterContext, guard: TextGuard, labels: Mapping[str, str],
    snapshot: ExportSnapshot,
) -> list[Flowable]:
    st = styles()
    file = template.file
    texts = template.appendix
    story: list[Flowable] = [PageBreak(), TextBlock(fill(texts["title"], ctx, guard, file), st.title)]
    story.extend(text_flowables(fill(texts["intro"], ctx, guard, file), st))
    if "has_portability_file" in ctx.flags:
        story.append(TextBlock(fill(texts["portability_heading"], ctx, guard, file), st.h2))
        story.append(TextBlock(fill(texts["portability"], ctx, guard, file), st.body))
    if not snapshot.row_count:
        story.append(TextBlock(fill(texts["empty"], ctx, guard, file), st.body))
        return story
    story.append(TextBlock(fill(texts["summary_heading"], ctx, guard, file), st.h2))
    for item in ctx.lists["sources_summary"]:
        story.append(TextBlock(item, st.bullet, "•"))
    notes = [0]
    for source in snapshot.sources:
        if source.rows:
            story.extend(source_flowables(source, guard, labels, notes))
    return story


def build_pdf(
    story: list[Flowable], profile: OrgProfile, guard: TextGuard, *, title: str, subject: str,
    footer: str, running_header: str, page_label: str, encrypt: Any = None, keywords: str = "",
) -> tuple[bytes, int]:
    """Lay out ``story``; returns the PDF bytes and the page count."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        # The frame pads its content by 6 pt on each side; shift the margins so text starts at MARGIN_X.
        buf, pagesize=A4, leftMargin=MARGIN_X - 6, rightMargin=MARGIN_X - 6, topMargin=MARGIN_TOP - 6,
        bottomMargin=MARGIN_BOTTOM - 6, title=title, author=profile.org_name, subject=subject,
        creator="PrivDesk", producer="PrivDesk (reportlab)", encrypt=encrypt, keywords=keywords,
        initialFontName=FONT,  # else every PDF names an unembedded Helvetica it never draws with
    )

    def make_canvas(*args: Any, **kwargs: Any) -> NumberedCanvas:
        return NumberedCanvas(*args, page_label=page_label, footer=footer, running_header=running_header, **kwargs)

    painter = _first_page_painter(profile, guard)
    # One letter at a time per process: reportlab's TTFont keeps per-document state and the cached
    # letterhead paragraphs are drawn in place, neither is safe across threads.
    with _BUILD_LOCK:
        doc.build(story, onFirstPage=painter, canvasmaker=make_canvas)
    return buf.getvalue(), math.floor(doc.page)


_BUILD_LOCK = threading.Lock()
