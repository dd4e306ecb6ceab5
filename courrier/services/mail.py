"""Registering and moving mail: registration, qualification, assignment, closing, links."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.baskets import stands_in_for
from courrier.custom_fields import clean_custom_fields
from courrier.deadlines import days_used, deadlines_for
from courrier.events import MailRegistered, publish
from courrier.models import (
    Category,
    Channel,
    ClockSuspension,
    Contact,
    ContactAddress,
    ContactRole,
    DiffusionListEntry,
    DiffusionRole,
    DocumentType,
    Entity,
    Keyword,
    Mail,
    MailContact,
    MailStatus,
    Note,
    Priority,
    User,
)
from courrier.selectors import can_process_mail, can_see_mail, visible_by_its_columns
from courrier.services.chrono import allocate_chrono_number
from courrier.services.journal import record_event
from courrier.services.locks import check_not_locked, release_lock

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")
NAME_LIMIT = 180


def plain_file_name(name: str, fallback: str = "fichier") -> str:
    """The last part of a file name as a sender wrote it (`..\\..\\x.pdf`, `/etc/x`, `C:\\a\\b`):
    no folder in either separator, no control character, no leading dot, not too long (the
    extension kept). Storage refuses names that climb folders; this keeps the file instead."""
    last = re.split(r"[\\/]", _UNPRINTABLE.sub("", name))[-1]
    last = last.split(":")[-1] if re.match(r"^[A-Za-z]:", last) else last
    last = last.strip().lstrip(". ").strip()
    if not last:
        return fallback
    stem, dot, extension = last.rpartition(".")
    if dot and stem and len(extension) <= 10:
        return stem[: NAME_LIMIT - len(extension) - 1] + "." + extension
    return last[:NAME_LIMIT]


@dataclass(frozen=True)
class IncomingFile:
    """File content handed to a service (immutable: the original is kept byte-identical); its
    name is made plain (`plain_file_name`), whatever the sender wrote."""

    name: str
    content: bytes
    mime: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", plain_file_name(self.name))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def lock_mail(mail: Mail) -> None:
    """Lock the mail's row until the transaction ends and load its current values into `mail`."""
    if not connection.in_atomic_block:
        raise RuntimeError("a change to a mail must run inside transaction.atomic()")
    current = Mail.objects.select_for_update().get(pk=mail.pk)
    for column in Mail._meta.concrete_fields:
        setattr(mail, column.attname, getattr(current, column.attname))


def check_mail_access(
    actor: User | None,
    mail: Mail,
    permission: str | None = None,
    *,
    on_behalf_of: User | None = None,
    processing: bool = False,
) -> None:
    """Refuse users outside the mail's perimeter; None is the system itself (capture, tasks).

    A substitute acting for an absent colleague is checked with the colleague's perimeter and
    role, and only on mail of a basket the colleague delegated to them. `processing` actions
    (moving the mail on) are for those whose mail it is, not for readers of a copy.

    Every change service starts here, inside its transaction: the mail's row is locked until
    commit and `mail` reloaded, so the checks below and the service's own see its current state
    (of two simultaneous clicks, the second waits, then is refused).
    """
    lock_mail(mail)
    if actor is None:
        return
    principal = actor
    if on_behalf_of is not None and on_behalf_of.pk != actor.pk:
        if not stands_in_for(substitute=actor, absent=on_behalf_of, mail=mail):
            raise PermissionDenied(_("You are not standing in for this user on this mail."))
        principal = on_behalf_of
    if not (visible_by_its_columns(principal, mail) or can_see_mail(principal, mail)):
        raise PermissionDenied(_("This mail is outside your perimeter."))
    if permission and not principal.has_perm(f"courrier.{permission}"):
        raise PermissionDenied(_("Your role does not allow this action."))
    if processing and not can_process_mail(principal, mail):
        raise PermissionDenied(
            _("This mail is processed by %(entity)s; you received it for information.")
            % {"entity": mail.destination_entity}
        )


def _store_original(mail: Mail, original: IncomingFile) -> None:
    stem = mail.chrono_number.replace("/", "-") if mail.chrono_number else "mail"
    suffix = Path(original.name).suffix.lower()[:10]
    mail.original.save(f"{stem}-original{suffix}", ContentFile(original.content), save=False)
    mail.original_name, mail.original_sha256 = original.name, original.sha256
    mail.original_mime = original.mime


@dataclass(frozen=True)
class Registration:
    """What a new mail is registered with; only the subject has no default."""

    subject: str
    category: str = Category.INCOMING
    channel: str = Channel.PAPER
    document_type: DocumentType | None = None
    destination_entity: Entity | None = None  # the document type's default entity otherwise
    arrival_date: datetime.date | None = None  # today otherwise
    document_date: datetime.date | None = None
    priority: str = Priority.NORMAL
    confidential: bool = False
    senders: Sequence[Contact] = ()
    original: IncomingFile | None = None
    text: str = ""
    incomplete_text_pages: Sequence[int] = ()  # pages OCR may have read only in part
    page_count: int | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    keywords: Sequence[str] = ()
    status: str = MailStatus.TO_QUALIFY


