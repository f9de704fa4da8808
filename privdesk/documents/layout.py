"""Lays a filled template out as an A4 letter with reportlab's platypus.

Page 1 carries the letterhead (logo, organisation details), the recipient and a date/reference
block; later pages a slim running header. Every page gets "Page x of y" from a canvas that holds
its pages until the total is known. The export letter's appendix prints one table per source,
splitting wide tables into column groups and repeating the header row on every page.
"""

from __future__ import annotations

import io
import math
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
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
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

MAX_GROUP_COLUMNS = 5     # data columns per table before it is split into column groups
CELL_FONT_SIZE = 7.5
CELL_PAD = 3
MAX_CELL_LINES = 30       # beyond this a value moves to a numbered note after its table


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    bullet: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle
    subject: ParagraphStyle
    small: ParagraphStyle
    small_right: ParagraphStyle
    org: ParagraphStyle
    org_name: ParagraphStyle
    h2: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    note: ParagraphStyle


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
        small_right=ParagraphStyle("small_right", parent=small, alignment=TA_RIGHT),
        org=ParagraphStyle("org", parent=small, alignment=TA_RIGHT, textColor=GREY),
        org_name=ParagraphStyle("org_name", parent=body, fontName=FONT_BOLD, fontSize=13, leading=16,
                                alignment=TA_RIGHT, spaceAfter=2),
        h2=ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=10.5, leading=14, spaceBefore=10,
                          spaceAfter=2, keepWithNext=1),
        cell=cell,
        cell_head=ParagraphStyle("cell_head", parent=cell, fontName=FONT_BOLD),
        note=ParagraphStyle("note", parent=body, fontSize=8.5, leading=11.5, splitLongWords=True),
    )


def markup(text: str) -> str:
    """Plain text to Paragraph markup: escape XML, keep line breaks."""
    return escape(text).replace("\n", "<br/>")


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
            for line in lines:
                if line.startswith("- "):
                    if para:
                        out.append(Paragraph(markup(" ".join(para)), st.body))
                        para = []
                    out.append(Paragraph(markup(line[2:].strip()), st.bullet, bulletText="•"))
                elif out and not para and isinstance(out[-1], Paragraph) and out[-1].style is st.bullet:
                    # continuation line of the previous bullet
                    prev = out.pop()
                    out.append(Paragraph(prev.text + " " + markup(line.strip()), st.bullet, bulletText="•"))
                else:
                    para.append(line.strip())
            if para:
                out.append(Paragraph(markup(" ".join(para)), st.body))
        else:
            # Single newlines inside a paragraph are source wrapping, except in a block that is all
            # short lines (an address), which keeps its lines.
            if len(lines) > 1 and all(len(line) < 60 for line in lines):
                out.append(Paragraph(markup(block), st.body))
            else:
                out.append(Paragraph(markup(" ".join(line.strip() for line in lines)), st.body))
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
    st = styles()
    lines = [markup(guard.clean(profile.org_name, "the organisation name"))]
    details = [profile.org_address.replace("\n", ", ")] if profile.org_address else []
    contact = " · ".join(p for p in (profile.org_email, profile.org_phone) if p)
    if contact:
        details.append(contact)
    detail_markup = "<br/>".join(markup(guard.clean(d, "the organisation details")) for d in details)
    reader = logo_reader(profile.logo_png) if profile.logo_png else None

    def paint(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        top = PAGE_H - MARGIN_TOP + 4 * mm
        text_w = FRAME_W
        if reader is not None:
            w, h = logo_size(reader)
            canvas.drawImage(reader, MARGIN_X, top - h, w, h, mask="auto")
            text_w = FRAME_W - LOGO_BOX[0] - 6 * mm
        y = top
        for text, style in ((lines[0], st.org_name), (detail_markup, st.org)):
            if not text:
                continue
            para = Paragraph(text, style)
            _, ph = para.wrap(text_w, LETTERHEAD_H)
            para.drawOn(canvas, PAGE_W - MARGIN_X - text_w, y - ph)
            y -= ph + 1
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        rule_y = PAGE_H - MARGIN_TOP - LETTERHEAD_H + 6 * mm
        canvas.line(MARGIN_X, rule_y, PAGE_W - MARGIN_X, rule_y)
        canvas.restoreState()

    return paint


def _address_block(ctx: LetterContext, labels: Mapping[str, str], st: Styles) -> Table:
    v = ctx.values
    recipient = [v["addressee_name"]]
    if v["requester_name"]:
        recipient.append(f"on behalf of {v['subject_name']}")
    if v["subject_address"]:
        recipient.extend(v["subject_address"].splitlines())
    elif v["subject_email"]:
        recipient.append(v["subject_email"])
    left = Paragraph("<br/>".join(markup(r) for r in recipient if r.strip()), st.body)
    facts = [
        (labels["date_label"], v["today"]),
        (labels["reference_label"], v["reference"]),
        (labels["received_label"], v["received_date"]),
        (labels["due_label"], v["effective_due_date"]),
    ]
    right = Table(
        [[Paragraph(markup(k), st.small_right), Paragraph(markup(val), st.small)] for k, val in facts],
        colWidths=[32 * mm, 38 * mm],
        style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                          ("TOPPADDING", (0, 0), (-1, -1), 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                          ("TEXTCOLOR", (0, 0), (0, -1), GREY)]),
    )
    return Table(
        [[left, right]],
        colWidths=[FRAME_W - 72 * mm, 72 * mm],
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                          ("RIGHTPADDING", (0, 0), (-1, -1), 0)]),
    )


