"""The arrivals and departures registers: the day's mail in the reader's perimeter, on screen,
in CSV and as a printable PDF (numbered lines, titles repeated on each page)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from courrier.models import Category, Channel
from courrier.tests.factories import ContactFactory, make_mail

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_days_arrivals_register_lists_what_the_reader_may_open(client, clerk, agent, org):
    today = timezone.localdate()
    sender = ContactFactory.create(last_name="Garnier", first_name="Paul")
    voirie = make_mail(subject="Trottoir", destination_entity=org.voirie, senders=[sender])
    urba = make_mail(subject="Permis", destination_entity=org.urbanisme)
    make_mail(
        subject="Hier",
        destination_entity=org.voirie,
        arrival_date=today - datetime.timedelta(days=1),
    )
    make_mail(subject="Réponse", destination_entity=org.voirie, category=Category.OUTGOING)
    client.force_login(agent)  # Voirie: not Urbanisme's mail
    page = client.get(reverse("registers")).content.decode()
    assert "Registre d&#x27;arrivée" in page or "Registre d'arrivée" in page
    assert voirie.chrono_number in page and "Garnier" in page
    assert urba.chrono_number not in page and "Hier" not in page and "Réponse" not in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("registers") + "?format=csv").content.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    assert rows[0][:3] == ["Date", "Numéro chrono", "Canal"]
    assert [r[1] for r in rows[1:]] == [voirie.chrono_number]
    pdf = client.get(reverse("registers") + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert "registre-arrivee-" in str(pdf["Content-Disposition"])
    text = pdf_text(pdf.content)
    assert str(voirie.chrono_number) in text and "Trottoir" in text and "1 ligne" in text
    client.force_login(clerk)  # the mail room registers everything
    page = client.get(reverse("registers"), {"entity": org.urbanisme.pk}).content.decode()
    assert urba.chrono_number in page and voirie.chrono_number not in page


def test_the_departures_register_names_the_recipients(client, agent, org):
    recipient = ContactFactory.create(last_name="Petit", first_name="Anne")
    reply = make_mail(
        subject="Réponse trottoir",
        destination_entity=org.voirie,
        category=Category.OUTGOING,
        channel=Channel.EMAIL,
    )
    reply.mail_contacts.create(contact=recipient, role="recipient")
    client.force_login(agent)
    page = client.get(reverse("registers"), {"kind": "departs"}).content.decode()
    assert reply.chrono_number in page and "Anne Petit" in page
    assert client.get(reverse("registers"), {"kind": "autre"}).status_code == 404


def test_a_routing_slip_prints_with_the_mail_for_whoever_may_open_it(client, agent, outsider, org):
    sender = ContactFactory.create(last_name="Garnier", first_name="Paul")
    mail = make_mail(subject="Trottoir abîmé", destination_entity=org.voirie, senders=[sender])
    client.force_login(agent)
    page = client.get(reverse("mail_detail", args=[mail.pk])).content.decode()
    slip_url = reverse("mail_file", args=[mail.pk, "routing-slip"])
    assert slip_url in page
    slip = client.get(slip_url)
    assert slip["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(slip.streaming_content))
    assert "Fiche de liaison" in text and str(mail.chrono_number) in text
    assert "Trottoir abîmé" in text and "Paul Garnier" in text and "Pour information" in text
    client.force_login(outsider)
    assert client.get(slip_url).status_code == 404