@transaction.atomic
def register_mail(*, actor: User | None, registration: Registration) -> Mail:
    """Create a mail with its chrono number and due date, and journal its registration."""
    r = registration
    arrival = r.arrival_date or timezone.localdate()
    deadlines = deadlines_for(r.document_type, arrival)
    mail = Mail(
        category=r.category,
        subject=r.subject,
        channel=r.channel,
        document_type=r.document_type,
        destination_entity=r.destination_entity
        or (r.document_type.default_entity if r.document_type else None),
        arrival_date=arrival,
        document_date=r.document_date,
        due_date=deadlines.due_date,
        reminder_date=deadlines.reminder_date,
        clock_start=arrival,
        implicit_decision_date=deadlines.implicit_decision_date,
        priority=r.priority,
        confidential=r.confidential,
        status=r.status,
        text=r.text,
        incomplete_text_pages=list(r.incomplete_text_pages),
        page_count=r.page_count,
        created_by=actor,
        custom_fields=clean_custom_fields(
            r.custom_fields,
            r.document_type,
            r.category,
            require=r.status != MailStatus.TO_QUALIFY,
        ),
        chrono_number=allocate_chrono_number(category=r.category, on=arrival),
    )
    if r.original is not None:
        _store_original(mail, r.original)
    mail.save()
    for contact in r.senders:
        MailContact.objects.create(mail=mail, contact=contact, role=ContactRole.SENDER)
    for label in r.keywords:
        mail.keywords.add(Keyword.objects.get_or_create(label=label.strip())[0])
    record_event(
        action="mail.registered",
        actor=actor,
        target=mail,
        details={"chrono_number": mail.chrono_number, "channel": r.channel, "status": r.status},
    )
    publish(
        MailRegistered(mail_id=mail.pk, category=r.category, channel=r.channel, status=r.status)
    )
    return mail


@dataclass
class Qualification:
    """What the mail room decides about a captured mail."""

    document_type: DocumentType
    destination_entity: Entity
    subject: str = ""
    recipient_user: User | None = None
    due_date: datetime.date | None = None
    document_date: datetime.date | None = None
    priority: str | None = None  # None keeps what capture set
    confidential: bool | None = None
    senders: Sequence[tuple[Contact, ContactAddress | None]] | None = None  # None: keep
    copies: Sequence[Entity | User] = ()
    keywords: Sequence[str] | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    links: Sequence[Mail] = ()
    channel: str | None = None  # None keeps what capture set; the clerk corrects it here


def _set_senders(mail: Mail, senders: Sequence[tuple[Contact, ContactAddress | None]]) -> None:
    MailContact.objects.filter(mail=mail, role=ContactRole.SENDER).delete()
    for contact, address in senders:
        MailContact.objects.create(
            mail=mail, contact=contact, address=address, role=ContactRole.SENDER
        )


def _set_diffusion(
    mail: Mail, recipient: Entity | User, copies: Sequence[Entity | User]
) -> list[str]:
    mail.diffusion_entries.all().delete()
    lines = [(DiffusionRole.RECIPIENT, recipient)] + [(DiffusionRole.COPY, c) for c in copies]
    for role, who in lines:
        DiffusionListEntry.objects.create(
            mail=mail,
            role=role,
            entity=who if isinstance(who, Entity) else None,
            user=who if isinstance(who, User) else None,
        )
    return [f"{role}:{who}" for role, who in lines]


@transaction.atomic
def qualify_mail(
    *,
    actor: User,
    mail: Mail,
    qualification: Qualification,
    on_behalf_of: User | None = None,
) -> Mail:
    """Give a captured mail its type, sender and diffusion; it leaves the mail room's basket."""
    check_mail_access(actor, mail, "qualify_mail", on_behalf_of=on_behalf_of, processing=True)
    check_not_locked(actor, mail)
    q = qualification
    if mail.status != MailStatus.TO_QUALIFY:
        raise PermissionDenied(_("Only mail waiting for qualification can be qualified."))
    clock_start = mail.clock_start or mail.arrival_date
    deadlines = deadlines_for(q.document_type, clock_start)
    mail.document_type, mail.destination_entity = q.document_type, q.destination_entity
    mail.subject = q.subject.strip() or mail.subject
    mail.due_date = q.due_date or deadlines.due_date
    mail.reminder_date = deadlines.reminder_date
    mail.clock_start, mail.implicit_decision_date = clock_start, deadlines.implicit_decision_date
    mail.document_date = q.document_date or mail.document_date
    mail.priority = q.priority or mail.priority
    mail.confidential = mail.confidential if q.confidential is None else q.confidential
    mail.assignee = q.recipient_user
    mail.custom_fields = clean_custom_fields(dict(q.custom_fields), q.document_type, mail.category)
    channel_was = mail.channel
    if q.channel:
        if q.channel not in Channel.values:
            raise ValidationError(_("Unknown channel."))
        mail.channel = q.channel
    mail.status = MailStatus.IN_PROGRESS
    mail.save()
    if q.senders is not None:
        _set_senders(mail, q.senders)
    diffusion = _set_diffusion(mail, q.recipient_user or q.destination_entity, q.copies)
    if q.keywords is not None:
        labels = {k.strip() for k in q.keywords if k.strip()}
        mail.keywords.set([Keyword.objects.get_or_create(label=k)[0] for k in sorted(labels)])
    for other in q.links:
        check_mail_access(actor, other, on_behalf_of=on_behalf_of)
        mail.linked_mails.add(other)
    release_lock(mail)
    record_event(
        action="mail.qualified",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={
            "document_type": q.document_type.code,
            "destination_entity": q.destination_entity.code,
            "due_date": mail.due_date,
            "priority": mail.priority,
            "senders": [c.pk for c, _a in q.senders or ()],
            "diffusion": diffusion,
            "links": [o.chrono_number for o in q.links],
            **({"channel": [channel_was, mail.channel]} if mail.channel != channel_was else {}),
        },
    )
    return mail


