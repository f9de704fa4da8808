"""Breach notices as PDFs: the notification to the supervisory authority and the communication
to each affected person (standard or California layout), plus the file-writing helper.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import string
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from privdesk.documents import layout
from privdesk.documents.context import TextGuard
from privdesk.documents.fonts import FONT, FONT_BOLD, register_fonts
from privdesk.domain.profile import OrgProfile
from privdesk.errors import ConfigurationError


def write_private(path: Path, data: bytes, sync: bool = True) -> str:
    """Write ``data`` atomically (temporary file + ``os.replace``) with owner-only permissions;
    returns its SHA-256. A reader never sees a half-written notice. ``sync=False`` skips the
    fsync for the thousands of files of a batch, whose manifest is synced at the end."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return hashlib.sha256(data).hexdigest()


# -- templates as data -----------------------------------------------------------------------------

#: Placeholders every breach template may use.
COMMON_PLACEHOLDERS: dict[str, str] = {
    "reference": "the breach reference (BR-YYYY-NNNN)",
    "title": "the breach's title",
    "notice_date": "the date of the notice",
    "org_name": "the organisation's name",
    "org_address": "the organisation's postal address",
    "org_address_line": "the organisation's address on one line",
    "org_contact": "the organisation's e-mail and phone",
    "contact_name": "the contact point (DPO)",
    "contact_email": "the contact point's e-mail",
    "contact_phone": "the contact point's phone",
    "contact_phone_text": "', phone <number>' or nothing",
    "authority_name": "the supervisory authority",
    "authority_address": "the authority's postal address",
    "description": "what happened",
    "occurred_text": "when it happened (date or range, or not known)",
    "aware_date": "the date the organisation became aware",
    "aware_text": "date, time and zone of awareness",
    "consequences": "likely consequences",
    "measures": "measures taken",
    "measures_proposed": "measures proposed",
    "categories_text": "categories of personal data, in one line",
    "law_enforcement_text": "whether the notice was delayed for law enforcement",
    "delay_reasons": "the reasons for a late notice",
    "security_measures": "technical and security measures used to protect the data (LGPD Art. 48 §1, III)",
    "identity_services": "the identity-theft services offered (Cal. Civ. Code § 1798.82(d)(2)(G))",
    "service_months": "for how many months those services are offered",
    "delay_text": "the permitted delays recorded, with the reason (Cal. Civ. Code § 1798.82(a), (c))",
}
AUTHORITY_PLACEHOLDERS: dict[str, str] = COMMON_PLACEHOLDERS | {
    "phase_text": "initial notification or follow-up",
    "case_reference": "the authority's case reference",
    "regime_name": "the law",
    "citation_notify": "the article requiring the notice",
    "citation_content": "the article listing its content",
    "citation_phased": "the article allowing information in phases",
    "documentation_citation": "the article requiring the register",
    "due_text": "the deadline",
    "late_text": "yes, or no with by how much",
    "deadline_words": "the deadline in words",
    "processor": "processor involved",
    "others_informed": "other organisations, regulators or police informed",
    "discovery": "how the breach was discovered",
    "ongoing_text": "yes or no",
    "incident_type": "type of incident",
    "cyber_text": "cyber incident yes/no/unknown",
    "nature_text": "confidentiality / integrity / availability",
    "special_text": "special categories involved",
    "records_text": "approximate number of records",
    "subject_categories_text": "categories of data subjects",
    "subjects_text": "approximate number of data subjects",
    "unintelligible_text": "whether the data was unintelligible",
    "risk_text": "the risk assessment",
    "risk_reasoning": "its reasoning",
    "individuals_text": "whether individuals were or will be told",
    "exemptions_text": "Art. 34(3) exceptions relied on",
    "countries_text": "countries of affected people",
    "authorities_text": "authorities concerned",
}
PERSON_PLACEHOLDERS: dict[str, str] = COMMON_PLACEHOLDERS | {
    "person_name": "the person's name",
    "person_email": "the person's e-mail",
    "person_address": "the person's postal address",
}
FLAGS = frozenset({"late", "initial", "follow_up", "phased", "has_measures_proposed", "special",
                   "law_enforcement_delay", "credentials", "financial", "official_documents",
                   "contact", "health", "lgpd", "individuals_late", "offer_services", "has_delay"})
