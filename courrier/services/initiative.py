"""Mail the organisation writes on its own initiative: outgoing letters (départ spontané) and
internal mail between services.

Each is registered at once in its own chrono series (D…, I…), held by its author in her service,
drafted from a template, sent for visa and signature like a reply. An outgoing letter then
leaves by e-mail or post (courrier.services.outgoing); an internal one is handed to the
recipient service, whose baskets receive it, while the issuing service keeps a copy and the
author follows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.models import (
    Attachment,
    AttachmentVersion,
    Category,
    Channel,
    Contact,
    ContactAddress,
    ContactRole,
    DiffusionListEntry,
    DiffusionRole,
    DocumentType,
    Entity,
    FollowReason,
    Mail,
    MailContact,
    MailStatus,
    Priority,
    User,
)
from courrier.selectors import own_entities
from courrier.services.circulation import pdf_content, ready_version
from courrier.services.following import follow
from courrier.services.journal import record_event
from courrier.services.locks import release_lock
from courrier.services.mail import (
    IncomingFile,
    Registration,
    _store_original,
    check_mail_access,
    register_mail,
)
from courrier.services.processing import set_diffusion_recipient

WRITTEN = (Category.OUTGOING, Category.INTERNAL)
REPLY_DRAFT = "reply_draft"  # the attachment kind visa circuits and signatures work on


@dataclass(frozen=True)
class NewLetter:
    """What a letter is started with; an outgoing one has a recipient, an internal one a
    recipient service."""

    category: str
    subject: str
    entity: Entity  # the issuing service, in charge while it is drafted
    recipient: Contact | None = None
    recipient_address: ContactAddress | None = None
    recipient_entity: Entity | None = None
    document_type: DocumentType | None = None
    priority: str = Priority.NORMAL
    confidential: bool = False
    text: str = ""
    custom_fields: dict[str, Any] = field(default_factory=dict)


def _check_letter(actor: User, letter: NewLetter) -> None:
    if not actor.has_perm("courrier.process_mail"):
        raise PermissionDenied(_("Your role does not allow writing mail."))
    if letter.category not in WRITTEN:
        raise ValidationError(_("Only outgoing or internal mail is written here."))
    if not letter.subject.strip():
        raise ValidationError(_("Give the mail a subject."))
    if not own_entities(actor).filter(pk=letter.entity.pk).exists():
        raise PermissionDenied(
            _("You do not write on behalf of %(entity)s.") % {"entity": letter.entity}
        )
    if letter.document_type is not None and letter.document_type.category != letter.category:
        raise ValidationError(_("This document type is not for this kind of mail."))
    if letter.category == Category.OUTGOING and letter.recipient is None:
        raise ValidationError(_("Choose the recipient of the letter."))
    if letter.category == Category.INTERNAL:
        target = letter.recipient_entity
        if target is None or not target.active:
            raise ValidationError(_("Choose the service the internal mail goes to."))
        if target.pk == letter.entity.pk:
            raise ValidationError(_("An internal mail goes to another service than its own."))


@transaction.atomic
def start_letter(*, actor: User, letter: NewLetter) -> Mail:
    """Register the letter in its chrono series, in its author's hands, in her service."""
    _check_letter(actor, letter)
    internal = letter.category == Category.INTERNAL
    mail = register_mail(
        actor=actor,
        registration=Registration(
            subject=letter.subject.strip(),
            category=letter.category,
            channel=Channel.INTERNAL if internal else Channel.PAPER,
            document_type=letter.document_type,
            destination_entity=letter.entity,
            document_date=timezone.localdate(),
            priority=letter.priority,
            confidential=letter.confidential,
            text=letter.text.strip(),
            custom_fields=dict(letter.custom_fields),
            status=MailStatus.IN_PROGRESS,
        ),
    )
    mail.assignee, mail.issuing_entity = actor, letter.entity
    mail.recipient_entity = letter.recipient_entity if internal else None
    mail.save(update_fields=["assignee", "issuing_entity", "recipient_entity", "updated_at"])
    if letter.recipient is not None and not internal:
        MailContact.objects.create(
            mail=mail,
            contact=letter.recipient,
            address=letter.recipient_address,
            role=ContactRole.RECIPIENT,
        )
    record_event(
        action="letter.started",
        actor=actor,
        target=mail,
        details={
            "category": letter.category,
            "from": letter.entity.code,
            "to": letter.recipient_entity.code if internal and letter.recipient_entity else None,
            "recipient": letter.recipient.pk if letter.recipient and not internal else None,
        },
    )
    return mail


def _final_version(draft: Attachment) -> AttachmentVersion:
    """The signed version when there is one, else the draft's last version once it is a PDF."""
    signed = draft.versions.filter(signed=True).order_by("-number").first()
    return signed or ready_version(draft)


@transaction.atomic
def send_internal(*, actor: User, mail: Mail, draft: Attachment | None = None) -> Mail:
    """Hand an internal mail to its recipient service: its baskets receive it with the letter
    as its document; the issuing service keeps a copy, the author follows it."""
    check_mail_access(actor, mail, "process_mail", processing=True)
    if mail.category != Category.INTERNAL or mail.recipient_entity is None:
        raise ValidationError(_("Only an internal mail is handed to another service."))
    if mail.dispatched_at is not None:
        raise ValidationError(_("This internal mail was already sent."))
    if mail.status not in (MailStatus.IN_PROGRESS, MailStatus.TO_SEND):
        raise ValidationError(
            _("This internal mail cannot be sent now: it is %(status)s.")
            % {"status": mail.get_status_display().lower()}
        )
    if draft is None:
        draft = mail.attachments.filter(kind__code=REPLY_DRAFT).order_by("-created_at").first()
    details: dict[str, object] = {
        "from": mail.issuing_entity.code if mail.issuing_entity else None,
        "to": mail.recipient_entity.code,
    }
    if draft is not None:
        version = _final_version(draft)
        stem = (mail.chrono_number or str(mail.pk)).replace("/", "-")
        _store_original(
            mail,
            IncomingFile(f"courrier-interne-{stem}.pdf", pdf_content(version), "application/pdf"),
        )
        details.update(version=version.number, signed=version.signed, sha256=mail.original_sha256)
    elif not mail.text.strip():
        raise ValidationError(_("Write the internal mail first: a draft or its text."))
    mail.destination_entity, mail.assignee = mail.recipient_entity, None
    mail.status, mail.dispatched_at = MailStatus.IN_PROGRESS, timezone.now()
    mail.save()
    set_diffusion_recipient(mail, mail.recipient_entity)
    if mail.issuing_entity is not None:
        DiffusionListEntry.objects.get_or_create(
            mail=mail, role=DiffusionRole.COPY, entity=mail.issuing_entity, user=None
        )
    release_lock(mail)
    record_event(action="internal.sent", actor=actor, target=mail, details=details)
    follow(actor=actor, mail=mail, reason=FollowReason.SENT, checked=True)
    return mail