@transaction.atomic
def assign_mail(
    *, actor: User, mail: Mail, assignee: User, on_behalf_of: User | None = None
) -> Mail:
    check_mail_access(actor, mail, on_behalf_of=on_behalf_of, processing=True)
    mail.assignee = assignee
    mail.save(update_fields=["assignee", "updated_at"])
    record_event(
        action="mail.assigned",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"assignee": assignee.username},
    )
    return mail


def note_for_action(
    *, actor: User, mail: Mail, text: str, restricted_to: Sequence[Entity] = ()
) -> Note | None:
    """A note written with an action; journaled by the action's own event, not separately."""
    if not text.strip():
        return None
    note = Note.objects.create(mail=mail, author=actor, text=text.strip())
    note.restricted_to.set(restricted_to)
    return note


def note_details(note: Note | None) -> dict[str, Any]:
    if note is None:
        return {}
    return {"note": note.pk, "note_restricted_to": sorted(e.code for e in note.restricted_to.all())}


def _closing_comment(comment: str, restricted_to: Sequence[Entity]) -> dict[str, str]:
    return {} if restricted_to or not comment.strip() else {"comment": comment.strip()}


def processing_days(mail: Mail) -> int | None:
    """The days a closed mail took, as its legal delay counts them (see deadlines.days_used); a
    suspension still running at closing ends with it."""
    if mail.closing_date is None:
        return None
    closed_on = timezone.localdate(mail.closing_date)
    suspended = [
        (start, end or closed_on)
        for start, end in ClockSuspension.objects.filter(mail=mail).values_list(
            "started_on", "ended_on"
        )
    ]
    return days_used(
        arrival=mail.arrival_date,
        closed_on=closed_on,
        document_type=mail.document_type,
        suspended=suspended,
    )


# What closing changes on a mail: the callers of mark_closed save these.
CLOSING_FIELDS = ["status", "closing_date", "processing_days", "first_closed_on", "updated_at"]


def mark_closed(mail: Mail, *, actor: User | None, at: datetime.datetime | None = None) -> None:
    """Set the mail closed with the days it took, and the day of its first closing (the caller
    saves CLOSING_FIELDS; subscribers hear of it through the journal's mail.closed)."""
    mail.status, mail.closing_date = MailStatus.CLOSED, at or timezone.now()
    mail.first_closed_on = mail.first_closed_on or timezone.localdate(mail.closing_date)
    mail.processing_days = processing_days(mail)


@transaction.atomic
def close_mail(
    *,
    actor: User,
    mail: Mail,
    comment: str = "",
    restricted_to: Sequence[Entity] = (),
    on_behalf_of: User | None = None,
) -> Mail:
    """Close a mail; the closing comment becomes a note when given (required if so configured)."""
    check_mail_access(actor, mail, "close_mail", on_behalf_of=on_behalf_of, processing=True)
    check_not_locked(actor, mail)
    if mail.status == MailStatus.CLOSED:
        raise PermissionDenied(_("This mail is already closed."))
    if settings.BANNETTE_CLOSE_REQUIRES_NOTE and not comment.strip():
        raise ValidationError(_("A closing note is required."))
    note = note_for_action(actor=actor, mail=mail, text=comment, restricted_to=restricted_to)
    mark_closed(mail, actor=actor)
    mail.save(update_fields=CLOSING_FIELDS)
    release_lock(mail)
    record_event(
        action="mail.closed",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        # The journal is read by everyone who sees the mail: a restricted note is referenced,
        # never copied (its readers open the note itself).
        details=note_details(note),
        personal=_closing_comment(comment, restricted_to),
    )
    return mail


@transaction.atomic
def link_mails(*, actor: User, mail: Mail, other: Mail, on_behalf_of: User | None = None) -> None:
    check_mail_access(actor, mail, on_behalf_of=on_behalf_of)
    check_mail_access(actor, other, on_behalf_of=on_behalf_of)
    if other.pk == mail.pk:
        raise ValidationError(_("A mail cannot be linked to itself."))
    mail.linked_mails.add(other)
    record_event(
        action="mail.linked",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"linked": other.chrono_number},
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