LISTS = frozenset({"categories", "advice"})
_TEMPLATE_KEYS = {"title", "subject", "intro", "section"}
_SECTION_KEYS = {"heading", "text", "rows", "list", "when", "unless"}


@dataclass(frozen=True)
class NoticeSection:
    heading: str
    text: str
    rows: tuple[tuple[str, str], ...]
    items: str
    when: tuple[str, ...]
    unless: tuple[str, ...]
    personal: bool = False

    def applies(self, flags: frozenset[str]) -> bool:
        return all(f in flags for f in self.when) and not any(f in flags for f in self.unless)


@dataclass(frozen=True)
class NoticeTemplate:
    file: str
    title: str
    subject: str
    intro: str
    sections: tuple[NoticeSection, ...]


def templates_dir() -> Path:
    from privdesk.paths import resource_path

    return resource_path("templates", "breach")


def _check_text(text: str, allowed: Mapping[str, str], file: str, where: str) -> str:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConfigurationError(f"Breach template {file}: a brace is not closed in {where} ({exc}).") from exc
    for _lit, name, spec, conv in parsed:
        if name is None:
            continue
        if name not in allowed or spec or conv:
            raise ConfigurationError(
                f"Breach template {file}: {where} uses the unknown placeholder {{{name}}}. "
                f"Known placeholders: {', '.join(sorted(allowed))}.")
    return text


def _load_template(path: Path, allowed: Mapping[str, str]) -> NoticeTemplate:
    file = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the breach template {path}: {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"Breach template {path} is not valid TOML: {exc}.") from exc
    unknown = set(data) - _TEMPLATE_KEYS
    if unknown:
        raise ConfigurationError(f"Breach template {file}: unknown key(s) {', '.join(sorted(unknown))}.")
    sections = []
    for i, sec in enumerate(data.get("section", []), start=1):
        where = f"section {i}"
        if not isinstance(sec, dict) or set(sec) - _SECTION_KEYS:
            raise ConfigurationError(f"Breach template {file}: {where} has unknown keys "
                                     f"{', '.join(sorted(set(sec) - _SECTION_KEYS))}.")
        rows = []
        for row in sec.get("rows", []):
            if not (isinstance(row, list) and len(row) == 2 and all(isinstance(x, str) for x in row)):
                raise ConfigurationError(f"Breach template {file}: {where} has a row that is not [label, value].")
            rows.append((_check_text(row[0], allowed, file, where), _check_text(row[1], allowed, file, where)))
        items = str(sec.get("list", ""))
        if items and items not in LISTS:
            raise ConfigurationError(f"Breach template {file}: {where} names an unknown list {items!r}.")
        when, unless = tuple(sec.get("when", ())), tuple(sec.get("unless", ()))
        for flag in when + unless:
            if flag not in FLAGS:
                raise ConfigurationError(f"Breach template {file}: {where} tests an unknown condition {flag!r}; "
                                         f"known: {', '.join(sorted(FLAGS))}.")
        texts = [str(sec.get("heading", "")), str(sec.get("text", "")), *(x for r in rows for x in r)]
        personal = any(name and name.startswith("person_")
                       for t in texts for _l, name, _s, _c in string.Formatter().parse(t))
        sections.append(NoticeSection(
            heading=_check_text(str(sec.get("heading", "")), allowed, file, where),
            text=_check_text(str(sec.get("text", "")), allowed, file, where),
            rows=tuple(rows), items=items, when=when, unless=unless, personal=personal))
    return NoticeTemplate(
        file=file, title=_check_text(str(data.get("title", "")), allowed, file, "title"),
        subject=_check_text(str(data.get("subject", "")), allowed, file, "subject"),
        intro=_check_text(str(data.get("intro", "")), allowed, file, "intro"), sections=tuple(sections))


@functools.lru_cache(maxsize=16)
def load_notice_template(kind: str, language: str = "", directory: Path | None = None) -> NoticeTemplate:
    """``authority``, ``individual`` or ``california``; ``individual.<language>.toml`` when shipped,
    ``authority.<regime>.toml`` for a law whose authority notice cites its own articles."""
    d = directory or templates_dir()
    allowed = AUTHORITY_PLACEHOLDERS if kind == "authority" else PERSON_PLACEHOLDERS
    if language and (d / f"{kind}.{language}.toml").exists():
        return _load_template(d / f"{kind}.{language}.toml", allowed)
    return _load_template(d / f"{kind}.toml", allowed)


