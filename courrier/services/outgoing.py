"""Sending a signed reply: it becomes an outgoing mail with its own chrono number, linked to the
incoming one, and leaves by e-mail through SMTP once committed (retried until the server takes it)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.models import (
    Attachment,
    AttachmentVersion,
    Category,
    Channel,
    ContactRole,
    Mail,
    MailContact,
    MailStatus,
    OutgoingEmail,
    User,
)
from courrier.postal import address_sheet, print_ready
from courrier.services.contacts import postal_lines
from courrier.services.journal import record_event
from courrier.services.mail import (
    CLOSING_FIELDS,
    IncomingFile,
    Registration,
    _store_original,
    check_mail_access,
    mark_closed,
    register_mail,
)

logger = logging.getLogger(__name__)


def signed_version(draft: Attachment) -> AttachmentVersion:
    version = draft.versions.filter(signed=True).order_by("-number").first()
    if version is None:
        raise ValidationError(_("Only a signed reply can be sent."))
    return version


def _recipient(mail: Mail, draft: Attachment) -> MailContact | None:
    """The draft's own recipient, else the letter's recipient, else the incoming sender."""
    if draft.recipient_id:
        return MailContact(contact=draft.recipient, role=ContactRole.RECIPIENT)
    role = ContactRole.SENDER if mail.category == Category.INCOMING else ContactRole.RECIPIENT
    return mail.mail_contacts.filter(role=role).select_related("contact", "address").first()


def _from_address(actor: User, mail: Mail, from_entity: bool) -> str:
    entity = mail.destination_entity
    if from_entity and entity is not None and entity.email:
        return entity.email
    return actor.email or (entity.email if entity else "") or settings.DEFAULT_FROM_EMAIL


def _signed_reply(
    actor: User, mail: Mail, draft: Attachment
) -> tuple[AttachmentVersion, MailContact | None]:
    """What every way of sending starts with: the right to, a signed reply, its recipient."""
    check_mail_access(actor, mail, "process_mail", processing=True)
    if mail.category == Category.INTERNAL:
        raise ValidationError(_("An internal mail is handed to its service, not posted."))
    if mail.category == Category.OUTGOING and mail.dispatched_at is not None:
        raise ValidationError(_("This letter was already sent."))
    if mail.status != MailStatus.TO_SEND:
        raise ValidationError(_("The reply must be signed before it is sent."))
    return signed_version(draft), _recipient(mail, draft)


def _register_reply(
    actor: User,
    mail: Mail,
    link: MailContact | None,
    *,
    channel: str,
    status: str,
    original: IncomingFile,
) -> Mail:
    """The reply as an outgoing mail with its own chrono number, linked to the incoming one; a
    letter written on the organisation's initiative leaves as itself."""
    if mail.category == Category.OUTGOING:
        mail.channel, mail.status, mail.dispatched_at = channel, status, timezone.now()
        _store_original(mail, original)
        mail.save()
        return mail
    outgoing = register_mail(
        actor=actor,
        registration=Registration(
            subject=(_("Reply: %(subject)s") % {"subject": mail.subject})[:500],
            category=Category.OUTGOING,
            channel=channel,
            destination_entity=mail.destination_entity,
            original=original,
            status=status,
        ),
    )
    outgoing.dispatched_at = timezone.now()
    outgoing.save(update_fields=["dispatched_at"])
    if link is not None:
        MailContact.objects.create(
            mail=outgoing, contact=link.contact, address=link.address, role=ContactRole.RECIPIENT
        )
    outgoing.linked_mails.add(mail)
    return outgoing


def _settle_incoming(
    actor: User,
    mail: Mail,
    close: bool,
    details: dict[str, object],
    personal: dict[str, object] | None = None,
) -> None:
    """The incoming mail closes with its reply, or goes back to processing; one event says so
    (the recipient's address is personal data: erasable, out of the hashed details). A letter
    of the organisation's own is journaled as sent."""
    if mail.category == Category.OUTGOING:
        record_event(
            action="letter.sent",
            actor=actor,
            target=mail,
            details={"channel": details["channel"]},
            personal=personal,
        )
        return
    if close:
        mark_closed(mail, actor=actor)
    else:
        mail.status = MailStatus.IN_PROGRESS
    mail.save(update_fields=CLOSING_FIELDS)
    record_event(
        action="reply.sent",
        actor=actor,
        target=mail,
        details={**details, "closed": close},
        personal=personal,
    )


