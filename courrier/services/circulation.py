"""Diffusion list, notes and attachments of a mail."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from courrier.events import AttachmentVersionAdded, publish
from courrier.models import (
    Attachment,
    AttachmentKind,
    AttachmentVersion,
    Contact,
    DiffusionListEntry,
    DiffusionRole,
    DiffusionTemplate,
    DocumentType,
    Entity,
    Mail,
    Note,
    NoteTemplate,
    PdfStatus,
    User,
)
from courrier.selectors import user_entity_ids
from courrier.services.journal import record_event
from courrier.services.mail import IncomingFile, check_mail_access


@transaction.atomic
def add_diffusion_entry(
    *,
    actor: User,
    mail: Mail,
    role: str,
    entity: Entity | None = None,
    user: User | None = None,
    on_behalf_of: User | None = None,
) -> DiffusionListEntry:
    check_mail_access(actor, mail, on_behalf_of=on_behalf_of, processing=True)
    if (entity is None) == (user is None):
        raise ValidationError(_("A diffusion entry names either an entity or a user."))
    if role == DiffusionRole.RECIPIENT:
        DiffusionListEntry.objects.filter(mail=mail, role=DiffusionRole.RECIPIENT).delete()
    entry = DiffusionListEntry.objects.create(mail=mail, role=role, entity=entity, user=user)
    record_event(
        action="diffusion.added",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=entry,
        mail=mail,
        details={
            "role": role,
            "entity": entity.code if entity else None,
            "user": user.username if user else None,
        },
    )
    return entry


def diffusion_templates_for(
    *, entity: Entity | None, document_type: DocumentType | None
) -> QuerySet[DiffusionTemplate]:
    """Templates for this destination and type; the most specific first."""
    matching = DiffusionTemplate.objects.filter(
        Q(entity=entity) | Q(entity__isnull=True),
        Q(document_type=document_type) | Q(document_type__isnull=True),
    ).exclude(entity__isnull=True, document_type__isnull=True)
    return matching.prefetch_related("entries__entity", "entries__user").order_by(
        F("entity").desc(nulls_last=True), F("document_type").desc(nulls_last=True), "label"
    )


@transaction.atomic
def apply_diffusion_template(
    *, actor: User, mail: Mail, template: DiffusionTemplate, on_behalf_of: User | None = None
) -> int:
    """Add the template's copies that the mail's list lacks; the recipient is left alone."""
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of, processing=True)
    added = []
    for line in template.entries.filter(role=DiffusionRole.COPY):
        if not mail.diffusion_entries.filter(entity=line.entity, user=line.user).exists():
            DiffusionListEntry.objects.create(
                mail=mail, role=DiffusionRole.COPY, entity=line.entity, user=line.user
            )
            added.append(str(line.entity.code if line.entity else line.user))
    record_event(
        action="diffusion.template_applied",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"template": template.label, "added": added},
    )
    return len(added)


def note_templates_for(user: User) -> QuerySet[NoteTemplate]:
    return NoteTemplate.objects.filter(
        Q(entity__isnull=True) | Q(entity_id__in=user_entity_ids(user))
    )


@transaction.atomic
def add_note(
    *,
    actor: User,
    mail: Mail,
    text: str,
    restricted_to: Sequence[Entity] = (),
    on_behalf_of: User | None = None,
) -> Note:
    check_mail_access(actor, mail, on_behalf_of=on_behalf_of)
    if not text.strip():
        raise ValidationError(_("A note cannot be empty."))
    note = Note.objects.create(mail=mail, author=actor, text=text.strip())
    note.restricted_to.set(restricted_to)
    record_event(
        action="note.added",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=note,
        mail=mail,
        details={"restricted_to": sorted(e.code for e in restricted_to)},
    )
    return note


def _attachment_chrono(mail: Mail, kind: AttachmentKind) -> str | None:
    if not kind.has_chrono_number:
        return None
    if not mail.chrono_number:
        raise ValidationError(_("The mail has no chrono number yet."))
    rank = Attachment.objects.filter(mail=mail, kind__has_chrono_number=True).count() + 1
    return f"{mail.chrono_number}-{kind.chrono_suffix or 'P'}{rank}"


@transaction.atomic
def add_attachment(
    *,
    actor: User | None,
    mail: Mail,
    kind: AttachmentKind,
    title: str,
    file: IncomingFile,
    recipient: Contact | None = None,
    expected_return_date: datetime.date | None = None,
    on_behalf_of: User | None = None,
) -> Attachment:
    """Attach a file; a transmission also names its recipient and when it should come back."""
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of, processing=True)
    if kind.expects_return and (recipient is None or expected_return_date is None):
        raise ValidationError(_("A transmission needs a recipient and an expected return date."))
    Mail.objects.select_for_update().filter(pk=mail.pk).get()  # serialises attachment chronos
    attachment = Attachment.objects.create(
        mail=mail,
        kind=kind,
        title=title,
        created_by=actor,
        chrono_number=_attachment_chrono(mail, kind),
        recipient=recipient,
        expected_return_date=expected_return_date,
    )
    version = store_version(actor=actor, attachment=attachment, file=file, number=1)
    record_event(
        action="attachment.added",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=attachment,
        mail=mail,
        personal={"title": title},
        details={
            "kind": kind.code,
            "chrono_number": attachment.chrono_number,
            "recipient": recipient.pk if recipient else None,
            "expected_return_date": expected_return_date,
        },
    )
    _version_added(version, actor)
    return attachment


def store_version(
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


def next_version_number(attachment: Attachment) -> int:
    return (
        attachment.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1


def ready_version(draft: Attachment) -> AttachmentVersion:
    """The draft's last version, once it can be read as a PDF."""
    version = draft.versions.order_by("-number").first()
    if version is None or (
        version.pdf_status != PdfStatus.DONE and not version.file_name.lower().endswith(".pdf")
    ):
        raise ValidationError(_("The draft's PDF is not ready yet."))
    return version