def _section_flowables(section: Section, ctx: LetterContext, guard: TextGuard, file: str, st: Styles) -> list[Flowable]:
    out: list[Flowable] = []
    if section.heading:
        out.append(Paragraph(markup(fill(section.heading, ctx, guard, file)), st.heading))
    if section.text:
        out.extend(text_flowables(fill(section.text, ctx, guard, file), st))
    if section.items:
        for item in ctx.lists[section.items]:
            out.append(Paragraph(markup(item), st.bullet, bulletText="•"))
    return out


def letter_story(template: LetterTemplate, ctx: LetterContext, guard: TextGuard, labels: Mapping[str, str]) -> list[Flowable]:
    st = styles()
    file = template.file
    story: list[Flowable] = [Spacer(1, LETTERHEAD_H), _address_block(ctx, labels, st), Spacer(1, 10 * mm)]
    story.append(Paragraph(markup(fill(template.title, ctx, guard, file)), st.title))
    story.append(Paragraph(markup(fill(template.subject, ctx, guard, file)), st.subject))
    story.append(Paragraph(markup(fill(template.salutation, ctx, guard, file)), st.body))
    for section in template.sections:
        if section.applies(ctx.flags):
            story.extend(_section_flowables(section, ctx, guard, file, st))
    signature = [line for line in fill(template.signature, ctx, guard, file).splitlines() if line.strip()]
    story.append(KeepTogether([
        Spacer(1, 4 * mm),
        Paragraph(markup(fill(template.closing, ctx, guard, file)), st.body),
        Spacer(1, 8 * mm),
        Paragraph("<br/>".join(markup(s) for s in signature), st.body),
    ]))
    return story


# --- appendix ---------------------------------------------------------------------------------

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


def _column_widths(n_cols: int, weights: Sequence[float], index_w: float) -> list[float]:
    avail = FRAME_W - index_w
    total = sum(weights) or 1.0
    raw = [max(avail * w / total, 18 * mm) for w in weights]
    scale = avail / sum(raw)
    return [index_w] + [w * scale for w in raw]


