"""JSON-lines export of mail (for migrations, audits and external tools)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from courrier.models import ContactRole, Mail, MailContact


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_queryset(since: datetime.date | None = None) -> QuerySet[Mail]:
    mails = Mail.objects.select_related("document_type", "destination_entity").order_by("pk")
    senders = MailContact.objects.filter(role=ContactRole.SENDER).select_related("contact")
    mails = mails.prefetch_related(Prefetch("mail_contacts", senders, to_attr="senders"))
    return mails.filter(arrival_date__gte=since) if since else mails


def mail_record(mail: Mail) -> dict[str, Any]:
    sender_links: list[MailContact] = getattr(mail, "senders", [])
    sender = sender_links[0].contact if sender_links else None
    return {
        "chrono_number": mail.chrono_number,
        "category": mail.category,
        "subject": mail.subject,
        "document_type": mail.document_type.code if mail.document_type else None,
        "status": mail.status,
        "destination_entity": mail.destination_entity.code if mail.destination_entity else None,
        "channel": mail.channel,
        "arrival_date": _iso(mail.arrival_date),
        "document_date": _iso(mail.document_date),
        "due_date": _iso(mail.due_date),
        "closing_date": _iso(mail.closing_date),
        "sender": {
            "name": sender.display_name,
            "organisation": sender.organisation_name,
            "email": sender.email,
        }
        if sender
        else None,
        "page_count": mail.page_count,
        "original_sha256": mail.original_sha256 or None,
        "text": mail.text,
    }


def mail_records(since: datetime.date | None = None) -> Iterator[dict[str, Any]]:
    # Prefetch does not work with .iterator() without chunk_size; 500 keeps memory flat.
    for mail in export_queryset(since).iterator(chunk_size=500):
        yield mail_record(mail)
