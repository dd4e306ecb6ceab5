"""Registering and moving mail: registration, qualification, assignment, closing, links."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from courrier.custom_fields import clean_custom_fields
from courrier.deadlines import due_date_for
from courrier.models import (
    Category,
    Channel,
    Contact,
    ContactRole,
    DiffusionListEntry,
    DiffusionRole,
    DocumentType,
    Entity,
    Keyword,
    Mail,
    MailContact,
    MailStatus,
    Priority,
    User,
)
from courrier.selectors import can_see_mail
from courrier.services.chrono import allocate_chrono_number
from courrier.services.journal import record_event


@dataclass(frozen=True)
class IncomingFile:
    """File content handed to a service (immutable: the original is kept byte-identical)."""

    name: str
    content: bytes
    mime: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_mail_access(actor: User | None, mail: Mail, permission: str | None = None) -> None:
    """Refuse users outside the mail's perimeter; None is the system itself (capture, tasks)."""
    if actor is None:
        return
    if not can_see_mail(actor, mail):
        raise PermissionDenied("This mail is outside your perimeter.")
    if permission and not actor.has_perm(f"courrier.{permission}"):
        raise PermissionDenied("Your role does not allow this action.")


@transaction.atomic
def register_mail(
    *,
    actor: User | None,
    subject: str,
    category: str = Category.INCOMING,
    channel: str = Channel.PAPER,
    document_type: DocumentType | None = None,
    destination_entity: Entity | None = None,
    arrival_date: datetime.date | None = None,
    document_date: datetime.date | None = None,
    priority: str = Priority.NORMAL,
    confidential: bool = False,
    senders: Sequence[Contact] = (),
    original: IncomingFile | None = None,
    text: str = "",
    page_count: int | None = None,
    custom_fields: dict[str, Any] | None = None,
    keywords: Sequence[str] = (),
    status: str = MailStatus.TO_QUALIFY,
) -> Mail:
    """Create a mail with its chrono number and due date, and journal its registration."""
    arrival = arrival_date or timezone.localdate()
    due, reminder = due_date_for(document_type, arrival)
    mail = Mail(
        category=category,
        subject=subject,
        channel=channel,
        document_type=document_type,
        destination_entity=destination_entity
        or (document_type.default_entity if document_type else None),
        arrival_date=arrival,
        document_date=document_date,
        due_date=due,
        reminder_date=reminder,
        priority=priority,
        confidential=confidential,
        status=status,
        text=text,
        page_count=page_count,
        created_by=actor,
        custom_fields=clean_custom_fields(custom_fields or {}, document_type),
        chrono_number=allocate_chrono_number(category=category, on=arrival),
    )
    if original is not None:
        stem = mail.chrono_number.replace("/", "-") if mail.chrono_number else "mail"
        suffix = Path(original.name).suffix.lower()[:10]
        mail.original.save(f"{stem}-original{suffix}", ContentFile(original.content), save=False)
        mail.original_name, mail.original_sha256 = original.name, original.sha256
        mail.original_mime = original.mime
    mail.save()
    for contact in senders:
        MailContact.objects.create(mail=mail, contact=contact, role=ContactRole.SENDER)
    for label in keywords:
        mail.keywords.add(Keyword.objects.get_or_create(label=label.strip())[0])
    record_event(
        action="mail.registered",
        actor=actor,
        target=mail,
        details={"chrono_number": mail.chrono_number, "channel": channel, "status": status},
    )
    return mail


@transaction.atomic
def qualify_mail(
    *,
    actor: User,
    mail: Mail,
    document_type: DocumentType,
    destination_entity: Entity,
    subject: str | None = None,
    due_date: datetime.date | None = None,
) -> Mail:
    """Give a captured mail its type and destination; it leaves the mail room's basket."""
    check_mail_access(actor, mail, "qualify_mail")
    if mail.status != MailStatus.TO_QUALIFY:
        raise PermissionDenied("Only mail waiting for qualification can be qualified.")
    computed_due, reminder = due_date_for(document_type, mail.arrival_date)
    mail.document_type, mail.destination_entity = document_type, destination_entity
    mail.subject = subject or mail.subject
    mail.due_date, mail.reminder_date = due_date or computed_due, reminder
    mail.status = MailStatus.IN_PROGRESS
    mail.save()
    DiffusionListEntry.objects.filter(mail=mail, role=DiffusionRole.RECIPIENT).delete()
    DiffusionListEntry.objects.create(
        mail=mail, role=DiffusionRole.RECIPIENT, entity=destination_entity
    )
    record_event(
        action="mail.qualified",
        actor=actor,
        target=mail,
        details={
            "document_type": document_type.code,
            "destination_entity": destination_entity.code,
            "due_date": mail.due_date,
        },
    )
    return mail


@transaction.atomic
def assign_mail(*, actor: User, mail: Mail, assignee: User) -> Mail:
    check_mail_access(actor, mail)
    mail.assignee = assignee
    mail.save(update_fields=["assignee", "updated_at"])
    record_event(
        action="mail.assigned", actor=actor, target=mail, details={"assignee": assignee.username}
    )
    return mail


@transaction.atomic
def close_mail(*, actor: User, mail: Mail, comment: str = "") -> Mail:
    check_mail_access(actor, mail, "close_mail")
    if mail.status == MailStatus.CLOSED:
        raise PermissionDenied("This mail is already closed.")
    mail.status, mail.closing_date = MailStatus.CLOSED, timezone.now()
    mail.save(update_fields=["status", "closing_date", "updated_at"])
    record_event(action="mail.closed", actor=actor, target=mail, details={"comment": comment})
    return mail


@transaction.atomic
def link_mails(*, actor: User, mail: Mail, other: Mail) -> None:
    check_mail_access(actor, mail)
    check_mail_access(actor, other)
    mail.linked_mails.add(other)
    record_event(
        action="mail.linked", actor=actor, target=mail, details={"linked": other.chrono_number}
    )


@transaction.atomic
def store_renditions(
    *,
    mail: Mail,
    searchable_pdf: bytes | None = None,
    thumbnail: bytes | None = None,
) -> Mail:
    """Keep the derived files of a mail (searchable PDF, thumbnail); the original is untouched."""
    stem = (mail.chrono_number or str(mail.pk)).replace("/", "-")
    fields = ["updated_at"]
    if searchable_pdf is not None:
        mail.searchable_pdf.save(f"{stem}.pdf", ContentFile(searchable_pdf), save=False)
        fields.append("searchable_pdf")
    if thumbnail is not None:
        mail.thumbnail.save(f"{stem}.png", ContentFile(thumbnail), save=False)
        fields.append("thumbnail")
    mail.save(update_fields=fields)
    record_event(
        action="mail.renditions_stored",
        actor=None,
        target=mail,
        details={"fields": fields[1:]},
    )
    return mail
