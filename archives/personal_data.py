"""Citizens' personal data (GDPR): anonymisation after a configured delay, and the export of
everything Bannette holds about one person (right of access, art. 15).

Anonymisation (art. 5(1)(e), storage limitation): the mail that came from citizens (web form,
e-mail) is anonymised once closed for the delay of its web-form topic, else of its document
type (ISO 8601, e.g. P1Y; empty: never), unless a legal hold covers it or a longer retention
applies — read here as: the mail's type is kept for good (transferred to the archives) and the
archives have not accepted it yet, since a public archive must reach them whole. The received
files, the searchable PDF, the capture originals, the text, the subject and the web form's
e-mail address are removed (their SHA-256 kept in the journal); the person senders are unlinked
and, once none of their mail is left whole, their contact record is emptied. The mail keeps its
number, type, entity, dates and history.

Right of access: a ZIP for one contact with a summary in French, the data as JSON and the
documents they sent; the mail is limited to what the exporting user may open (the summary says
how much is held elsewhere, for the data protection officer to complete with those services),
and restricted notes are counted, not given (they are the services' internal exchanges; the DPO
decides whether to release them after review).
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from archives.files import read
from archives.models import Transfer, TransferStatus
from archives.retention import duration, held_mail_ids
from capture.models import WebFormRequest
from courrier.extensions import personal_data_places
from courrier.models import (
    Channel,
    Contact,
    ContactKind,
    FinalDisposition,
    Mail,
    MailContact,
    MailStatus,
    Note,
    RequesterNotice,
    User,
)
from courrier.personal_places import erase_personal_data
from courrier.selectors import visible_mails
from courrier.services.journal import record_event

CITIZEN_CHANNELS = (Channel.WEB_FORM, Channel.EMAIL)


def anonymisation_delay(mail: Mail) -> relativedelta | None:
    request = WebFormRequest.objects.filter(mail=mail).select_related("topic").first()
    text = request.topic.anonymise_after if request and request.topic.anonymise_after else ""
    if not text and mail.document_type is not None:
        text = mail.document_type.anonymise_after
    return duration(text) if text else None


@dataclass
class AnonymisationRun:
    anonymised: int = 0
    held: int = 0
    kept_for_archives: int = 0

    def __str__(self) -> str:
        return (
            f"anonymised {self.anonymised}, held {self.held}, "
            f"awaiting the archives {self.kept_for_archives}"
        )


def anonymise_due(today: datetime.date | None = None) -> AnonymisationRun:
    """The daily job: anonymise the citizens' mail whose delay after closing has passed."""
    today = today or timezone.localdate()
    run = AnonymisationRun()
    candidates = (
        Mail.objects.filter(
            status=MailStatus.CLOSED,
            channel__in=CITIZEN_CHANNELS,
            anonymised_at__isnull=True,
            eliminated_at__isnull=True,
        )
        .filter(
            ~Q(document_type__anonymise_after="")
            | Q(pk__in=WebFormRequest.objects.exclude(topic__anonymise_after="").values("mail"))
        )
        .select_related("document_type")
    )
    due = []
    for mail in candidates.iterator(chunk_size=500):
        delay = anonymisation_delay(mail)
        closed_on = timezone.localdate(mail.closing_date) if mail.closing_date else None
        if delay is None or closed_on is None or closed_on + delay > today:
            continue
        due.append(mail)
    held = held_mail_ids(m.pk for m in due)
    accepted = set(
        Transfer.objects.filter(
            status=TransferStatus.ACCEPTED, mails__in=[m.pk for m in due]
        ).values_list("mails", flat=True)
    )
    for mail in due:
        if mail.pk in held:
            run.held += 1
            continue
        kept = mail.document_type is None or (
            mail.document_type.final_disposition == FinalDisposition.KEEP
        )
        if kept and mail.pk not in accepted:
            run.kept_for_archives += 1
            continue
        anonymise(mail)
        run.anonymised += 1
    return run


