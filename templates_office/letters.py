"""Printed letters the law asks for: acknowledgments of paper post (CRPA L112-3, R112-5), one by
one or the day's batch, and the attestation of an implicit acceptance (L232-3).

Each letter is merged from the office template of its kind that fits the mail best (its
service or one above, its document type), converted to PDF, and kept with the mail as printed.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfWriter

from courrier.models import (
    PRINTED_ACKNOWLEDGMENT_CHANNELS,
    ContactRole,
    JournalEvent,
    Mail,
    MailContact,
    MailStatus,
    NoticeChannel,
    NoticeKind,
    ProcessingMode,
    RequesterNotice,
    User,
)
from courrier.selectors import ancestor_ids, perimeter_q
from courrier.services.circulation import add_attachment
from courrier.services.journal import record_event
from courrier.services.legal import record_notice
from courrier.services.mail import IncomingFile, check_mail_access
from templates_office.catalogue import mail_context
from templates_office.convert import ConversionFailed, to_pdfs
from templates_office.merge import TemplateProblem, merge
from templates_office.models import OfficeTemplate, TemplateKind
from templates_office.services import kind_for


def template_for(mail: Mail, kind: str) -> OfficeTemplate | None:
    """The most specific active template of this kind: the mail's type before any type, the
    nearest service before the ones above, an entity's before the organisation's."""
    entities = ancestor_ids([mail.destination_entity_id]) if mail.destination_entity_id else set()
    candidates = OfficeTemplate.objects.filter(kind=kind, active=True).filter(
        Q(entity__isnull=True) | Q(entity_id__in=entities)
    )
    fitting = [
        t
        for t in candidates
        if t.document_type_id is None or t.document_type_id == mail.document_type_id
    ]
    depth = _depths(mail)
    fitting.sort(key=lambda t: (t.document_type_id is None, depth.get(t.entity_id, 99), t.label))
    return fitting[0] if fitting else None


def _depths(mail: Mail) -> dict[int | None, int]:
    """0 for the mail's service, 1 for its parent..., the organisation-wide template last."""
    depths: dict[int | None, int] = {None: 98}
    entity, level = mail.destination_entity, 0
    while entity is not None:
        depths[entity.pk] = level
        entity, level = entity.parent, level + 1
    return depths


def printable_mails(user: User) -> QuerySet[Mail]:
    """Mail the user may print letters for: in the perimeter, or qualified by the user (the
    mail room acknowledges the post it qualified, which then leaves its perimeter)."""
    qualified = JournalEvent.objects.filter(
        mail=OuterRef("pk"), action="mail.qualified", actor=user
    )
    return Mail.objects.filter(perimeter_q(user) | Q(Exists(qualified)))


def letters_waiting(user: User) -> QuerySet[Mail]:
    """Mail with a notice to the requester waiting to be printed (a requester without an
    e-mail address: missing pieces asked for, say), whatever the day."""
    waiting = RequesterNotice.objects.filter(
        mail=OuterRef("pk"), channel=NoticeChannel.LETTER, sent_at__isnull=True, error=""
    )
    return (
        printable_mails(user)
        .filter(Exists(waiting))
        .select_related("document_type", "destination_entity")
        .order_by("chrono_number")
    )


def letter_kind(mail: Mail) -> str:
    """The letter a mail needs printed: the one waiting, or its acknowledgment."""
    waiting = (
        mail.notices.filter(channel=NoticeChannel.LETTER, sent_at__isnull=True, error="")
        .values_list("kind", flat=True)
        .first()
    )
    return waiting or NoticeKind.RECEIPT


# The office template each printed notice is merged from.
LETTER_TEMPLATES = {
    NoticeKind.RECEIPT: TemplateKind.ACKNOWLEDGMENT,
    NoticeKind.MISSING_PIECES: TemplateKind.MISSING_PIECES,
}
LETTER_FILE_NAMES = {
    NoticeKind.RECEIPT: "accuse-de-reception.pdf",
    NoticeKind.MISSING_PIECES: "demande-de-pieces.pdf",
}


