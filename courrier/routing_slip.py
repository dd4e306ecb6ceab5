"""The routing slip (fiche de liaison) printed and stapled to a paper mail as it goes round the
services: what it is, whom it is for, by when, who has a copy, and boxes to tick and sign."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from courrier.models import ContactRole, DiffusionRole, Mail
from courrier.pdf_text import build_pdf, text_paragraph


def _day(value: datetime.date | None) -> str:
    return date_format(value, "DATE_FORMAT") if value else "—"


def routing_slip(mail: Mail) -> bytes:
    styles = getSampleStyleSheet()
    label = ParagraphStyle("label", fontName="Helvetica-Bold", fontSize=9, leading=11)
    value = ParagraphStyle("value", fontName="Helvetica", fontSize=10, leading=12)
    senders = [
        str(link.contact)
        for link in mail.mail_contacts.select_related("contact")
        if link.role == ContactRole.SENDER
    ]
    entries = list(mail.diffusion_entries.select_related("entity", "user"))
    main = [str(e.user or e.entity) for e in entries if e.role == DiffusionRole.RECIPIENT]
    copies = [str(e.user or e.entity) for e in entries if e.role != DiffusionRole.RECIPIENT]
    facts = [
        (_("Chrono number"), mail.chrono_number or "—"),
        (_("Received on"), _day(mail.arrival_date)),
        (_("Channel"), str(mail.get_channel_display())),
        (_("Sender"), ", ".join(senders) or "—"),
        (_("Subject"), mail.subject),
        (_("Document type"), str(mail.document_type or "—")),
        (_("For action"), ", ".join(main) or str(mail.destination_entity or "—")),
        (_("Assigned to"), str(mail.assignee or "—")),
        (_("Copies for information"), ", ".join(copies) or "—"),
        (_("Answer due by"), _day(mail.due_date)),
    ]
    heading = _("Routing slip")
    story = [
        text_paragraph(f"{settings.BANNETTE_ORGANISATION_NAME} — {heading}", styles["Title"]),
        code128.Code128(mail.chrono_number or str(mail.pk), barHeight=12 * mm, barWidth=0.4 * mm),
        Spacer(1, 4 * mm),
    ]
    table = Table(
        [[text_paragraph(k, label), text_paragraph(v, value)] for k, v in facts],
        colWidths=[45 * mm, 130 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(1, 8 * mm)]
    ticks = [
        _("For action"),
        _("For information"),
        _("For an opinion"),
        _("To sign"),
        _("To file"),
        _("Answer directly"),
    ]
    boxes = Table(
        [
            [text_paragraph(f"☐  {t}", value) for t in ticks[:3]],
            [text_paragraph(f"☐  {t}", value) for t in ticks[3:]],
        ],
        colWidths=[58 * mm] * 3,
    )
    story += [boxes, Spacer(1, 8 * mm)]
    circuit = Table(
        [
            [
                text_paragraph(h, label)
                for h in (_("Service or person"), _("Date"), _("Comment"), _("Initials"))
            ]
        ]
        + [["", "", "", ""] for _row in range(6)],
        colWidths=[50 * mm, 25 * mm, 75 * mm, 25 * mm],
        rowHeights=[None] + [12 * mm] * 6,
    )
    circuit.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
    story += [circuit, Spacer(1, 6 * mm)]
    story.append(
        text_paragraph(
            _("Printed by Bannette on %(day)s.") % {"day": _day(timezone.localdate())},
            styles["Normal"],
        )
    )
    return build_pdf(
        story, title=f"{heading} {mail.chrono_number or ''}", margins=(17 * mm, 15 * mm)
    )