@transaction.atomic
def send_reply_by_email(
    *,
    actor: User,
    mail: Mail,
    draft: Attachment,
    to: str = "",
    attachments: Sequence[Attachment] = (),
    from_entity: bool = True,
    close_incoming: bool = True,
) -> Mail:
    """Register the outgoing reply and queue its e-mail; the incoming mail may close with it."""
    version, link = _signed_reply(actor, mail, draft)
    address = to.strip() or (link.contact.email if link else "")
    if not address:
        raise ValidationError(_("The recipient has no e-mail address: give one, or send by post."))
    validate_email(address)
    with version.file.open("rb") as handle:
        signed = handle.read()
    outgoing = _register_reply(
        actor,
        mail,
        link,
        channel=Channel.EMAIL,
        status=MailStatus.TO_SEND,
        original=IncomingFile(version.file_name, signed, "application/pdf"),
    )
    context = {
        "mail": mail,
        "outgoing": outgoing,
        "entity": mail.destination_entity,
        "organisation": settings.BANNETTE_ORGANISATION_NAME,
    }
    email = OutgoingEmail.objects.create(
        mail=outgoing,
        from_address=_from_address(actor, mail, from_entity),
        to_address=address,
        subject=f"{outgoing.subject} ({mail.chrono_number})"[:500],
        body=render_to_string("courrier/email/reply.txt", context),
    )
    extra = [v for v in (a.current_version() for a in attachments) if v is not None]
    email.versions.set([version, *extra])
    _settle_incoming(
        actor,
        mail,
        close_incoming,
        {"outgoing": outgoing.chrono_number, "channel": "email"},
        {"to": address},
    )
    from courrier.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email.delay(email.pk))
    return outgoing


def deliver(email_id: int) -> bool:
    """Hand the e-mail to the SMTP server; failures are recorded and the task retries."""
    email = OutgoingEmail.objects.select_related("mail").get(pk=email_id)
    if email.sent_at is not None:
        return True
    message = EmailMultiAlternatives(
        email.subject, email.body, email.from_address, [email.to_address]
    )
    message.attach_alternative(
        render_to_string("courrier/email/reply.html", {"body": email.body}), "text/html"
    )
    for version in sorted(
        email.versions.all(), key=lambda v: (not v.signed, v.pk)
    ):  # the reply first
        with version.file.open("rb") as handle:
            message.attach(
                version.file_name,
                handle.read(),
                "application/pdf"
                if version.file_name.lower().endswith(".pdf")
                else "application/octet-stream",
            )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        OutgoingEmail.objects.filter(pk=email.pk).update(
            attempts=email.attempts + 1, error=str(exc)[:1000]
        )
        logger.warning("e-mail %s not sent: %s", email.pk, exc)
        raise
    with transaction.atomic():
        email.sent_at, email.error, email.attempts = timezone.now(), "", email.attempts + 1
        email.save(update_fields=["sent_at", "error", "attempts"])
        mark_closed(email.mail, actor=None, at=email.sent_at)
        email.mail.save(update_fields=CLOSING_FIELDS)
        record_event(
            action="mail.sent", actor=None, target=email.mail, personal={"to": email.to_address}
        )
    return True


@transaction.atomic
def send_reply_by_post(
    *, actor: User, mail: Mail, draft: Attachment, close_incoming: bool = True
) -> Mail:
    """Register the outgoing reply on paper, with a print-ready PDF for a windowed envelope."""
    version, link = _signed_reply(actor, mail, draft)
    if link is None:
        raise ValidationError(_("The reply has no recipient with a postal address."))
    block = postal_lines(link.contact, link.address)
    if len(block) < 2:
        raise ValidationError(_("The recipient's postal address is incomplete."))
    entity = mail.destination_entity
    sender_lines = [
        settings.BANNETTE_ORGANISATION_NAME,
        *(entity.address.splitlines() if entity and entity.address else []),
    ]
    with version.file.open("rb") as handle:
        letter = handle.read()
    printable = print_ready(
        address_sheet(block, sender_lines=sender_lines, reference=mail.chrono_number or ""), letter
    )
    outgoing = _register_reply(
        actor,
        mail,
        link,
        channel=Channel.PAPER,
        status=MailStatus.CLOSED,
        original=IncomingFile(f"a-imprimer-{version.file_name}", printable, "application/pdf"),
    )
    mark_closed(outgoing, actor=actor)
    outgoing.save(update_fields=CLOSING_FIELDS)
    _settle_incoming(
        actor,
        mail,
        close_incoming,
        {"outgoing": outgoing.chrono_number, "channel": "post"},
        {"address": block},
    )
    return outgoing


def default_channel(mail: Mail) -> str:
    """Same channel: what came by e-mail or web form is answered by e-mail, the rest by post."""
    return "email" if mail.channel in (Channel.EMAIL, Channel.WEB_FORM) else "post"