@transaction.atomic
def anonymise(mail: Mail, *, actor: User | None = None) -> dict[str, str]:
    """Erase what the mail says of a person in every place that keeps it (the registry of
    courrier.extensions.PersonalDataPlace); the mail keeps its number, type, entity, dates and
    history."""
    senders = MailContact.objects.filter(mail=mail, contact__kind=ContactKind.PERSON).count()
    removed = erase_personal_data(mail)
    mail.anonymised_at = timezone.now()
    mail.save()
    record_event(
        action="mail.anonymised",
        actor=actor,
        target=mail,
        details={"removed": removed, "senders": senders},
    )
    return removed


def subject_access_package(contact: Contact, actor: User) -> bytes:
    """Everything held about one person that the exporting user may open, as a ZIP."""
    everything = Mail.objects.filter(mail_contacts__contact=contact).distinct()
    mails = list(
        everything.filter(pk__in=visible_mails(actor).values("pk"))
        .select_related("document_type", "destination_entity")
        .order_by("arrival_date", "pk")
    )
    elsewhere = everything.count() - len(mails)
    roles = {
        (link.mail_id): link.get_role_display()
        for link in MailContact.objects.filter(contact=contact, mail__in=mails)
    }
    notes = Note.objects.filter(mail__in=mails).order_by("created_at")
    open_notes = [n for n in notes.filter(restricted_to__isnull=True).distinct() if n.text]
    restricted = notes.filter(restricted_to__isnull=False).distinct().count()
    notices = RequesterNotice.objects.filter(mail__in=mails).order_by("created_at")
    requests = WebFormRequest.objects.filter(mail__in=mails).select_related("topic")
    data: dict[str, Any] = {
        "contact": {
            "kind": contact.get_kind_display(),
            "civility": contact.get_civility_display() if contact.civility else "",
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "organisation": contact.organisation_name,
            "email": contact.email,
            "phone": contact.phone,
            "address": contact.address_block(),
            "recorded_on": contact.created_at.isoformat(),
        },
        "mails": [
            {
                "chrono_number": mail.chrono_number,
                "role": roles.get(mail.pk, ""),
                "subject": mail.subject,
                "document_type": str(mail.document_type or ""),
                "service": str(mail.destination_entity or ""),
                "channel": mail.get_channel_display(),
                "arrival_date": mail.arrival_date.isoformat(),
                "status": mail.get_status_display(),
                "closing_date": mail.closing_date.isoformat() if mail.closing_date else None,
                "anonymised": bool(mail.anonymised_at),
            }
            for mail in mails
        ],
        "notes": [
            {"mail": n.mail.chrono_number, "date": n.created_at.isoformat(), "text": n.text}
            for n in open_notes
        ],
        "restricted_notes": restricted,
        "notices": [
            {
                "mail": notice.mail.chrono_number,
                "kind": notice.get_kind_display(),
                "channel": notice.get_channel_display(),
                "recipient": notice.recipient,
                "date": notice.created_at.isoformat(),
            }
            for notice in notices
        ],
        "web_form_requests": [
            {
                "tracking_code": request.tracking_code,
                "topic": request.topic.label,
                "email": request.email,
                "date": request.created_at.isoformat(),
            }
            for request in requests
        ],
        "mails_held_by_other_services": elsewhere,
        # every place the apps declared, as the erasure knows them (PersonalDataPlace)
        "held_in": {
            str(place.label): place.held(mails)
            for place in personal_data_places()
            if place.held is not None
        },
    }
    buffer = io.BytesIO()
    folder = f"droit-acces-{contact.pk}"
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(f"{folder}/donnees.json", json.dumps(data, indent=1, ensure_ascii=False))
        bundle.writestr(
            f"{folder}/synthese.txt",
            render_to_string(
                "archives/subject_access.txt",
                {"data": data, "contact": contact, "actor": actor, "now": timezone.localtime()},
            ),
        )
        for mail in mails:
            original = read(mail.original)
            if original is not None:
                name = Path(mail.original_name or mail.original.name).name
                number = (mail.chrono_number or str(mail.pk)).replace("/", "-")
                bundle.writestr(f"{folder}/documents/{number}-{name}", original)
    with transaction.atomic():
        record_event(
            action="contact.subject_access",
            actor=actor,
            target=contact,
            details={"mails": len(mails), "elsewhere": elsewhere},
        )
    return buffer.getvalue()
