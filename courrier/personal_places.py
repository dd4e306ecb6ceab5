"""Where the core keeps what a mail says of a person, and how each place is erased when the
mail is anonymised or eliminated (registered as courrier.extensions.PersonalDataPlace; the
upper apps register theirs: capture inputs, webhook payloads, the search index, stored
exports)."""

from __future__ import annotations

import hashlib

from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _

from courrier.extensions import PersonalDataPlace
from courrier.models import (
    AttachmentVersion,
    ClockSuspension,
    Contact,
    ContactAddress,
    ContactKind,
    JournalEvent,
    JournalPersonal,
    Keyword,
    Mail,
    MailContact,
    Note,
    RequesterNotice,
)

ADDRESS_FIELDS = ("address_line1", "address_line2", "postcode", "city")


def destroy_file(file: FieldFile, name: str, removed: dict[str, str]) -> None:
    """Delete a stored file, noting its SHA-256 under `name` (the journal keeps the note)."""
    if not file:
        return
    try:
        with file.open("rb") as handle:
            removed[name] = hashlib.sha256(handle.read()).hexdigest()
    except FileNotFoundError:
        pass
    file.delete(save=False)


def _mail_files(mail: Mail, removed: dict[str, str]) -> None:
    for field_name in ("original", "searchable_pdf", "thumbnail"):
        destroy_file(getattr(mail, field_name), field_name, removed)


def _mail_text(mail: Mail, removed: dict[str, str]) -> None:
    mail.subject = str(mail.document_type) if mail.document_type else ""
    mail.text, mail.original_name = "", ""
    mail.custom_fields, mail.incomplete_text_pages = {}, []


def _attachments(mail: Mail, removed: dict[str, str]) -> None:
    """The pieces received and every letter sent (acknowledgments, notices, replies): each
    version's file and PDF, its name, and the attachment's title."""
    versions = AttachmentVersion.objects.filter(attachment__mail=mail).select_related(
        "attachment__kind"
    )
    for version in versions:
        tag = f"attachment {version.attachment_id} v{version.number}"
        destroy_file(version.file, tag, removed)
        destroy_file(version.pdf, f"{tag} PDF", removed)
        version.file_name = ""
        version.save()
        attachment = version.attachment
        if attachment.title:
            attachment.title = attachment.kind.label if attachment.kind else ""
            attachment.save(update_fields=["title"])


def _notes(mail: Mail, removed: dict[str, str]) -> None:
    Note.objects.filter(mail=mail).update(text="")


def _keywords(mail: Mail, removed: dict[str, str]) -> None:
    """Unlink the mail's keywords; one that no other mail uses goes with it (a keyword typed
    for this request alone may name its requester)."""
    used = list(mail.keywords.values_list("pk", flat=True))
    mail.keywords.clear()
    Keyword.objects.filter(pk__in=used, mail__isnull=True).delete()


def _suspensions(mail: Mail, removed: dict[str, str]) -> None:
    ClockSuspension.objects.filter(mail=mail).update(details="")


def _notices(mail: Mail, removed: dict[str, str]) -> None:
    RequesterNotice.objects.filter(mail=mail).update(recipient="", error="")


def _people(mail: Mail, removed: dict[str, str]) -> None:
    """Unlink the persons who wrote or were written to; a person none of whose mail is left
    whole is emptied, with what the journal said of them."""
    links = list(
        MailContact.objects.filter(mail=mail, contact__kind=ContactKind.PERSON).select_related(
            "contact"
        )
    )
    for link in links:
        link.delete()
    for contact in {link.contact for link in links}:
        whole = Mail.objects.filter(
            mail_contacts__contact=contact, anonymised_at__isnull=True, eliminated_at__isnull=True
        ).exclude(pk=mail.pk)
        if not whole.exists():
            empty_contact(contact)


def empty_contact(contact: Contact) -> None:
    contact.first_name, contact.last_name = "", "Anonymisé"
    contact.email = contact.phone = contact.comment = ""
    for name in ADDRESS_FIELDS:
        setattr(contact, name, "")
    contact.normalized_name = contact.normalized_email = contact.normalized_address = ""
    contact.active = False
    contact.save()
    ContactAddress.objects.filter(contact=contact).delete()
    about = JournalEvent.objects.filter(object_type="courrier.contact", object_id=str(contact.pk))
    JournalPersonal.objects.filter(event_seq__in=about.values("seq")).delete()


def _journal(mail: Mail, removed: dict[str, str]) -> None:
    """What the mail's journal events said of people: the events, their hashes, links and
    seals stay; the salted digest of the erased part stays in their hashed details."""
    JournalPersonal.objects.filter(mail=mail).delete()


def _held_notes(mails: list[Mail]) -> list[str]:
    return [
        f"{note.mail.chrono_number} : {note.text}"
        for note in Note.objects.filter(mail__in=mails, restricted_to__isnull=True)
        .exclude(text="")
        .select_related("mail")
    ]


def _held_notices(mails: list[Mail]) -> list[str]:
    return [
        f"{notice.mail.chrono_number} : {notice.get_kind_display()} → {notice.recipient}"
        for notice in RequesterNotice.objects.filter(mail__in=mails).select_related("mail")
    ]


def _held_suspensions(mails: list[Mail]) -> list[str]:
    return [
        f"{suspension.mail.chrono_number} : {suspension.details}"
        for suspension in ClockSuspension.objects.filter(mail__in=mails)
        .exclude(details="")
        .select_related("mail")
    ]


def _held_journal(mails: list[Mail]) -> list[str]:
    return [
        f"événement n° {row.event_seq} : "
        + ", ".join(f"{key} = {value}" for key, value in sorted(row.data.items()))
        for row in JournalPersonal.objects.filter(mail__in=mails)
    ]


CORE_PLACES = (
    PersonalDataPlace("mail_files", _("The mail's files (original, searchable PDF)"), _mail_files),
    PersonalDataPlace("mail_text", _("The mail's subject, text and custom fields"), _mail_text),
    PersonalDataPlace("attachments", _("Pieces received and letters sent"), _attachments),
    PersonalDataPlace("notes", _("Notes"), _notes, _held_notes),
    PersonalDataPlace("keywords", _("Keywords"), _keywords),
    PersonalDataPlace(
        "suspensions", _("Missing pieces asked for"), _suspensions, _held_suspensions
    ),
    PersonalDataPlace("notices", _("Notices to the requester"), _notices, _held_notices),
    PersonalDataPlace("people", _("Senders and recipients"), _people),
    PersonalDataPlace("journal", _("What the journal says of people"), _journal, _held_journal),
)


def erase_personal_data(mail: Mail) -> dict[str, str]:
    """Erase, in every registered place, what this mail says of a person (the caller holds
    the transaction, saves the mail and journals the erasure); the files destroyed, name ->
    SHA-256."""
    from courrier.extensions import personal_data_places

    removed: dict[str, str] = {}
    for place in personal_data_places():
        place.erase(mail, removed)
    return removed