def pdf_content(version: AttachmentVersion) -> bytes:
    with version.readable_pdf.open("rb") as handle:
        content: bytes = handle.read()
    return content


def store_signed_version(
    *, actor: User | None, attachment: Attachment, name: str, content: bytes
) -> AttachmentVersion:
    """A signed PDF as the attachment's next version; the file is its own PDF rendition."""
    version = store_version(
        actor=actor,
        attachment=attachment,
        file=IncomingFile(name, content),
        number=next_version_number(attachment),
    )
    version.pdf.save(name, ContentFile(content), save=False)
    version.pdf_status, version.signed = PdfStatus.DONE, True
    version.save(update_fields=["pdf", "pdf_status", "signed"])
    return version


@transaction.atomic
def add_attachment_version(
    *, actor: User, attachment: Attachment, file: IncomingFile, on_behalf_of: User | None = None
) -> AttachmentVersion:
    check_mail_access(
        actor, attachment.mail, "process_mail", on_behalf_of=on_behalf_of, processing=True
    )
    locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if locked.created_by_id != actor.pk and not actor.has_perm("courrier.redirect_mail"):
        raise PermissionDenied(_("You cannot add a version to this attachment."))
    number = next_version_number(locked)
    version = store_version(actor=actor, attachment=locked, file=file, number=number)
    record_event(
        action="attachment.version_added",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=locked,
        mail=attachment.mail,
        details={"version": number, "sha256": version.sha256},
    )
    _version_added(version, actor)
    return version


def _version_added(version: AttachmentVersion, actor: User | None) -> None:
    """Office conversion and visa circuits react to it (they are built on the mail core)."""
    publish(
        AttachmentVersionAdded(
            mail_id=version.attachment.mail_id,
            attachment_id=version.attachment_id,
            version_id=version.pk,
            number=version.number,
            file_name=version.file_name,
            actor_id=actor.pk if actor else None,
        )
    )


@transaction.atomic
def mark_returned(
    *,
    actor: User,
    attachment: Attachment,
    returned_on: datetime.date,
    on_behalf_of: User | None = None,
) -> Attachment:
    """Record that a transmission came back; it is no longer late."""
    check_mail_access(
        actor, attachment.mail, "process_mail", on_behalf_of=on_behalf_of, processing=True
    )
    if attachment.expected_return_date is None:
        raise ValidationError(_("This attachment does not expect a return."))
    attachment.returned_on = returned_on
    attachment.save(update_fields=["returned_on"])
    record_event(
        action="attachment.returned",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=attachment,
        mail=attachment.mail,
        details={"returned_on": returned_on, "chrono_number": attachment.chrono_number},
    )
    return attachment