def language_key(language: str) -> str:
    """``pt-BR``, ``PT`` and ``pt_br`` all mean ``pt``."""
    return language.strip().lower().replace("_", "-").split("-")[0]


_LANG_KEYS = {"page", "months", "date", "moment", "occurred_range", "occurred_from", "occurred_ongoing",
              "occurred_unknown", "phone", "not_known", "not_decided", "categories_unknown",
              "categories", "advice"}


@functools.lru_cache(maxsize=8)
def load_language(language: str, directory: Path | None = None) -> Mapping[str, Any] | None:
    """The wording of ``lang.<language>.toml``, or None when that language does not ship."""
    d = directory or templates_dir()
    path = d / f"lang.{language_key(language)}.toml"
    if not language or not path.exists() or not (d / f"individual.{language_key(language)}.toml").exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"Cannot read the language file {path}: {exc}.") from exc
    missing, unknown = _LANG_KEYS - set(data), set(data) - _LANG_KEYS
    if missing or unknown:
        raise ConfigurationError(f"Language file {path.name}: missing {sorted(missing)}, unknown {sorted(unknown)}.")
    if not (isinstance(data["months"], list) and len(data["months"]) == 12):
        raise ConfigurationError(f"Language file {path.name}: 'months' must list the twelve months.")
    return data


def shipped_languages(directory: Path | None = None) -> tuple[str, ...]:
    """Languages with both an individual notice template and their wording file."""
    d = directory or templates_dir()
    return tuple(sorted(p.stem.split(".", 1)[1] for p in d.glob("lang.*.toml")
                        if (d / f"individual.{p.stem.split('.', 1)[1]}.toml").exists()))


@functools.lru_cache(maxsize=4)
def load_advice(directory: Path | None = None) -> Mapping[str, tuple[str, ...]]:
    path = (directory or templates_dir()) / "advice.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"Cannot read the advice file {path}: {exc}.") from exc
    return {k: tuple(str(x) for x in v) for k, v in data.items() if isinstance(v, list)}


# -- what a notice is made of (plain, picklable values) ---------------------------------------------

@dataclass(frozen=True)
class LocalText:
    """The values and lists of a notice in another language (dates, categories, advice)."""

    values: Mapping[str, str]
    categories: tuple[str, ...]
    advice: tuple[str, ...]
    page_label: str = "Page {page} of {pages}"


@dataclass(frozen=True)
class NoticeData:
    """The breach side of a notice, prepared once and shared by every person's notice (and by the
    worker processes of a batch). ``languages`` holds the wording for people whose language has
    its own template (``individual.<lang>.toml`` with ``lang.<lang>.toml``)."""

    values: Mapping[str, str]
    flags: frozenset[str]
    categories: tuple[str, ...]
    advice: tuple[str, ...]
    profile: OrgProfile
    languages: Mapping[str, LocalText] = field(default_factory=dict)
    #: the regime whose authority notice this is; ``authority.<regime>.toml`` is used when it ships
    regime: str = ""


@dataclass(frozen=True)
class Recipient:
    """One person to tell."""

    id: int
    name: str
    email: str = ""
    address: str = ""
    language: str = ""
    california: bool = False


