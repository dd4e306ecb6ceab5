"""Annotating a draft while reading it (signature book, reply tab, API).

The draft's own versions are never touched: the circuit's visas stay valid and what is signed is
what was drafted. The comments on one version are drawn, each in a yellow box with its author
and date, on a copy of its PDF, kept as the next version of the draft's « Annotations »
attachment: the drafter reads them in any PDF reader, the history of copies stays."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen import canvas
from reportlab.platypus import Frame, KeepInFrame

from courrier.models import Attachment, AttachmentKind, AttachmentVersion, Mail, User
from courrier.pdf_text import text_paragraph
from courrier.selectors import can_process_mail
from courrier.services.circulation import (
    next_version_number,
    pdf_content,
    ready_version,
    store_version,
)
from courrier.services.journal import record_event
from courrier.services.mail import IncomingFile, check_mail_access
from templates_office.services import REPLY_KIND
from visa.models import AnnotationPlace, DraftAnnotation, VisaStep

ANNOTATIONS_KIND = "annotations"
MAX_LENGTH = 2000
BOX_HEIGHT = 120.0  # points; several notes at one place stack downwards
HEIGHTS = {AnnotationPlace.TOP: 0.88, AnnotationPlace.MIDDLE: 0.55, AnnotationPlace.BOTTOM: 0.25}


def annotations_kind() -> AttachmentKind:
    kind, _created = AttachmentKind.objects.get_or_create(
        code=ANNOTATIONS_KIND, defaults={"label": "Projet commenté"}
    )
    return kind


def current_draft(mail: Mail) -> Attachment | None:
    """The draft the circuit is about, else the latest reply draft."""
    step = VisaStep.objects.filter(mail=mail, draft__isnull=False).select_related("draft").first()
    if step is not None and step.draft is not None:
        return step.draft
    return mail.attachments.filter(kind__code=REPLY_KIND).order_by("-created_at").first()


def _may_annotate(user: User, mail: Mail) -> bool:
    """Those in the mail's circuit, and those whose mail it is."""
    return VisaStep.objects.filter(mail=mail, user=user).exists() or can_process_mail(user, mail)


def _overlay(size: tuple[float, float], notes: Sequence[DraftAnnotation]) -> bytes:
    """One page of the draft's size with the notes' boxes, to be laid over it."""
    width, height = size
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(width, height))
    style = ParagraphStyle("note", fontName="Helvetica", fontSize=10, leading=12)
    head = ParagraphStyle("who", parent=style, fontName="Helvetica-Bold", fontSize=8, leading=10)
    left, box_width = width * 0.42, width * 0.58 - 18
    stacked: dict[str, int] = {}
    for note in notes:
        below = stacked.get(note.place, 0)
        stacked[note.place] = below + 1
        top = height * HEIGHTS[AnnotationPlace(note.place)] - below * (BOX_HEIGHT + 6)
        bottom = max(top - BOX_HEIGHT, 6)
        sheet.saveState()
        sheet.setFillColor(colors.Color(1, 0.96, 0.6, alpha=0.92))
        sheet.setStrokeColor(colors.Color(0.75, 0.55, 0))
        sheet.rect(left, bottom, box_width, top - bottom, fill=1, stroke=1)
        sheet.restoreState()
        who = f"{note.author.get_full_name() or note.author.get_username()} — " + date_format(
            timezone.localtime(note.created_at), "SHORT_DATETIME_FORMAT"
        )
        content = KeepInFrame(
            box_width - 10,
            top - bottom - 8,
            [text_paragraph(who, head), text_paragraph(note.text, style)],
            mode="shrink",
        )
        Frame(left + 5, bottom + 4, box_width - 10, top - bottom - 8, showBoundary=0).addFromList(
            [content], sheet
        )
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def annotated_copy(pdf: bytes, notes: Sequence[DraftAnnotation]) -> bytes:
    """The draft's PDF with every note drawn on its page (the draft itself is left as it is)."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    for number, page in enumerate(writer.pages, start=1):
        on_page = [n for n in notes if n.page == number]
        if not on_page:
            continue
        size = (float(page.mediabox.width), float(page.mediabox.height))
        page.merge_page(PdfReader(io.BytesIO(_overlay(size, on_page))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _copy_name(draft: Attachment, version: int) -> str:
    """The copies' file name, which finds them again in any language."""
    stem = (draft.mail.chrono_number or str(draft.mail_id)).replace("/", "-")
    return f"annotations-{stem}-{draft.pk}-v{version}.pdf"


def annotated_copy_of(draft: Attachment, version: int) -> AttachmentVersion | None:
    """The latest annotated copy of this version of the draft, if it was annotated."""
    return (
        AttachmentVersion.objects.filter(
            attachment__mail_id=draft.mail_id,
            attachment__kind__code=ANNOTATIONS_KIND,
            file_name=_copy_name(draft, version),
        )
        .select_related("attachment")
        .order_by("-number")
        .first()
    )


def _annotations_attachment(draft: Attachment, version: int, actor: User) -> Attachment:
    earlier = annotated_copy_of(draft, version)
    if earlier is not None:
        return earlier.attachment
    title = _("Annotations on version %(version)s of “%(draft)s”") % {
        "version": version,
        "draft": draft.title,
    }
    return Attachment.objects.create(
        mail=draft.mail, kind=annotations_kind(), title=title[:300], created_by=actor
    )


@transaction.atomic
def annotate(
    *, actor: User, mail: Mail, page: int, text: str, place: str = AnnotationPlace.TOP
) -> DraftAnnotation:
    """Write a comment on a page of the draft's current version; its annotated copy follows."""
    check_mail_access(actor, mail)
    if not _may_annotate(actor, mail):
        raise PermissionDenied(_("Only those in the circuit, or whose mail it is, annotate it."))
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the annotation."))
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            _("An annotation holds %(max)s characters at most.") % {"max": MAX_LENGTH}
        )
    if place not in AnnotationPlace.values:
        raise ValidationError(_("Choose where on the page the annotation goes."))
    draft = current_draft(mail)
    if draft is None:
        raise ValidationError(_("There is no draft to annotate."))
    version = ready_version(draft)
    pdf = pdf_content(version)
    try:
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    except PdfReadError as exc:
        raise ValidationError(_("The draft's PDF cannot be read.")) from exc
    if not 1 <= page <= pages:
        raise ValidationError(
            _("The draft has %(count)s page(s): choose one of them.") % {"count": pages}
        )
    note = DraftAnnotation.objects.create(
        mail=mail,
        draft=draft,
        version=version.number,
        page=page,
        place=place,
        text=text,
        author=actor,
    )
    notes = list(
        DraftAnnotation.objects.filter(draft=draft, version=version.number).select_related("author")
    )
    holder = _annotations_attachment(draft, version.number, actor)
    copy = store_version(
        actor=actor,
        attachment=holder,
        file=IncomingFile(
            _copy_name(draft, version.number), annotated_copy(pdf, notes), "application/pdf"
        ),
        number=next_version_number(holder),
    )
    record_event(
        action="draft.annotated",
        actor=actor,
        target=mail,
        details={
            "version": version.number,
            "page": page,
            "text": text,
            "copy": copy.number,
            "sha256": copy.sha256,
        },
    )
    return note
