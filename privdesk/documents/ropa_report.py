"""The record of processing activities as a PDF (GDPR Art. 30(1), for an authority under Art. 30(4)).

One page header with the controller and its DPO (Art. 30(1)(a)), then one block per activity: a
two-column table of the Art. 30(1)(b)-(g) items and the mapped systems.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from privdesk.documents.context import TextGuard, format_date
from privdesk.documents.layout import FRAME_W, LETTERHEAD_H, TABLE_FONT, build_pdf, markup, styles
from privdesk.domain.profile import OrgProfile
from privdesk.domain.ropa import Activity

_NONE = "—"


def _rows(a: Activity) -> list[tuple[str, str]]:
    def lst(items: Sequence[str]) -> str:
        return "\n".join(f"• {i}" for i in items) or _NONE

    return [
        ("Purposes (Art. 30(1)(b))", lst(a.purposes)),
        ("Lawful basis (Art. 6)", a.lawful_basis or _NONE),
        ("Special categories condition (Art. 9)", a.special_condition or "not applicable"),
        ("Categories of data subjects (Art. 30(1)(c))", lst(a.subject_categories)),
        ("Categories of personal data (Art. 30(1)(c))", lst(a.data_categories)),
        ("Recipients (Art. 30(1)(d))", lst(a.recipients)),
        ("Third-country transfers and safeguards (Art. 30(1)(e))", lst([t.describe() for t in a.transfers])
         if a.transfers else "none"),
        ("Retention (Art. 30(1)(f))", a.retention or _NONE),
        ("Source, where not the data subject", a.source or "the data subject"),
        ("Automated decision-making and its logic", a.automated_decisions or "none"),
        ("Systems", lst(a.systems)),
        ("Mapped tables", lst(a.tables)),
        ("Security measures (Art. 30(1)(g), Art. 32(1))", a.security_measures or _NONE),
    ]


def render_register(activities: Sequence[Activity], profile: OrgProfile, today: date | None = None) -> bytes:
    """The PDF bytes of the register; characters the fonts lack are shown as codes, never dropped."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    st = styles()
    guard = TextGuard("mark")
    today = today or date.today()

    def para(text: str, style: object, where: str) -> Paragraph:
        return Paragraph(markup(guard.clean(text, where)), style)

    controller = "\n".join(p for p in (profile.org_name, profile.org_address, profile.org_email) if p)
    dpo = " · ".join(p for p in (profile.dpo_name, profile.dpo_email, profile.dpo_phone) if p)
    story: list[object] = [
        Spacer(1, LETTERHEAD_H),
        para("Record of processing activities", st.title, "title"),
        para(f"GDPR Art. 30(1) · as of {format_date(today)} · {len(activities)} activities", st.subject, "subtitle"),
        para("Controller", st.h2, "heading"),
        para(controller or _NONE, st.body, "controller"),
    ]
    if dpo:
        story += [para("Data protection officer", st.h2, "heading"), para(dpo, st.body, "DPO")]
    if not activities:
        story.append(para("The register holds no activities yet.", st.body, "empty"))
    width = FRAME_W - 12  # the frame pads 6 pt on each side
    for n, a in enumerate(activities, start=1):
        story.append(para(f"{n}. {a.name}", st.heading, f"activity {a.name}"))
        data = [[para(label, st.cell_head, label), para(value, st.cell, f"{a.name}: {label}")]
                for label, value in _rows(a)]
        table = Table(data, colWidths=[width * 0.32, width * 0.68], hAlign="LEFT")
        table.setStyle(TableStyle([
            TABLE_FONT,
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8ccd2")),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f3f5")),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        story += [table, Spacer(1, 8)]
    footer = f"{profile.org_name} · Record of processing activities" if profile.org_name else "Record of processing activities"
    pdf, _pages = build_pdf(story, profile, guard, title="Record of processing activities",
                            subject="GDPR Art. 30", footer=footer, running_header=footer, page_label="Page {page} of {pages}")
    return pdf