@dataclass(frozen=True)
class RenderedNotice:
    pdf: bytes
    pages: int
    warnings: tuple[str, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:  # validated at load; only a code bug gets here
        raise KeyError(key)


def _fill(text: str, values: Mapping[str, str], guard: TextGuard, where: str) -> str:
    return guard.clean(text.format_map(_Values(values)), where)


def _para_text(text: str) -> str:
    return layout.markup(text)


def _rows_table(rows: list[tuple[str, str]], st: layout.Styles) -> Table:
    data = [[Paragraph(_para_text(label), _label_style()), Paragraph(_para_text(value or "—"), _cell_style())]
            for label, value in rows]
    t = Table(data, colWidths=[62 * mm, layout.FRAME_W - 62 * mm], hAlign="LEFT")
    t.setStyle(_ROWS_STYLE)
    return t


@functools.lru_cache(maxsize=1)
def _label_style() -> ParagraphStyle:
    return ParagraphStyle("brlabel", parent=layout.styles().body, fontName=FONT_BOLD, fontSize=10,
                          leading=13, spaceAfter=0)


@functools.lru_cache(maxsize=1)
def _cell_style() -> ParagraphStyle:
    return ParagraphStyle("brcell", parent=layout.styles().body, fontSize=10, leading=13, spaceAfter=0,
                          splitLongWords=True)


_ROWS_STYLE = TableStyle([
    layout.TABLE_FONT,
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BBBBBB")),
    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F1F3F6")),
    ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
])


class _ReusedParagraph(Paragraph):  # type: ignore[misc]  # reportlab ships no type hints
    """A paragraph shared by every notice of a batch: parsed once, its lines broken once per width.

    Platypus re-breaks a paragraph on every ``wrap``; the shared sections of a breach's notices are
    the same for everyone, so the lines are kept for the width they were broken at. Splitting at a
    page end still makes new (unshared) paragraphs.
    """

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        cached = self.__dict__.get("_reused")
        if cached is not None and cached[0] == availWidth:
            self.width, self.height, self.blPara, self._wrapWidths = cached[1:]
            return self.width, self.height
        w, h = super().wrap(availWidth, availHeight)
        if hasattr(self, "blPara"):
            self._reused = (availWidth, self.width, self.height, self.blPara, self._wrapWidths)
        return w, h


def _reusable(flowables: list[Flowable]) -> list[Flowable]:
    """Shared flowables: Paragraphs keep their broken lines (TextBlocks already do)."""
    out: list[Flowable] = []
    for f in flowables:
        if type(f) is Paragraph:
            f.__class__ = _ReusedParagraph
        out.append(f)
    return out


def _section_flowables(sec: NoticeSection, values: Mapping[str, str], lists: Mapping[str, Sequence[str]],
                       guard: TextGuard) -> list[Flowable]:
    st = layout.styles()
    story: list[Flowable] = []
    if sec.heading:
        story.append(layout.TextBlock(_fill(sec.heading, values, guard, "a heading"), st.heading))
    if sec.text.strip():
        story.extend(layout.text_flowables(_fill(sec.text, values, guard, f"section {sec.heading!r}"), st))
    if sec.items:
        for item in lists.get(sec.items, ()):
            story.append(layout.TextBlock(guard.clean(item, sec.items), st.bullet, "•"))
    if sec.rows:
        story.append(_rows_table([(_fill(a, values, guard, sec.heading), _fill(b, values, guard, sec.heading))
                                  for a, b in sec.rows], st))
    return story


# Shared section flowables per (notice data, template): reused for every person of a batch.
_SHARED: dict[tuple[int, str, int], tuple[object, list[Flowable]]] = {}


def _shared(key_obj: object, template: NoticeTemplate, i: int, build: Callable[[], list[Flowable]]) -> list[Flowable]:
    key = (id(key_obj), template.file, i)
    hit = _SHARED.get(key)
    if hit is not None and hit[0] is key_obj:
        for f in hit[1]:
            # platypus marks a flowable moved to the next page; a mark left from the previous notice
            # would make it give up ("too large") instead of moving again
            f.__dict__.pop("_postponed", None)
        return hit[1]
    if len(_SHARED) > 64:  # each entry pins its NoticeData (and the profile's logo)
        _SHARED.clear()
    flowables = _reusable(build())
    _SHARED[key] = (key_obj, flowables)
    return flowables


def _story(template: NoticeTemplate, values: Mapping[str, str], flags: frozenset[str],
           lists: Mapping[str, Sequence[str]], guard: TextGuard, recipient_block: str,
           share: object | None = None) -> list[Flowable]:
    """The notice's flowables; with ``share`` (the batch's NoticeData) the sections that do not
    name the person are built once and reused."""
    st = layout.styles()
    story: list[Flowable] = []
    if recipient_block:
        story.append(layout.TextBlock(guard.clean(recipient_block, "the recipient's address"), _cell_style()))
        story.append(Spacer(1, 6 * mm))
    story.append(layout.TextBlock(_fill(template.title, values, guard, "the title"), st.title))
    story.append(Spacer(1, 2 * mm))
    if template.intro.strip():
        story.extend(layout.text_flowables(_fill(template.intro, values, guard, "the introduction"), st))
    for i, sec in enumerate(template.sections):
        if not sec.applies(flags):
            continue
        if share is not None and not sec.personal:
            story.extend(_shared(share, template, i,
                                 lambda sec=sec: _section_flowables(sec, values, lists, guard)))  # type: ignore[misc]
        else:
            story.extend(_section_flowables(sec, values, lists, guard))
    return story


class _NoticeCanvas(layout.NumberedCanvas):
    """The letters' numbered canvas with a 10-point footer (California requires 10-point type)."""

    def _decorate(self, total: int) -> None:
        page = self._pageNumber
        self.saveState()
        self.setStrokeColor(layout.RULE)
        self.setLineWidth(0.5)
        self.line(layout.MARGIN_X, layout.MARGIN_BOTTOM - 5 * mm, layout.PAGE_W - layout.MARGIN_X,
                  layout.MARGIN_BOTTOM - 5 * mm)
        self.setFont(FONT, 10)
        self.setFillColor(layout.GREY)
        y = layout.MARGIN_BOTTOM - 10 * mm
        label = self._page_label.format(page=page, pages=total)
        self.drawRightString(layout.PAGE_W - layout.MARGIN_X, y, label)
        width = layout.FRAME_W - stringWidth(label, FONT, 10) - 8 * mm
        self.drawString(layout.MARGIN_X, y, _clip(self._footer, width, 10))
        self.restoreState()


def _clip(text: str, width: float, size: float) -> str:
    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


_PAINTERS: dict[int, tuple[OrgProfile, Callable[[Canvas, Any], None]]] = {}
LOGO_DPI = 300


@functools.lru_cache(maxsize=4)
def prepared_logo(png: bytes) -> ImageReader:
    """The logo as a JPEG at print resolution for the letterhead box, made once per process.

    reportlab re-reads and re-compresses a PNG's pixels for every document (about 2 ms a notice
    for a 600x240 logo); a JPEG is copied into the PDF as it is. Transparency is flattened onto
    white, the colour of the paper it is printed on.
    """
    from PIL import Image

    src = layout.logo_reader(png)  # validates the image with the letters' message
    with Image.open(io.BytesIO(png)) as im:
        im.load()
        rgba = im.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    w, h = layout.logo_size(src)
    target = (max(1, round(w / 72 * LOGO_DPI)), max(1, round(h / 72 * LOGO_DPI)))
    if target[0] < flat.width:
        flat = flat.resize(target, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    flat.save(out, format="JPEG", quality=92)
    out.seek(0)
    return ImageReader(out)


def _letterhead(profile: OrgProfile, guard: TextGuard) -> Callable[[Canvas, Any], None]:
    """Organisation name and details (10-point and up), logo on the left; laid out once per
    profile and drawn as plain strings on every first page."""
    hit = _PAINTERS.get(id(profile))
    if hit is not None and hit[0] is profile:
        return hit[1]
    name = guard.clean(profile.org_name or "", "the organisation name")
    details = [profile.org_address.replace("\n", ", ")] if profile.org_address else []
    contact = " · ".join(p for p in (profile.org_email, profile.org_phone) if p)
    if contact:
        details.append(contact)
    details = [guard.clean(d, "the organisation details") for d in details]
    reader = prepared_logo(profile.logo_png) if profile.logo_png else None
    text_w = layout.FRAME_W - layout.LOGO_BOX[0] - 6 * mm if reader is not None else layout.FRAME_W
    top = layout.PAGE_H - layout.MARGIN_TOP + 4 * mm
    right = layout.PAGE_W - layout.MARGIN_X
    lines: list[tuple[str, float, Any, float, str]] = []
    y = top
    for texts, style in (([name], _head_styles()[0]), (details, _head_styles()[1])):
        measure = layout.measure_for(style.fontName, style.fontSize)
        for text in texts:
            for line in layout.wrap_lines(text, text_w, measure) if text else []:
                lines.append((style.fontName, style.fontSize, style.textColor, y - style.fontSize, line))
                y -= style.leading
        y -= 1
    logo = layout.logo_size(reader) if reader is not None else (0.0, 0.0)

    def paint(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        if reader is not None:
            canvas.drawImage(reader, layout.MARGIN_X, top - logo[1], logo[0], logo[1])
        for font, size, colour, baseline, line in lines:
            canvas.setFont(font, size)
            canvas.setFillColor(colour)
            canvas.drawRightString(right, baseline, line)
        canvas.setStrokeColor(layout.RULE)
        canvas.setLineWidth(0.5)
        rule_y = layout.PAGE_H - layout.MARGIN_TOP - layout.LETTERHEAD_H + 6 * mm
        canvas.line(layout.MARGIN_X, rule_y, layout.PAGE_W - layout.MARGIN_X, rule_y)
        canvas.restoreState()

    if len(_PAINTERS) > 16:
        _PAINTERS.clear()
    _PAINTERS[id(profile)] = (profile, paint)
    return paint


@functools.lru_cache(maxsize=1)
def _head_styles() -> tuple[ParagraphStyle, ParagraphStyle]:
    st = layout.styles()
    return (ParagraphStyle("brorg", parent=st.org_name, fontSize=13, leading=16),
            ParagraphStyle("brorgd", parent=st.org, fontSize=10, leading=12.5))


def _build(story: list[Flowable], profile: OrgProfile, guard: TextGuard, title: str, subject: str,
           footer: str, page_label: str = "Page {page} of {pages}") -> tuple[bytes, int]:
    """Page 1 leaves room for the letterhead; later pages use the full height."""
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=layout.MARGIN_X - 6, rightMargin=layout.MARGIN_X - 6,
        topMargin=layout.MARGIN_TOP - 6, bottomMargin=layout.MARGIN_BOTTOM - 6,
        title=title, author=profile.org_name, subject=subject, creator="PrivDesk",
        producer="PrivDesk (reportlab)", initialFontName=FONT,  # no unembedded Helvetica reference
    )
    x, w, bottom = doc.leftMargin, doc.width, doc.bottomMargin
    full_h = layout.PAGE_H - doc.topMargin - bottom
    first_h = full_h - (layout.LETTERHEAD_H - 2 * mm)
    doc.addPageTemplates([
        PageTemplate("first", [Frame(x, bottom, w, first_h, id="f1")], onPage=_letterhead(profile, guard),
                     autoNextPageTemplate="later"),
        PageTemplate("later", [Frame(x, bottom, w, full_h, id="f2")]),
    ])

    def make_canvas(*args: Any, **kwargs: Any) -> _NoticeCanvas:
        return _NoticeCanvas(*args, page_label=page_label, footer=footer, **kwargs)

    doc.build(story, canvasmaker=make_canvas)
    return buf.getvalue(), int(doc.page)


def render_authority_notice(data: NoticeData) -> RenderedNotice:
    """The notification to the supervisory authority as PDF bytes."""
    register_fonts()
    guard = TextGuard(mode="mark")
    template = load_notice_template("authority", data.regime)
    story = _story(template, data.values, data.flags, {"categories": data.categories, "advice": data.advice},
                   guard, "")
    pdf, pages = _build(story, data.profile, guard, _fill(template.title, data.values, guard, "title"),
                        _fill(template.subject, data.values, guard, "subject"),
                        f"{data.values['org_name']} · {data.values['reference']}")
    return RenderedNotice(pdf, pages, tuple(guard.warnings))


def _local(data: NoticeData, person: Recipient) -> LocalText | None:
    return None if person.california else data.languages.get(language_key(person.language))


def person_values(data: NoticeData, person: Recipient, local: LocalText | None = None) -> dict[str, str]:
    values = dict(data.values)
    if local is not None:
        values.update(local.values)
    values.update(person_name=person.name or "Sir or Madam", person_email=person.email,
                  person_address=person.address)
    return values


def render_person_notice(data: NoticeData, person: Recipient) -> RenderedNotice:
    """The communication to one person: the California layout for California residents, else the
    plain-language notice (in the person's language when a template for it ships)."""
    register_fonts()
    guard = TextGuard(mode="mark")
    local = _local(data, person)
    template = (load_notice_template("california") if person.california
                else load_notice_template("individual", language_key(person.language) if local else ""))
    values = person_values(data, person, local)
    block = "\n".join(x for x in (person.name, person.address or person.email) if x)
    lists = ({"categories": local.categories, "advice": local.advice} if local
             else {"categories": data.categories, "advice": data.advice})
    story = _story(template, values, data.flags, lists, guard, block, share=data)
    pdf, pages = _build(story, data.profile, guard, _fill(template.title, values, guard, "title"),
                        _fill(template.subject, values, guard, "subject"),
                        f"{data.values['org_name']} · {data.values['reference']}",
                        local.page_label if local else "Page {page} of {pages}")
    return RenderedNotice(pdf, pages, tuple(guard.warnings))


# -- batches ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonOutcome:
    """What happened to one person's notice in a batch."""

    person_id: int
    name: str
    email: str
    address: str
    file: str = ""
    sha256: str = ""
    error: str = ""
    warnings: tuple[str, ...] = ()
    language: str = ""


def file_name(reference: str, person_id: int) -> str:
    """Neutral file names (no personal data in the folder listing): ``BR-2026-0001-000042.pdf``."""
    return f"{reference}-{person_id:06d}.pdf"


def render_chunk(data: NoticeData, people: Sequence[Recipient], out_dir: str) -> list[PersonOutcome]:
    """Render and write one chunk of notices; one person's error never stops the others.

    Runs in a worker process for multi-process batches, so it takes and returns plain values.
    """
    out: list[PersonOutcome] = []
    for p in people:
        name = file_name(data.values["reference"], p.id)
        try:
            notice = render_person_notice(data, p)
            sha = write_private(Path(out_dir) / name, notice.pdf, sync=False)
            out.append(PersonOutcome(p.id, p.name, p.email, p.address, name, sha, "", notice.warnings, p.language))
        except Exception as exc:  # per-person errors are reported, the batch goes on
            out.append(PersonOutcome(p.id, p.name, p.email, p.address, "", "", f"{type(exc).__name__}: {exc}"))
    return out


_WORKER: dict[str, Any] = {}


def init_worker(data: NoticeData, out_dir: str) -> None:
    """Process-pool initializer: the breach side of the notices arrives once per worker (not with
    every job), so its shared flowables and letterhead are built once per worker too."""
    _WORKER["data"], _WORKER["out_dir"] = data, out_dir


def render_worker_chunk(people: Sequence[Recipient]) -> list[PersonOutcome]:
    """A job of a worker set up by :func:`init_worker`."""
    return render_chunk(_WORKER["data"], people, _WORKER["out_dir"])


class CombinedWriter:
    """Streams many notices into one PDF for printing: each starts on a new page, the footer says
    whose notice and which page, and pages are written as they fill (memory does not grow with
    the number of people beyond the compressed page streams)."""

    def __init__(self, data: NoticeData, title: str) -> None:
        register_fonts()
        self.data = data
        self.buf = io.BytesIO()
        self.canvas = Canvas(self.buf, pagesize=A4, pageCompression=1, initialFontName=FONT)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(data.profile.org_name)
        self.canvas.setCreator("PrivDesk")
        self.count = 0
        self.pages = 0
        self.guard = TextGuard(mode="mark")
        self.painter = _letterhead(data.profile, self.guard)

    def add(self, person: Recipient) -> None:
        local = _local(self.data, person)
        template = (load_notice_template("california") if person.california
                    else load_notice_template("individual", language_key(person.language) if local else ""))
        values = person_values(self.data, person, local)
        block = "\n".join(x for x in (person.name, person.address or person.email) if x)
        lists = ({"categories": local.categories, "advice": local.advice} if local
                 else {"categories": self.data.categories, "advice": self.data.advice})
        story = _story(template, values, self.data.flags, lists, self.guard, block, share=self.data)
        page = 0
        while story:
            page += 1
            top = layout.PAGE_H - layout.MARGIN_TOP
            if page == 1:
                self.painter(self.canvas, None)
                top -= layout.LETTERHEAD_H - 4 * mm
            frame = Frame(layout.MARGIN_X - 6, layout.MARGIN_BOTTOM - 6, layout.FRAME_W + 12,
                          top - layout.MARGIN_BOTTOM + 12)
            before = len(story)
            frame.addFromList(story, self.canvas)
            if len(story) == before and story:
                story.pop(0)  # a flowable larger than a page: drop it rather than loop for ever
            self.canvas.setFont(FONT, 10)
            self.canvas.setFillColor(layout.GREY)
            self.canvas.drawString(layout.MARGIN_X, layout.MARGIN_BOTTOM - 10 * mm,
                                   _clip(f"{self.data.values['reference']} · notice for {person.name} · page {page}",
                                         layout.FRAME_W, 10))
            self.canvas.showPage()
            self.pages += 1
        self.count += 1

    def finish(self) -> bytes:
        self.canvas.save()
        return self.buf.getvalue()