def awaiting_paper_acknowledgment(user: User, day: datetime.date) -> QuerySet[Mail]:
    """Paper post of the day that has a sender and no acknowledgment yet."""
    senders = MailContact.objects.filter(mail=OuterRef("pk"), role=ContactRole.SENDER)
    acknowledged = RequesterNotice.objects.filter(
        mail=OuterRef("pk"), kind=NoticeKind.RECEIPT, sent_at__isnull=False
    )
    return (
        printable_mails(user)
        .filter(channel__in=PRINTED_ACKNOWLEDGMENT_CHANNELS, category="incoming", arrival_date=day)
        .exclude(status=MailStatus.TO_QUALIFY)
        .filter(Exists(senders))
        .exclude(Exists(acknowledged))
        .select_related("document_type", "destination_entity")
        .order_by("chrono_number")
    )


@dataclass
class PrintedLetters:
    pdf: bytes
    printed: list[Mail]
    refused: list[tuple[Mail, str]]


def print_acknowledgments(*, actor: User, mails: Sequence[Mail]) -> PrintedLetters:
    """Merge each mail's letter (the notice waiting to be printed, or its acknowledgment),
    convert them in one LibreOffice run, keep each letter with its mail (journaled), and
    return them as one PDF to print."""
    merged: list[tuple[Mail, bytes]] = []
    refused: list[tuple[Mail, str]] = []
    kinds: dict[int, str] = {}
    for mail in mails:
        kinds[mail.pk] = kind = letter_kind(mail)
        try:
            merged.append((mail, _merged_letter(actor, mail, LETTER_TEMPLATES[NoticeKind(kind)])))
        except (PermissionDenied, ValidationError) as exc:
            refused.append(
                (mail, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
            )
    if not merged:
        return PrintedLetters(b"", [], refused)
    try:
        pdfs = to_pdfs([content for _mail, content in merged], ".docx")
    except ConversionFailed as exc:
        raise ValidationError(_("The letters could not be converted to PDF.")) from exc
    writer = PdfWriter()
    for (mail, _content), pdf in zip(merged, pdfs, strict=True):
        record_notice(
            mail,
            kind=kinds[mail.pk],
            channel=NoticeChannel.LETTER,
            recipient=_addressee(mail),
            content=pdf,
            file_name=LETTER_FILE_NAMES[NoticeKind(kinds[mail.pk])],
            mime="application/pdf",
            actor=actor,
        )
        writer.append(io.BytesIO(pdf))
    output = io.BytesIO()
    writer.write(output)
    return PrintedLetters(output.getvalue(), [m for m, _c in merged], refused)


def _merged_letter(actor: User, mail: Mail, kind: str) -> bytes:
    if not printable_mails(actor).filter(pk=mail.pk).exists():
        raise PermissionDenied(_("You cannot print letters for this mail."))
    if not (actor.has_perm("courrier.qualify_mail") or actor.has_perm("courrier.process_mail")):
        raise PermissionDenied(_("Your role does not print letters to requesters."))
    template = template_for(mail, kind)
    if template is None:
        raise ValidationError(
            _("No active office template of kind “%(kind)s” for this mail.")
            % {"kind": TemplateKind(kind).label}
        )
    with template.file.open("rb") as handle:
        source = handle.read()
    try:
        return merge(source, mail_context(mail, drafter=actor))
    except TemplateProblem as exc:
        raise ValidationError(str(exc)) from exc


def _addressee(mail: Mail) -> str:
    link = mail.mail_contacts.filter(role=ContactRole.SENDER).select_related("contact").first()
    return link.contact.display_name if link else ""


def issue_attestation(*, actor: User, mail: Mail) -> bytes:
    """The attestation of an implicit acceptance (L232-3), kept with the mail as a PDF."""
    check_mail_access(actor, mail, "process_mail")
    doctype = mail.document_type
    if (
        mail.implicit_decision_born_on is None
        or doctype is None
        or doctype.processing_mode != ProcessingMode.SVA
    ):
        raise ValidationError(_("No implicit acceptance is born for this mail."))
    content = _merged_letter(actor, mail, TemplateKind.ATTESTATION)
    try:
        (pdf,) = to_pdfs([content], ".docx")
    except ConversionFailed as exc:
        raise ValidationError(_("The letters could not be converted to PDF.")) from exc
    template = template_for(mail, TemplateKind.ATTESTATION)
    assert template is not None
    attachment = add_attachment(
        actor=actor,
        mail=mail,
        kind=kind_for(template),
        title=_("Attestation of implicit acceptance"),
        file=IncomingFile("attestation-acceptation-implicite.pdf", pdf, "application/pdf"),
    )
    record_event(
        action="attestation.issued",
        actor=actor,
        target=attachment,
        mail=mail,
        details={"born_on": mail.implicit_decision_born_on, "at": timezone.now()},
    )
    return pdf
