"""What is told about a mail follows who may see it now: a letter the clerk qualifies
confidential after capture leaks neither through a webhook, nor through a notification once it
left the reader's reach, nor through the duplicate warning of a later copy of it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from api import webhooks
from api.models import DeliveryState, WebhookDelivery, WebhookSubscription
from api.tests.test_webhooks import Receiver
from capture.tests import scans
from capture.tests.test_pipeline import capture
from courrier.journal_text import readable_events
from courrier.models import JournalEvent, MailStatus
from courrier.services.mail import Qualification, qualify_mail
from courrier.services.processing import redirect_mail
from courrier.tests.factories import DocumentTypeFactory, make_mail
from notifications.models import Mode, Notification

pytestmark = pytest.mark.django_db

APPEAL = ["Objet : recours contre M. Secret", "Je conteste le permis de construire."]


def qualify_confidential(clerk, mail, org):
    qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(
            document_type=DocumentTypeFactory.create(code="recours"),
            destination_entity=org.urbanisme,
            confidential=True,
        ),
    )


@pytest.fixture
def receiver(settings):
    with Receiver() as running:
        settings.BANNETTE_WEBHOOK_ALLOWED_ORIGINS = [running.url.rsplit("/", 1)[0]]
        yield running


@pytest.mark.django_db(transaction=True)
def test_a_webhook_never_tells_the_subject_of_a_mail_not_qualified_yet(receiver, org, clerk):
    WebhookSubscription.objects.create(
        name="Portail", url=receiver.url, events=["mail.registered", "mail.qualified"]
    )
    _input, (mail,) = capture(scans.born_digital_pdf(APPEAL), split=False)
    assert "Secret" in mail.subject  # read from the letter
    (told,) = [json.loads(body) for _headers, body in receiver.received]
    assert told["event"] == "mail.registered" and told["mail"]["subject"] is None
    qualify_confidential(clerk, mail, org)
    assert len(receiver.received) == 1  # the qualification of confidential mail: never told
    assert "Secret" not in json.dumps(list(WebhookDelivery.objects.values_list("payload")))


@pytest.mark.django_db(transaction=True)
def test_a_delivery_waiting_for_a_retry_is_withheld_once_the_mail_is_confidential(
    receiver, org, clerk
):
    WebhookSubscription.objects.create(name="Portail", url=receiver.url, events=["mail.qualified"])
    receiver.answers = [503]
    mail = make_mail(actor=clerk, subject="Courrier ordinaire", destination_entity=org.voirie)
    qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(
            document_type=DocumentTypeFactory.create(code="divers"),
            destination_entity=org.voirie,
            subject="Recours de M. Secret",
        ),
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and len(receiver.received) == 1  # refused
    type(mail).objects.filter(pk=mail.pk).update(confidential=True)  # made confidential since
    assert webhooks.resend([delivery]) == 0
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.WITHHELD and len(receiver.received) == 1
    assert "Secret" not in json.dumps(delivery.payload)


def test_a_notification_about_a_mail_gone_out_of_reach_shows_neither_number_nor_subject(
    client, org, agent, clerk, manager
):
    mail = make_mail(
        actor=clerk,
        subject="Recours de M. Secret",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    Notification.objects.create(user=agent, kind="mail_arrived", mail=mail, mode=Mode.IMMEDIATE)
    client.force_login(agent)
    page = client.get(reverse("notifications")).content.decode()
    assert mail.chrono_number in page  # hers, for now
    redirect_mail(actor=manager, mail=mail, entity=org.urbanisme)
    page = client.get(reverse("notifications")).content.decode()
    assert mail.chrono_number not in page and "Secret" not in page
    assert "que vous ne pouvez plus ouvrir" in page
    assert reverse("mail_detail", args=[mail.pk]) not in page


def test_the_duplicate_of_a_confidential_letter_does_not_name_it(client, org, clerk):
    letter = scans.born_digital_pdf(APPEAL)
    _input, (first,) = capture(letter, split=False)
    qualify_confidential(clerk, first, org)
    _input, (second,) = capture(letter, name="encore.pdf", split=False)
    assert second.capture.duplicate_of == first  # flagged all the same
    client.force_login(clerk)
    info = client.get(reverse("mail_detail", args=[second.pk]) + "?tab=info").content.decode()
    assert first.chrono_number not in info
    assert "un courrier déjà enregistré que vous ne pouvez pas ouvrir" in info
    history = readable_events(JournalEvent.objects.filter(mail=second))
    sentences = " ".join(item.sentence for item in history)
    assert "doublon" in sentences and first.chrono_number not in sentences
