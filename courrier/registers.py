"""The arrivals and departures registers (registre d'arrivée, registre de départ): every mail of
a period in the reader's perimeter, one line each, on screen, in CSV and in a printable PDF."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from courrier.models import Category, ContactRole, Entity, Mail, User
from courrier.pdf_text import build_pdf, text_paragraph
from courrier.selectors import descendant_ids, own_entities, visible_mails

KINDS = {
    "arrivees": Category.INCOMING,
    "departs": Category.OUTGOING,
    "internes": Category.INTERNAL,
}
FILE_NAMES = {"arrivees": "arrivee", "departs": "depart", "internes": "interne"}


@dataclass(frozen=True)
class Line:
    mail: Mail
    day: datetime.date
    chrono: str
    channel: str
    correspondent: str  # the sender of an arrival, the recipient of a departure
    subject: str
    entity: str


def register_entities(user: User) -> QuerySet[Entity]:
    """The entities a register may be narrowed to: every one for the mail room and those who
    see all mail, one's own (and below) for the others."""
    everything = user.has_perm("courrier.view_all_mail") or user.has_perm("courrier.qualify_mail")
    entities = Entity.objects.filter(active=True) if everything else own_entities(user)
    return entities.order_by("label")


def register_lines(
    user: User,
    kind: str,
    start: datetime.date,
    end: datetime.date,
    entity: Entity | None = None,
) -> list[Line]:
    category = KINDS[kind]
    mails: QuerySet[Mail] = (
        visible_mails(user)
        .filter(category=category, arrival_date__range=(start, end))
        .exclude(chrono_number="")
        .select_related("destination_entity", "issuing_entity", "recipient_entity")
        .prefetch_related("mail_contacts__contact")
        .order_by("arrival_date", "chrono_number")
    )
    if entity is not None:
        mails = mails.filter(destination_entity_id__in=descendant_ids([entity.pk]))
    role = ContactRole.SENDER if category == Category.INCOMING else ContactRole.RECIPIENT
    lines = []
    for mail in mails:
        people = [str(link.contact) for link in mail.mail_contacts.all() if link.role == role]
        if category == Category.INTERNAL:
            people = [f"{mail.issuing_entity or '—'} → {mail.recipient_entity or '—'}"]
        lines.append(
            Line(
                mail=mail,
                day=mail.arrival_date,
                chrono=mail.chrono_number or "",
                channel=str(mail.get_channel_display()),
                correspondent=", ".join(people) or "—",
                subject=mail.subject,
                entity=str(mail.destination_entity or "—"),
            )
        )
    return lines


def register_title(kind: str) -> str:
    return {
        "arrivees": _("Arrivals register"),
        "departs": _("Departures register"),
        "internes": _("Internal mail register"),
    }[kind]


def columns(kind: str) -> list[str]:
    who = {"arrivees": _("Sender"), "departs": _("Recipient"), "internes": _("From → to")}[kind]
    return [_("Date"), _("Chrono number"), _("Channel"), who, _("Subject"), _("Entity")]


def register_pdf(kind: str, lines: list[Line], period: str, entity: Entity | None) -> bytes:
    """A4 landscape, the column titles repeated on each page, numbered lines to sign off."""
    styles = getSampleStyleSheet()
    cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=8, leading=10)
    head = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=8, leading=10)
    where = str(entity) if entity else settings.BANNETTE_ORGANISATION_NAME
    story = [
        text_paragraph(f"{register_title(kind)} — {where}", styles["Title"]),
        text_paragraph(period, styles["Normal"]),
        Spacer(1, 4 * mm),
    ]
    rows = [[text_paragraph(c, head) for c in ["N°", *columns(kind)]]]
    for number, line in enumerate(lines, start=1):
        rows.append(
            [
                text_paragraph(number, cell),
                text_paragraph(date_format(line.day, "SHORT_DATE_FORMAT"), cell),
                text_paragraph(line.chrono, cell),
                text_paragraph(line.channel, cell),
                text_paragraph(line.correspondent, cell),
                text_paragraph(line.subject, cell),
                text_paragraph(line.entity, cell),
            ]
        )
    if not lines:
        rows.append([text_paragraph(_("No mail in this period."), cell)] + [""] * 6)
    table = Table(
        rows,
        colWidths=[10 * mm, 20 * mm, 32 * mm, 24 * mm, 55 * mm, 86 * mm, 40 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 6 * mm))
    story.append(
        text_paragraph(
            _("%(count)s line(s). Made by Bannette on %(day)s.")
            % {"count": len(lines), "day": date_format(timezone.localdate(), "DATE_FORMAT")},
            styles["Normal"],
        )
    )
    return build_pdf(
        story,
        title=f"{register_title(kind)} — {period}",
        pagesize=landscape(A4),
        margins=(10 * mm, 12 * mm),
    )
