"""Diffusion list, notes and attachments of a mail."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from courrier.models import (
    Attachment,
    AttachmentKind,
    AttachmentVersion,
    DiffusionListEntry,
    DiffusionRole,
    Entity,
    Mail,
    Note,
    User,
)
from courrier.services.journal import record_event
from courrier.services.mail import IncomingFile, check_mail_access


@transaction.atomic
def add_diffusion_entry(
    *, actor: User, mail: Mail, role: str, entity: Entity | None = None, user: User | None = None
) -> DiffusionListEntry:
    check_mail_access(actor, mail)
    if (entity is None) == (user is None):
        raise ValidationError("A diffusion entry names either an entity or a user.")
    if role == DiffusionRole.RECIPIENT:
        DiffusionListEntry.objects.filter(mail=mail, role=DiffusionRole.RECIPIENT).delete()
    entry = DiffusionListEntry.objects.create(mail=mail, role=role, entity=entity, user=user)
    record_event(
        action="diffusion.added",
        actor=actor,
        target=entry,
        mail=mail,
        details={
            "role": role,
            "entity": entity.code if entity else None,
            "user": user.username if user else None,
        },
    )
    return entry


@transaction.atomic
def add_note(*, actor: User, mail: Mail, text: str, restricted_to: Sequence[Entity] = ()) -> Note:
    check_mail_access(actor, mail)
    if not text.strip():
        raise ValidationError("A note cannot be empty.")
    note = Note.objects.create(mail=mail, author=actor, text=text.strip())
    note.restricted_to.set(restricted_to)
    record_event(
        action="note.added",
        actor=actor,
        target=note,
        mail=mail,
        details={"restricted_to": sorted(e.code for e in restricted_to)},
    )
    return note


def _attachment_chrono(mail: Mail, kind: AttachmentKind) -> str | None:
    if not kind.has_chrono_number:
        return None
    if not mail.chrono_number:
        raise ValidationError("The mail has no chrono number yet.")
    rank = Attachment.objects.filter(mail=mail, kind__has_chrono_number=True).count() + 1
    return f"{mail.chrono_number}-{kind.chrono_suffix or 'P'}{rank}"


@transaction.atomic
def add_attachment(
    *, actor: User | None, mail: Mail, kind: AttachmentKind, title: str, file: IncomingFile
) -> Attachment:
    check_mail_access(actor, mail)
    Mail.objects.select_for_update().filter(pk=mail.pk).get()  # serialises attachment chronos
    attachment = Attachment.objects.create(
        mail=mail,
        kind=kind,
        title=title,
        created_by=actor,
        chrono_number=_attachment_chrono(mail, kind),
    )
    _store_version(actor=actor, attachment=attachment, file=file, number=1)
    record_event(
        action="attachment.added",
        actor=actor,
        target=attachment,
        mail=mail,
        details={"kind": kind.code, "title": title, "chrono_number": attachment.chrono_number},
    )
    return attachment


def _store_version(
    *, actor: User | None, attachment: Attachment, file: IncomingFile, number: int
) -> AttachmentVersion:
    version = AttachmentVersion(
        attachment=attachment,
        number=number,
        file_name=file.name,
        sha256=file.sha256,
        size=len(file.content),
        created_by=actor,
    )
    version.file.save(file.name, ContentFile(file.content), save=False)
    version.save()
    return version


@transaction.atomic
def add_attachment_version(
    *, actor: User, attachment: Attachment, file: IncomingFile
) -> AttachmentVersion:
    check_mail_access(actor, attachment.mail)
    locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if locked.created_by_id != actor.pk and not actor.has_perm("courrier.redirect_mail"):
        raise PermissionDenied("You cannot add a version to this attachment.")
    number = (locked.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = _store_version(actor=actor, attachment=locked, file=file, number=number)
    record_event(
        action="attachment.version_added",
        actor=actor,
        target=locked,
        mail=attachment.mail,
        details={"version": number, "sha256": version.sha256},
    )
    return version
