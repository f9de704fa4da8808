"""The periodic compliance report (GDPR Art. 5(2), accountability) as a PDF and as CSV.

It prints a :class:`privdesk.domain.dashboard.Dashboard` as the service computed it, nothing
computed anew, so the report, the window and the ``dashboard`` command agree. Charts are drawn with reportlab's
graphics (no screen needed); the first page carries the organisation's letterhead, as letters do.
Imported only when a report is written: reportlab is heavy.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from privdesk.documents.context import TextGuard, format_date
from privdesk.documents.fonts import FONT, FONT_BOLD
from privdesk.documents.layout import (
    FRAME_W,
    GRID,
    HEADER_BG,
    LETTERHEAD_H,
    ZEBRA,
    build_pdf,
    markup,
    styles,
)
from privdesk.domain.dashboard import Dashboard, law_label, type_label
from privdesk.domain.profile import OrgProfile

RED = colors.HexColor("#b91c1c")
GREEN = colors.HexColor("#15803d")
BLUE = colors.HexColor("#1d4ed8")
CELL = 8


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def csv_text(d: Dashboard) -> str:
    """The same figures for spreadsheets: one row per figure, ``section,key,label,value``."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "key", "label", "value"])
    w.writerow(["period", "from", "First day", d.period.start.isoformat()])
    w.writerow(["period", "to", "Last day", d.period.end.isoformat()])
    w.writerow(["period", "as_of", "Figures as of", d.today.isoformat()])
    for key, label, _shown, raw in d.summary_rows():
        w.writerow(["figures", key, label, "" if raw is None else raw])
    for section, rates, lab in (("on_time_by_law", d.rates_by_law, law_label),
                                ("on_time_by_type", d.rates_by_type, type_label)):
        for r in rates:
            w.writerow([section, f"{r.key}.closed", f"{lab(r.key)}: answered", r.closed])
            w.writerow([section, f"{r.key}.on_time", f"{lab(r.key)}: on time", r.on_time])
            w.writerow([section, f"{r.key}.late", f"{lab(r.key)}: late", r.late])
    for reason, n in d.denied_grounds:
        w.writerow(["denied_grounds", "", _safe_cell(reason), n])
    for section, counts, lab in (("open_by_status", d.open_by_status, lambda s: s.replace("_", " ")),
                                 ("open_by_type", d.open_by_type, type_label),
                                 ("open_by_law", d.open_by_law, law_label)):
        for k, n in counts.items():
            w.writerow([section, k, lab(k), n])
    for wl in d.workload:
        w.writerow(["by_officer", f"{_safe_cell(wl.officer)}.open", "Open", wl.open])
        w.writerow(["by_officer", f"{_safe_cell(wl.officer)}.overdue", "Overdue", wl.overdue])
        w.writerow(["by_officer", f"{_safe_cell(wl.officer)}.due_soon", "Due soon", wl.due_soon])
    for b in d.weeks:
        w.writerow(["deadlines_by_week", b.start.isoformat() if b.start else "overdue", b.label, b.due])
    for br in d.breaches:
        w.writerow(["breaches", f"{br.reference}.authority", _safe_cell(br.title), br.notice])
        w.writerow(["breaches", f"{br.reference}.individuals", _safe_cell(br.title), br.individuals_notice])
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """A spreadsheet must not run a typed reason as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- PDF ------------------------------------------------------------------------------------------
def _table(header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[float],
           right: Iterable[int] = (), wrap: Iterable[int] = ()) -> Table:
    """A table with a repeated header row; ``wrap`` columns break their text into lines."""
    cell = styles().cell
    wrapped = set(wrap)
    data: list[list[Any]] = [list(header)]
    for r in rows:
        data.append([Paragraph(markup(v), cell) if i in wrapped else v for i, v in enumerate(r)])
    t = Table(data, colWidths=list(widths), repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, CELL),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, CELL),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in right]
    style += [("BACKGROUND", (0, i), (-1, i), ZEBRA) for i in range(2, len(data), 2)]
    t.setStyle(TableStyle(style))
    return t


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d\n%H:%M") if moment is not None else "–"


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _drawing(w: float, h: float) -> Drawing:
    """A chart's canvas whose starting font is the embedded one: reportlab's renderer selects
    Helvetica before drawing any shape unless the drawing names its initial font."""
    drawing = Drawing(w, h)
    drawing.initialFontName = FONT
    return drawing


def _weeks_chart(d: Dashboard) -> Drawing:
    w, h = FRAME_W, 62 * mm
    drawing = _drawing(w, h)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 28, 22, w - 40, h - 40
    chart.data = [[b.due for b in d.weeks]]
    chart.categoryAxis.categoryNames = [b.label for b in d.weeks]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True
    top = max([b.due for b in d.weeks] + [1])
    chart.valueAxis.valueMax = top * 1.15
    chart.valueAxis.valueStep = max(1, round(top / 5))
    chart.bars[0].fillColor = BLUE
    chart.bars[0].strokeColor = None
    for i, b in enumerate(d.weeks):
        if b.overdue:
            chart.bars[(0, i)].fillColor = RED
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    drawing.add(String(0, h - 10, "Open requests by deadline: overdue now, then this week and the weeks after",
                       fontName=FONT_BOLD, fontSize=8.5))
    return drawing


def _law_chart(d: Dashboard) -> Drawing | None:
    rates = list(d.rates_by_law)[:8]
    if not rates:
        return None
    bar_h = 14
    h = 30 + bar_h * len(rates) * 1.6
    w = FRAME_W
    drawing = _drawing(w, h)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 70, 8, w - 90, h - 30
    chart.data = [[r.on_time for r in rates], [r.late for r in rates]]
    chart.categoryAxis.categoryNames = [law_label(r.key) for r in rates]
    chart.categoryAxis.reverseDirection = True
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    widest = max(r.closed for r in rates)
    chart.valueAxis.valueStep = max(1, math.ceil(widest / 6))
    chart.valueAxis.valueMax = chart.valueAxis.valueStep * math.ceil(widest / chart.valueAxis.valueStep)
    chart.valueAxis.labelTextFormat = "%d"
    chart.categoryAxis.style = "stacked"
    chart.bars[0].fillColor = GREEN
    chart.bars[1].fillColor = RED
    chart.bars.strokeColor = None
    drawing.add(chart)
    drawing.add(String(0, h - 10, "Answered in the period by law: on time (green) and late (red)",
                       fontName=FONT_BOLD, fontSize=8.5))
    return drawing


def report_story(d: Dashboard, guard: TextGuard) -> list[Flowable]:
    st = styles()
    p = d.period

    def para(text: str, style: Any = st.body) -> Paragraph:
        return Paragraph(markup(guard.clean(text, "the report")), style)

    story: list[Flowable] = [Spacer(1, LETTERHEAD_H)]
    story.append(para("Compliance report: rights requests and personal data breaches", st.title))
    span = f"{format_date(p.start)} to {format_date(p.end)}"
    story.append(para(f"Period: {p.label + ', ' if p.label else ''}{span}. "
                      f"Open requests, overdue and workload as of {format_date(d.today)}.", st.subject))
    story.append(para(
        "Answered means completed or denied within the period; on time means on or before the deadline in "
        "force (the extended one where the request was extended). \"Deadlines met\" also counts the "
        "requests open past their deadline today, which \"answered on time\" alone would hide.", st.small))
    story.append(Spacer(1, 3 * mm))

    story.append(para("Key figures", st.heading))
    story.append(_table(["Figure", "Value"], [(lab, v) for _k, lab, v, _raw in d.summary_rows()],
                        [FRAME_W - 30 * mm, 30 * mm], right=[1]))
    story.append(Spacer(1, 4 * mm))
    story.append(KeepTogether([_weeks_chart(d)]))

    story.append(para("Answered on time, by law and by type", st.heading))
    chart = _law_chart(d)
    if chart is not None:
        story.append(chart)
        story.append(Spacer(1, 2 * mm))
    rows = [(f"Law: {law_label(r.key)}", str(r.closed), str(r.on_time), str(r.late), _pct(r.rate))
            for r in d.rates_by_law]
    rows += [(f"Type: {type_label(r.key)}", str(r.closed), str(r.on_time), str(r.late), _pct(r.rate))
             for r in d.rates_by_type]
    if rows:
        story.append(_table(["", "Answered", "On time", "Late", "On time %"], rows,
                            [FRAME_W - 80 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm], right=[1, 2, 3, 4]))
    else:
        story.append(para("No request was answered in the period."))

    story.append(para("Denials and the grounds used", st.heading))
    if d.denied_grounds:
        story.append(_table(["Ground", "Requests"], [(guard.clean(_clip(r, 140), "a denial reason"), str(n))
                                                    for r, n in d.denied_grounds],
                            [FRAME_W - 25 * mm, 25 * mm], right=[1]))
    else:
        story.append(para("No request was denied in the period."))

    story.append(para("Open requests now", st.heading))
    opened = [("Status", s.replace("_", " "), n) for s, n in d.open_by_status.items()]
    opened += [("Type", type_label(t), n) for t, n in d.open_by_type.items()]
    opened += [("Law", law_label(law), n) for law, n in d.open_by_law.items()]
    story.append(_table(["By", "", "Open"], [(a, b, str(n)) for a, b, n in opened],
                        [30 * mm, FRAME_W - 55 * mm, 25 * mm], right=[2]))
    story.append(para("Workload per officer", st.heading))
    story.append(_table(["Officer", "Open", "Overdue", "Due soon"],
                        [(guard.clean(w.officer, "an officer name"), str(w.open), str(w.overdue), str(w.due_soon))
                         for w in d.workload],
                        [FRAME_W - 60 * mm, 20 * mm, 20 * mm, 20 * mm], right=[1, 2, 3]))

    story.append(para("Late requests: answered late in the period, or open past their deadline", st.heading))
    if d.late:
        late_rows = [(r.reference, type_label(r.type), law_label(r.law), r.deadline.isoformat(),
                      r.decided_on.isoformat() if r.decided_on else "open", str(r.days_late),
                      guard.clean(_clip(r.reason, 200), "a late request's reason")) for r in d.late]
        story.append(_table(["Reference", "Type", "Law", "Deadline", "Answered", "Days\nlate", "Reason"], late_rows,
                            [25 * mm, 20 * mm, 17 * mm, 18 * mm, 18 * mm, 11 * mm, FRAME_W - 109 * mm], right=[5],
                            wrap=[6]))
        if d.late_total > len(d.late):
            story.append(para(f"… and {d.late_total - len(d.late)} more (the queue lists them all).", st.small))
    else:
        story.append(para("None."))

    story.append(para("Breaches the organisation became aware of in the period", st.heading))
    if d.breaches:
        b_rows = [(b.reference, guard.clean(_clip(b.title, 120), "a breach title"), b.risk, _when(b.aware),
                   _when(b.authority_due), _when(b.notified_at), b.notice,
                   f"{b.individuals_notice}\n{b.individuals_told} told" if b.individuals_told else b.individuals_notice)
                  for b in d.breaches]
        story.append(_table(["Reference", "Breach", "Risk", "Aware", "Authority\ndue", "Authority\nnotified",
                             "Authority\nnotice", "People\nnotice"], b_rows,
                            [24 * mm, FRAME_W - 136 * mm, 12 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm],
                            wrap=[1]))
    else:
        story.append(para("No breach in the period."))
    if d.breach_clock is not None:
        story.append(Spacer(1, 2 * mm))
        story.append(para(f"Nearest pending breach deadline now: {d.breach_clock.text()}.", st.small))
    return story


def render_report(d: Dashboard, profile: OrgProfile) -> tuple[bytes, int]:
    """The report as PDF bytes and its page count."""
    guard = TextGuard(mode="mark")
    story = report_story(d, guard)
    who = profile.org_name or "the organisation"
    title = f"Compliance report {d.period.start.isoformat()} to {d.period.end.isoformat()}"
    return build_pdf(story, profile, guard, title=title, subject=f"Rights requests and breaches of {who}",
                     footer=f"{who} · {title} · as of {d.today.isoformat()}", running_header=title,
                     page_label="Page {page} of {pages}")


__all__ = ["csv_text", "render_report", "report_story"]