def source_flowables(
    source: ExportSource, guard: TextGuard, labels: Mapping[str, str], note_counter: list[int]
) -> list[Flowable]:
    """One table's records: heading, column-group tables with repeated headers, long-value notes."""
    st = styles()
    null = labels["null_value"]
    title = guard.clean(source.title, "a table name")
    out: list[Flowable] = [
        CondPageBreak(40 * mm),
        Paragraph(markup(title), st.h2),
        Paragraph(markup(labels["source_rows"].format(rows=len(source.rows))), st.small),
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
    n_groups = math.ceil(len(columns) / MAX_GROUP_COLUMNS)
    size = math.ceil(len(columns) / n_groups)  # balanced: 7 columns print as 4 + 3, not 5 + 2
    groups = [list(range(i, min(i + size, len(columns)))) for i in range(0, len(columns), size)]
    index_w = max(stringWidth(str(len(cells)), FONT, CELL_FONT_SIZE) + 2 * CELL_PAD + 2, 8 * mm)
    notes: list[Flowable] = []
    for g, group in enumerate(groups, start=1):
        weights = []
        for i in group:
            sample = [len(r[i]) for r in cells[:200]]
            typical = sorted(sample)[len(sample) // 2] if sample else 1
            weights.append(min(max(typical, len(headers[i]) * 0.8, 6), 40))
        widths = _column_widths(len(group), weights, index_w)
        if len(groups) > 1:
            out.append(Paragraph(markup(labels["columns_part"].format(part=g, parts=len(groups))), st.small))
        head_row: list[Any] = [Paragraph(markup(labels["row_label"]), st.cell_head)]
        head_row += [Paragraph(markup(headers[i]), st.cell_head) for i in group]
        data: list[list[Any]] = [head_row]
        for n, row_cells in enumerate(cells, start=1):
            line: list[Any] = [str(n)]
            for slot, i in enumerate(group, start=1):
                text = row_cells[i]
                inner = widths[slot] - 2 * CELL_PAD
                if "\n" not in text and stringWidth(text, FONT, CELL_FONT_SIZE) <= inner:
                    line.append(text)
                    continue
                chars_per_line = max(inner / (CELL_FONT_SIZE * 0.5), 1)
                if len(text) / chars_per_line + text.count("\n") > MAX_CELL_LINES:
                    note_counter[0] += 1
                    note = note_counter[0]
                    line.append(Paragraph(markup(labels["long_value_ref"].format(note=note)), st.cell))
                    heading = labels["long_value_heading"].format(note=note, row=n, column=headers[i])
                    notes.append(Paragraph(markup(heading), st.cell_head))
                    notes.extend(Paragraph(markup(chunk), st.note) for chunk in _chunks(text))
                else:
                    line.append(Paragraph(markup(text), st.cell))
            data.append(line)
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(_TABLE_STYLE)
        if len(data) > 2:
            table.setStyle(TableStyle([("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA])]))
        out.append(table)
        out.append(Spacer(1, 3 * mm))
    out.extend(notes)
    return out


_TABLE_STYLE = TableStyle([
    ("FONT", (0, 0), (-1, -1), FONT, CELL_FONT_SIZE, CELL_FONT_SIZE * 1.25),
    ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#D5D8DD")),
    ("TEXTCOLOR", (0, 1), (0, -1), GREY),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
])


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
    story: list[Flowable] = [PageBreak(), Paragraph(markup(fill(texts["title"], ctx, guard, file)), st.title)]
    story.extend(text_flowables(fill(texts["intro"], ctx, guard, file), st))
    if "has_portability_file" in ctx.flags:
        story.append(Paragraph(markup(fill(texts["portability_heading"], ctx, guard, file)), st.h2))
        story.append(Paragraph(markup(fill(texts["portability"], ctx, guard, file)), st.body))
    if not snapshot.row_count:
        story.append(Paragraph(markup(fill(texts["empty"], ctx, guard, file)), st.body))
        return story
    story.append(Paragraph(markup(fill(texts["summary_heading"], ctx, guard, file)), st.h2))
    for item in ctx.lists["sources_summary"]:
        story.append(Paragraph(markup(item), st.bullet, bulletText="•"))
    notes = [0]
    for source in snapshot.sources:
        if source.rows:
            story.extend(source_flowables(source, guard, labels, notes))
    return story


def build_pdf(
    story: list[Flowable], profile: OrgProfile, guard: TextGuard, *, title: str, subject: str,
    footer: str, running_header: str, page_label: str, encrypt: Any = None,
) -> tuple[bytes, int]:
    """Lay out ``story``; returns the PDF bytes and the page count."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        # The frame pads its content by 6 pt on each side; shift the margins so text starts at MARGIN_X.
        buf, pagesize=A4, leftMargin=MARGIN_X - 6, rightMargin=MARGIN_X - 6, topMargin=MARGIN_TOP - 6,
        bottomMargin=MARGIN_BOTTOM - 6, title=title, author=profile.org_name, subject=subject,
        creator="PrivDesk", producer="PrivDesk (reportlab)", encrypt=encrypt,
    )

    def make_canvas(*args: Any, **kwargs: Any) -> NumberedCanvas:
        return NumberedCanvas(*args, page_label=page_label, footer=footer, running_header=running_header, **kwargs)

    doc.build(story, onFirstPage=_first_page_painter(profile, guard), canvasmaker=make_canvas)
    return buf.getvalue(), math.floor(doc.page)
