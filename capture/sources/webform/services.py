"""Citizen requests (saisine par voie électronique): receive, acknowledge, track."""

from __future__ import annotations

import logging
import secrets
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from capture import sources
from capture.models import CaptureInput, SourceKind, WebFormRequest, WebFormTopic
from capture.services import receive_input
from capture.tasks import dispatch
from courrier.legal_mentions import legal_mentions
from courrier.models import Channel, Contact, ContactKind, NoticeKind
from courrier.services.contacts import find_or_create_contact
from courrier.services.legal import send_notice_email

logger = logging.getLogger(__name__)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _contact(data: dict[str, Any]) -> Contact:
    candidate = Contact(
        kind=ContactKind.PERSON,
        civility=data.get("civility", ""),
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        phone=data.get("phone", ""),
        address_line1=data.get("address", ""),
        postcode=data.get("postcode", ""),
        city=data.get("city", ""),
    )
    return find_or_create_contact(actor=None, candidate=candidate)


def request_message(data: dict[str, Any], topic: WebFormTopic, files: list[Any]) -> bytes:
    """The request as an RFC 5322 message: an immutable original the e-mail pipeline renders."""
    message = EmailMessage()
    person = " ".join(p for p in (data.get("civility"), data["first_name"], data["last_name"]) if p)
    message["From"] = f"{person} <{data['email']}>"
    message["To"] = settings.BANNETTE_ORGANISATION_NAME
    message["Subject"] = f"Demande en ligne : {topic.label}"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="bannette.local")
    address = ", ".join(
        p for p in (data.get("address"), data.get("postcode"), data.get("city")) if p
    )
    identity = [
        f"Demandeur : {person}",
        f"Courriel : {data['email']}",
        f"Téléphone : {data.get('phone') or '—'}",
        f"Adresse : {address or '—'}",
        f"Objet de la demande : {topic.label}",
        "",
    ]
    message.set_content("\n".join(identity) + data["message"])
    for upload in files:
        content = upload.read()
        maintype, _, subtype = (upload.content_type or "application/octet-stream").partition("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype or "octet-stream", filename=upload.name
        )
    return bytes(message)


@transaction.atomic
def submit_request(*, data: dict[str, Any], files: list[Any]) -> WebFormRequest:
    topic: WebFormTopic = data["topic"]
    contact = _contact(data)
    capture_input = receive_input(
        source_kind=SourceKind.WEBFORM,
        source_name="formulaire",
        name="demande.eml",
        content=request_message(data, topic, files),
        options={
            "channel": Channel.WEB_FORM,
            "split": False,
            "subject": f"{topic.label} — {data['last_name']}",
            "document_type": topic.document_type.code,
            "entity": topic.entity.code if topic.entity else None,
            "sender_contact": contact.pk,
        },
    )
    request = WebFormRequest.objects.create(
        tracking_code=new_tracking_code(), input=capture_input, email=data["email"], topic=topic
    )
    transaction.on_commit(lambda: dispatch(capture_input.pk))
    return request


def send_acknowledgment(request: WebFormRequest) -> bool:
    """The accusé de réception with the mentions of R112-5 and the tracking code (text and
    HTML), kept with the mail; False when the SMTP server refused it (the mail is flagged)."""
    assert request.mail is not None
    mail = request.mail
    with translation.override("fr"):
        context = {
            "request": request,
            "mail": mail,
            "legal": legal_mentions(mail),
            "tracking_url": f"{settings.BANNETTE_PUBLIC_URL}/demarches/suivi/{request.tracking_code}/",
        }
        text = render_to_string("capture/webform/acknowledgment.txt", context)
        html = render_to_string("capture/webform/acknowledgment.html", context)
    sent = send_notice_email(
        mail,
        kind=NoticeKind.RECEIPT,
        to=request.email,
        subject=f"Accusé de réception de votre demande {mail.chrono_number}",
        text=text,
        html=html,
        on_sent=lambda: WebFormRequest.objects.filter(pk=request.pk).update(
            acknowledged_at=timezone.now()
        ),
    )
    return sent is not None and sent.sent_at is not None


def send_pending_acknowledgments() -> int:
    """Acknowledgments whose sending failed (SMTP down...) are sent again; returns how many."""
    requests = WebFormRequest.objects.filter(
        mail__isnull=False, acknowledged_at__isnull=True
    ).select_related("mail__document_type", "mail__destination_entity", "topic")
    return sum(send_acknowledgment(request) for request in requests)


def _on_done(capture_input: CaptureInput) -> None:
    request = WebFormRequest.objects.filter(
        input=capture_input, acknowledged_at__isnull=True
    ).first()
    captured = capture_input.mails.select_related("mail").first()
    if request is None or captured is None:
        return
    request.mail = captured.mail
    request.save(update_fields=["mail"])
    send_acknowledgment(request)


sources.register_hooks(SourceKind.WEBFORM, on_done=_on_done, on_error=lambda capture_input: None)
