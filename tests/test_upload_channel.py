"""Uploaded scans are paper post: acknowledged on paper like the rest of the day's post, and the
clerk corrects the channel at qualification when it was something else (issue 31)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courrier.letters import letter_pdf
from courrier.models import Channel, JournalEvent, Mail
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, make_mail

pytestmark = pytest.mark.django_db


def test_an_uploaded_scan_is_paper_post_by_default_and_the_upload_form_asks(client, clerk):
    client.force_login(clerk)
    form = client.get(reverse("capture_upload")).content.decode()
    assert 'name="channel"' in form and "Courrier papier (numérisé)" in form
    pdf = SimpleUploadedFile("scan.pdf", letter_pdf(["Objet : lampadaire"]), "application/pdf")
    client.post(reverse("capture_upload"), {"documents": [pdf], "split": "on", "channel": "paper"})
    assert Mail.objects.get().channel == Channel.PAPER
    counter = SimpleUploadedFile("visite.pdf", letter_pdf(["Objet : visite"]), "application/pdf")
    client.post(reverse("capture_upload"), {"documents": [counter], "channel": "counter"})
    assert Mail.objects.order_by("-pk").first().channel == Channel.COUNTER


def test_the_clerk_corrects_the_channel_at_qualification_and_the_day_lists_it_to_acknowledge(
    client, clerk, org
):
    doctype = DocumentTypeFactory.create(code="demande", label="Demande")
    mail = make_mail(subject="Scan", channel=Channel.UPLOAD, senders=[ContactFactory.create()])
    client.force_login(clerk)
    page = client.get(reverse("qualify", args=[mail.pk])).content.decode()
    assert 'name="channel"' in page and "Dépôt de fichier" in page
    response = client.post(
        reverse("qualify", args=[mail.pk]),
        {
            "document_type": doctype.pk,
            "subject": "Demande de badge",
            "destination_entity": org.voirie.pk,
            "priority": "normal",
            "channel": "counter",
            "stay": "1",
        },
    )
    assert response.status_code == 302
    mail.refresh_from_db()
    assert mail.channel == Channel.COUNTER
    event = JournalEvent.objects.get(action="mail.qualified", mail=mail)
    assert event.details["channel"] == ["upload", "counter"]
    # A counter visit is acknowledged on paper with the day's post.
    listing = client.get(reverse("acknowledgment_batch")).content.decode()
    assert mail.chrono_number in listing
