"""Mail the organisation writes itself (issue 31), with real parts: LibreOffice makes the
drafts' PDFs, pyHanko signs with a throw-away CA, aiosmtpd receives the e-mail.

An outgoing letter (départ spontané) is written from the screen, numbered in the departures
series, drafted to its recipient, visaed, signed and e-mailed or posted as itself; an internal
mail written through the API goes to another service's baskets, its issuing service keeping a
copy and its author following it. Each refusal the services promise is tried."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from api.models import ApiToken, TokenScope
from courrier.baskets import basket_mails, baskets_for
from courrier.forms import contact_token
from courrier.models import (
    Category,
    Channel,
    FollowedMail,
    JournalEvent,
    Mail,
    MailStatus,
    PdfStatus,
)
from courrier.registers import register_lines
from courrier.selectors import can_process_mail, visible_mails
from courrier.services.initiative import NewLetter, send_internal, start_letter
from courrier.services.outgoing import deliver, send_reply_by_post
from courrier.tests.factories import ContactFactory, DocumentTypeFactory
from notifications.models import Notification
from templates_office.models import OfficeTemplate
from templates_office.services import draft_reply
from templates_office.tests.docs import REPLY_LINES, docx_bytes
from visa import services as visa
from visa.models import VisaStepRole
from visa.signing import check_signatures
from visa.tests.pki import make_pki

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipient():
    return ContactFactory.create(
        civility="M.",
        first_name="Paul",
        last_name="Girard",
        organisation_name="",
        address_line1="3 chemin des Vignes",
        postcode="00200",
        city="Bourg-le-Haut",
        email="paul.girard@example.org",
    )


@pytest.fixture
def template(org):
    letter = OfficeTemplate(label="Lettre", entity=org.voirie)
    letter.file.save("lettre.docx", ContentFile(docx_bytes(REPLY_LINES)), save=True)
    return letter


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def signed_letter(mail, agent, manager, signatory, template, capture):
    """Draft from the template (to the letter's recipient), visa, then signature."""
    with capture(execute=True):
        draft = draft_reply(actor=agent, mail=mail, template=template)
    assert draft.current_version().pdf_status == PdfStatus.DONE
    visa.start_visa_circuit(
        actor=agent,
        mail=mail,
        draft=draft,
        steps=[(manager, VisaStepRole.VISA), (signatory, VisaStepRole.SIGNATURE)],
    )
    visa.approve(actor=manager, mail=mail)
    pki = make_pki(signer_name="Jeanne Maire")
    visa.register_signing_key(user=signatory, pkcs12=pki.signer_p12, password=pki.password)
    visa.sign(actor=signatory, mail=mail, password=pki.password)
    mail.refresh_from_db()
    return draft, pki


def test_an_outgoing_letter_is_written_signed_and_emailed_as_itself(
    client,
    org,
    agent,
    manager,
    signatory,
    recipient,
    template,
    smtp,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.BANNETTE_TSA_URL = ""
    client.force_login(agent)
    page = client.get(reverse("write_mail"))
    assert page.status_code == 200 and "Écrire un courrier" in page.content.decode()
    answer = client.post(
        reverse("write_mail"),
        {
            "category": "outgoing",
            "subject": "Travaux de voirie chemin des Vignes",
            "entity": org.voirie.pk,
            "sender": contact_token(recipient),
            "sender_ref": str(recipient.pk),
            "priority": "normal",
        },
    )
    assert answer.status_code == 302, re.findall(
        r"class=\"errorlist[^<]*<li>([^<]*)", answer.content.decode()
    )
    mail = Mail.objects.get(subject="Travaux de voirie chemin des Vignes")
    assert answer.status_code == 302 and answer["Location"].endswith("?tab=reply")
    assert mail.category == Category.OUTGOING and "/D/" in str(mail.chrono_number)
    assert (mail.status, mail.assignee, mail.issuing_entity) == (
        MailStatus.IN_PROGRESS,
        agent,
        org.voirie,
    )
    tab = client.get(reverse("mail_detail", args=[mail.pk]) + "?tab=reply").content.decode()
    tablist = re.sub(r"\s+", " ", tab).split('role="tablist"')[1].split("</nav>")[0]
    assert "> Courrier </a>" in tablist and "Réponse" not in tablist

    draft, pki = signed_letter(
        mail, agent, manager, signatory, template, django_capture_on_commit_callbacks
    )
    with draft.versions.get(number=1).pdf.open("rb") as handle:
        merged = pdf_text(handle.read())
    assert "M. Paul Girard\n3 chemin des Vignes\n00200 Bourg-le-Haut" in merged
    assert mail.status == MailStatus.TO_SEND
    outgoing_before = Mail.objects.filter(category=Category.OUTGOING).count()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("reply_send", args=[mail.pk]),
            {"channel": "email", "draft": draft.pk, "from": "entity"},
        )
    assert sent.status_code == 302
    assert Mail.objects.filter(category=Category.OUTGOING).count() == outgoing_before
    (message,) = smtp.messages
    assert message["To"] == "paul.girard@example.org"
    assert mail.chrono_number in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "notre courrier" in body and "réponse" not in body
    (attached,) = list(message.iter_attachments())
    (check,) = check_signatures(attached.get_content(), [pki.ca])
    assert check.ok
    mail.refresh_from_db()
    assert (mail.status, mail.channel) == (MailStatus.CLOSED, Channel.EMAIL)
    assert mail.dispatched_at is not None and mail.original_sha256
    assert JournalEvent.objects.filter(action="letter.sent", object_id=str(mail.pk)).exists()
    history = client.get(reverse("mail_detail", args=[mail.pk]) + "?tab=history")
    assert "Envoyé par courriel" in history.content.decode()
    # Sent once: the same click again is refused with a reason, nothing leaves twice.
    again = client.post(
        reverse("reply_send", args=[mail.pk]), {"channel": "email", "draft": draft.pk}, follow=True
    )
    assert "ne peut" in again.content.decode() or "déjà" in again.content.decode()
    deliver(mail.email.pk)
    assert len(smtp.messages) == 1
    # The departures register lists it with its recipient.
    (line,) = [
        ln
        for ln in register_lines(agent, "departs", mail.arrival_date, mail.arrival_date)
        if ln.mail == mail
    ]
    assert line.correspondent == str(recipient)


def test_an_outgoing_letter_posted_is_printed_for_a_window_envelope(
    org,
    agent,
    manager,
    signatory,
    recipient,
    template,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.BANNETTE_TSA_URL = ""
    mail = start_letter(
        actor=agent,
        letter=NewLetter(
            category=Category.OUTGOING,
            subject="Invitation à la réunion de quartier",
            entity=org.voirie,
            recipient=recipient,
        ),
    )
    draft, _pki = signed_letter(
        mail, agent, manager, signatory, template, django_capture_on_commit_callbacks
    )
    posted = send_reply_by_post(actor=agent, mail=mail, draft=draft)
    assert posted.pk == mail.pk
    mail.refresh_from_db()
    assert (mail.status, mail.channel) == (MailStatus.CLOSED, Channel.PAPER)
    with mail.original.open("rb") as handle:
        printed = pdf_text(handle.read())
    assert "M. Paul Girard" in printed and "00200 Bourg-le-Haut" in printed
    with pytest.raises(ValidationError):
        send_reply_by_post(actor=agent, mail=mail, draft=draft)


def test_writing_is_refused_outside_ones_services_and_without_a_recipient(
    org, agent, clerk, recipient
):
    with pytest.raises(PermissionDenied):
        start_letter(
            actor=agent,
            letter=NewLetter(
                category=Category.OUTGOING, subject="x", entity=org.urbanisme, recipient=recipient
            ),
        )
    with pytest.raises(ValidationError):
        start_letter(
            actor=agent,
            letter=NewLetter(category=Category.OUTGOING, subject="x", entity=org.voirie),
        )
    with pytest.raises(ValidationError):
        start_letter(
            actor=agent,
            letter=NewLetter(
                category=Category.INTERNAL,
                subject="x",
                entity=org.voirie,
                recipient_entity=org.voirie,
            ),
        )
    incoming_type = DocumentTypeFactory.create(code="demande", category=Category.INCOMING)
    with pytest.raises(ValidationError):
        start_letter(
            actor=agent,
            letter=NewLetter(
                category=Category.OUTGOING,
                subject="x",
                entity=org.voirie,
                recipient=recipient,
                document_type=incoming_type,
            ),
        )
    assert not Mail.objects.exists()


def test_the_write_form_says_what_is_missing(client, org, agent):
    client.force_login(agent)
    page = client.post(
        reverse("write_mail"),
        {"category": "internal", "subject": "Note", "entity": org.voirie.pk, "priority": "normal"},
    )
    assert page.status_code == 200
    assert "Choisissez le service destinataire." in page.content.decode()
    page = client.post(
        reverse("write_mail"),
        {
            "category": "outgoing",
            "subject": "Lettre",
            "entity": org.voirie.pk,
            "priority": "normal",
        },
    )
    assert "Choisissez le destinataire" in page.content.decode()
    assert not Mail.objects.exists()


def test_an_internal_mail_goes_to_the_other_service_through_the_api(
    client, org, agent, urbanisme_agent, django_capture_on_commit_callbacks
):
    _token, secret = ApiToken.issue(user=agent, name="interne", scope=TokenScope.WRITE)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    refused = client.post(
        "/api/v1/mails/letters/",
        {
            "category": "internal",
            "subject": "Chantier",
            "entity": org.urbanisme.code,
            "recipient_entity": org.voirie.code,
        },
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 403, refused.content
    made = client.post(
        "/api/v1/mails/letters/",
        {
            "category": "internal",
            "subject": "Fermeture de la rue Haute pour travaux",
            "entity": org.voirie.code,
            "recipient_entity": org.urbanisme.code,
            "text": "La rue Haute sera fermée du 4 au 8 janvier ; merci d'en tenir compte.",
        },
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.content
    data = made.json()
    assert "/I/" in data["chrono_number"] and data["issuing_entity"] == org.voirie.code
    mail = Mail.objects.get(pk=data["id"])
    # Before it is sent, Urbanisme knows nothing of it.
    assert not visible_mails(urbanisme_agent).filter(pk=mail.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/v1/mails/{mail.pk}/send/", {}, content_type="application/json", **auth
        )
    assert sent.status_code == 201, sent.content
    mail.refresh_from_db()
    assert (mail.destination_entity, mail.assignee, mail.status) == (
        org.urbanisme,
        None,
        MailStatus.IN_PROGRESS,
    )
    assert can_process_mail(urbanisme_agent, mail)
    in_baskets = [
        basket.code
        for basket in baskets_for(urbanisme_agent)
        if basket_mails(basket, urbanisme_agent).filter(pk=mail.pk).exists()
    ]
    assert in_baskets, "the recipient service's baskets do not show the internal mail"
    assert Notification.objects.filter(user=urbanisme_agent, mail=mail).exists()
    # The issuing service keeps sight of it (a copy), its author follows it.
    assert visible_mails(agent).filter(pk=mail.pk).exists()
    assert not can_process_mail(agent, mail)
    assert FollowedMail.objects.filter(user=agent, mail=mail, reason="sent").exists()
    event = JournalEvent.objects.get(action="internal.sent", object_id=str(mail.pk))
    assert event.details["from"] == org.voirie.code and event.details["to"] == org.urbanisme.code
    again = client.post(
        f"/api/v1/mails/{mail.pk}/send/", {}, content_type="application/json", **auth
    )
    assert again.status_code in (400, 403)


def test_an_internal_mail_with_a_draft_carries_its_pdf(
    org, agent, urbanisme_agent, template, django_capture_on_commit_callbacks
):
    mail = start_letter(
        actor=agent,
        letter=NewLetter(
            category=Category.INTERNAL,
            subject="Demande de plan de récolement",
            entity=org.voirie,
            recipient_entity=org.urbanisme,
        ),
    )
    with pytest.raises(ValidationError):
        send_internal(actor=agent, mail=mail)  # neither a draft nor a text
    with pytest.raises(PermissionDenied):
        send_internal(actor=urbanisme_agent, mail=mail)
    with django_capture_on_commit_callbacks(execute=True):
        draft = draft_reply(actor=agent, mail=mail, template=template)
    send_internal(actor=agent, mail=mail, draft=draft)
    mail.refresh_from_db()
    with mail.original.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF") and mail.original_mime == "application/pdf"
    assert f"réf. {mail.chrono_number}" in pdf_text(content)
