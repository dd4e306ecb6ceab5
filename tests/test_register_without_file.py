"""A phone call or a visit at the counter registered in one form (no file), acknowledged like
the day's post; the API's POST /api/v1/mails/ does the same for programs (api/tests)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courrier.models import Channel, Contact, JournalEvent, Mail, MailStatus
from courrier.tests.factories import DocumentTypeFactory

pytestmark = pytest.mark.django_db


def test_a_phone_call_is_registered_qualified_and_listed_to_acknowledge(client, clerk, org):
    doctype = DocumentTypeFactory.create(code="signalement", label="Signalement", delay_days=30)
    client.force_login(clerk)
    page = client.get(reverse("register_without_file")).content.decode()
    assert "Appel téléphonique" in page and "Visite à l" in page
    response = client.post(
        reverse("register_without_file"),
        {
            "channel": "phone",
            "arrival_date": timezone.localdate().isoformat(),
            "subject": "Lampadaire éteint rue des Lilas",
            "summary": "Depuis trois nuits, devant le n° 12.",
            "new_last_name": "Garnier",
            "new_first_name": "Paul",
            "new_city": "Villedieu",
            "document_type": doctype.pk,
            "destination_entity": org.voirie.pk,
        },
    )
    mail = Mail.objects.get()
    assert response["Location"] == reverse("mail_detail", args=[mail.pk])
    assert (mail.channel, mail.status, mail.destination_entity) == (
        Channel.PHONE,
        MailStatus.IN_PROGRESS,
        org.voirie,
    )
    assert mail.text == "Depuis trois nuits, devant le n° 12." and not mail.original
    assert mail.due_date is not None
    assert Contact.objects.get().last_name == "Garnier"
    actions = set(JournalEvent.objects.filter(mail=mail).values_list("action", flat=True))
    assert {"mail.registered", "mail.qualified"} <= actions
    assert mail.chrono_number in client.get(reverse("acknowledgment_batch")).content.decode()


def test_without_a_type_it_waits_in_the_mail_rooms_basket_and_bad_input_is_named(
    client, clerk, org
):
    client.force_login(clerk)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    refused = client.post(
        reverse("register_without_file"),
        {"channel": "counter", "arrival_date": tomorrow.isoformat(), "subject": "Visite"},
    )
    assert refused.status_code == 200 and not Mail.objects.exists()
    assert "ne peut pas être reçu dans le futur" in refused.content.decode()
    client.post(
        reverse("register_without_file"),
        {
            "channel": "counter",
            "arrival_date": timezone.localdate().isoformat(),
            "subject": "Dépôt d'un dossier",
            "another": "1",
        },
    )
    mail = Mail.objects.get()
    assert (mail.channel, mail.status) == (Channel.COUNTER, MailStatus.TO_QUALIFY)


def test_only_the_mail_room_registers(client, agent):
    client.force_login(agent)
    assert client.get(reverse("register_without_file")).status_code == 403
