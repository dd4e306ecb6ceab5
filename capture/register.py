"""Registration step: each segment becomes a mail in the "to qualify" basket, exactly once."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from capture.models import CapturedMail
from capture.pipeline import CaptureContext, Segment
from capture.sniff import sniff
from courrier.letters import thumbnail_png
from courrier.models import AttachmentKind, Channel, Contact, DocumentType, Entity, Mail
from courrier.services.circulation import add_attachment
from courrier.services.journal import record_event
from courrier.services.mail import IncomingFile, Registration, register_mail, store_renditions
from ocr import pdf as pdftools

_OBJECT_LINE = re.compile(
    r"^\s*(?:objet|object|subject)\s*:\s*(.{3,200})$", re.IGNORECASE | re.MULTILINE
)


def guess_subject(ctx: CaptureContext, segment: Segment) -> str:
    """The given subject, else the letter's "Objet :" line, else the file name."""
    if ctx.options.get("subject"):
        return str(ctx.options["subject"])[:500]
    match = _OBJECT_LINE.search(segment.text)
    if match:
        return match.group(1).strip()
    stem = Path(ctx.input.file_name).stem
    if len(ctx.segments) > 1:
        return _("%(name)s, letter %(n)s of %(total)s") % {
            "name": stem,
            "n": segment.index + 1,
            "total": len(ctx.segments),
        }
    return stem


def _thumbnail(ctx: CaptureContext, segment: Segment) -> bytes:
    first = segment.pages[0]
    if ctx.images:
        with Image.open(ctx.images[first - 1]) as page:
            page.draft("L", (page.width // 4, page.height // 4))
            return thumbnail_png(page.convert("L"))
    assert ctx.pdf is not None
    (rendered,) = pdftools.render(ctx.pdf, ctx.workdir, dpi=40, first=first, last=first)
    with Image.open(rendered) as page:
        return thumbnail_png(page.convert("L"))


def _original(ctx: CaptureContext, segment: Segment) -> IncomingFile:
    assert segment.original is not None
    content = segment.original.read_bytes()
    if segment.original == ctx.source:
        return IncomingFile(ctx.input.file_name, content, ctx.mime)
    stem = Path(ctx.input.file_name).stem
    name = f"{stem}.pdf" if len(ctx.segments) == 1 else f"{stem}-{segment.index + 1}.pdf"
    return IncomingFile(name, content, sniff(content[:1024]) or "application/pdf")


def _registration(ctx: CaptureContext, segment: Segment, original: IncomingFile) -> Registration:
    """The segment's mail: a separator sheet's entity and type beat the source's defaults."""
    options, separator = ctx.options, segment.separator
    entity_code = (separator and separator.entity_code) or options.get("entity")
    doctype_code = (separator and separator.doctype_code) or options.get("document_type")
    sender = options.get("sender_contact")
    return Registration(
        subject=guess_subject(ctx, segment),
        original=original,
        text=segment.text,
        incomplete_text_pages=segment.incomplete_pages,
        page_count=len(segment.pages),
        destination_entity=Entity.objects.filter(code=entity_code).first() if entity_code else None,
        document_type=DocumentType.objects.filter(code=doctype_code).first()
        if doctype_code
        else None,
        senders=list(Contact.objects.filter(pk=sender)) if sender else [],
        channel=options.get("channel", Channel.PAPER),
        confidential=bool(options.get("confidential", False)),
    )


def _flag_duplicate(mail: Mail, original: IncomingFile, ctx: CaptureContext) -> Mail | None:
    twin = (
        Mail.objects.filter(original_sha256=hashlib.sha256(original.content).hexdigest())
        .exclude(pk=mail.pk)
        .exclude(capture__input=ctx.input)
        .order_by("pk")
        .first()
    )
    if twin is not None:
        mail.linked_mails.add(twin)
        record_event(
            action="mail.duplicate_flagged",
            actor=None,
            target=mail,
            # the twin may be (or become) confidential: its number stays off the history
            details={"duplicate_of_id": twin.pk},
        )
    return twin


@transaction.atomic
def register_segment(ctx: CaptureContext, segment: Segment) -> Mail:
    done = CapturedMail.objects.filter(input=ctx.input, segment=segment.index).first()
    if done is not None:
        return done.mail  # already registered by an earlier attempt
    original = _original(ctx, segment)
    mail = register_mail(
        actor=ctx.input.created_by, registration=_registration(ctx, segment, original)
    )
    searchable = segment.searchable.read_bytes() if segment.searchable else None
    store_renditions(mail=mail, searchable_pdf=searchable, thumbnail=_thumbnail(ctx, segment))
    kind, _created = AttachmentKind.objects.get_or_create(
        code="simple", defaults={"label": "Pièce jointe"}
    )
    for extra in segment.attachments:
        add_attachment(actor=None, mail=mail, kind=kind, title=extra.name, file=extra)
    twin = _flag_duplicate(mail, original, ctx)
    CapturedMail.objects.create(
        input=ctx.input,
        segment=segment.index,
        mail=mail,
        pages=segment.pages,
        duplicate_of=twin,
        suggestions=segment.suggestions,
    )
    return mail


class Register:
    """Each segment becomes a mail as soon as its text is read (see ExtractText's `then`)."""

    name = "register"

    def run_segment(self, ctx: CaptureContext, segment: Segment) -> None:
        register_segment(ctx, segment)
