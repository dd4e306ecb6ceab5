"""Citizen web form: public request → mail → acknowledgment through a real SMTP server."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from capture.models import WebFormRequest, WebFormTopic
from capture.sources.webform import forms as webform_forms
from capture.tests import scans
from courrier.legal_mentions import long_date
from courrier.models import DelayUnit, JournalEvent, JournalPersonal, Mail, ProcessingMode

pytestmark = pytest.mark.django_db


def french_date(day):
    with translation.override("fr"):
        return long_date(day)


@pytest.fixture
def topic(org, doctypes):
    doctype = doctypes["signalement"]
    doctype.delay_days, doctype.processing_mode = 10, ProcessingMode.SVA
    doctype.delay_unit = DelayUnit.WORKING_DAYS
    doctype.save()
    return WebFormTopic.objects.create(
        label="Signaler un problème de voirie", document_type=doctype, entity=org.voirie
    )


@pytest.fixture(autouse=True)
def clear_rate_limit():
    from django.core.cache import cache

    cache.clear()


def request_data(topic, **extra):
    return {
        "civility": "Mme",
        "first_name": "Inès",
        "last_name": "Garcia",
        "email": "ines@example.net",
        "phone": "0102030405",
        "address": "5 chemin des Vignes",
        "postcode": "00100",
        "city": "Villedieu",
        "topic": topic.pk,
        "message": "Un arbre est tombé sur la chaussée.",
        "website": "",
        **extra,
    }


def submit(client, topic, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("citizen_form"), request_data(topic, **extra), follow=True)


def test_a_citizen_request_becomes_mail_and_is_acknowledged_by_email(
    client, topic, smtp, django_capture_on_commit_callbacks
):
    photo = SimpleUploadedFile(
        "arbre é.pdf", scans.born_digital_pdf(["Photo de l'arbre"]), "application/pdf"
    )
    response = submit(client, topic, django_capture_on_commit_callbacks, documents=[photo])
    request = WebFormRequest.objects.get()
    assert request.tracking_code in response.content.decode()
    mail = Mail.objects.get()

    assert (mail.channel, mail.document_type, mail.destination_entity.code) == (
        "web_form",
        topic.document_type,
        "VOIR",
    )
    assert "Un arbre est tombé sur la chaussée." in mail.text
    assert mail.contacts.get().email == "ines@example.net"
    assert sorted(a.title for a in mail.attachments.all()) == [
        "accuse-de-reception.eml",  # the acknowledgment as sent
        "arbre é.pdf",
        "message-origine.eml",
    ]
    (ack,) = smtp.messages
    assert ack["To"] == "ines@example.net" and mail.chrono_number in ack["Subject"]
    text = ack.get_body(("plain",)).get_content()
    html = ack.get_body(("html",)).get_content()
    implicit = french_date(mail.implicit_decision_date)
    for part in (text, html):
        assert mail.chrono_number in part and request.tracking_code in part
        # the organisation starts the sentence with its article (BANNETTE_ORGANISATION_ARTICLE)
        assert "La mairie de Villedieu a bien reçu" in part
        # R112-5: receipt date, delay, implicit-decision date and its meaning, the service
        assert french_date(mail.arrival_date) in part and "2 mois" in part
        assert f"au {implicit}, votre demande sera réputée acceptée" in part
        assert "attestation" in part and "Voirie" in part
        # one date, one meaning: the internal due date is not offered as another deadline
        assert "réponse attendue" not in part
        assert french_date(mail.due_date) not in part
        # R112-5, R112-11-1: the dates hold only for a complete request
        assert "ne valent que si votre demande est complète" in " ".join(part.split())


def test_the_tracking_page_shows_the_status_from_the_code_only(
    client, topic, smtp, django_capture_on_commit_callbacks
):
    submit(client, topic, django_capture_on_commit_callbacks)
    request = WebFormRequest.objects.get()
    page = client.get(
        reverse("citizen_tracking_code", args=[request.tracking_code])
    ).content.decode()
    assert request.mail.chrono_number in page
    # numbered: the citizen reads that it is registered, not « being registered »
    assert "service compétent" in page
    assert "en cours d'enregistrement" not in page
    assert "Garcia" not in page  # nothing personal on a page reachable by code
    assert client.get(reverse("citizen_tracking_code", args=["AAAA-BBBB-CCCC"])).status_code == 404


def test_a_robot_filling_the_honeypot_gets_a_thank_you_and_nothing_is_kept(
    client, topic, smtp, django_capture_on_commit_callbacks
):
    response = submit(
        client, topic, django_capture_on_commit_callbacks, website="http://spam.example"
    )
    assert response.status_code == 200
    assert not Mail.objects.exists() and smtp.messages == []


def test_requests_are_rate_limited_per_connection(
    client, topic, smtp, settings, django_capture_on_commit_callbacks
):
    settings.BANNETTE_WEBFORM_RATE_PER_HOUR = 2
    statuses = [
        submit(client, topic, django_capture_on_commit_callbacks).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert Mail.objects.count() == 2


def test_the_form_requires_its_csrf_token(topic):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("citizen_form"), request_data(topic)).status_code == 403


def test_unsafe_or_oversized_files_are_refused(
    client, topic, monkeypatch, smtp, django_capture_on_commit_callbacks
):
    script = SimpleUploadedFile("lettre.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf")
    response = submit(client, topic, django_capture_on_commit_callbacks, documents=[script])
    assert (
        "n&#x27;est pas un fichier PDF" in response.content.decode()
        or "not a PDF" in response.content.decode()
    )
    monkeypatch.setattr(webform_forms, "MAX_FILE_BYTES", 100)
    big = SimpleUploadedFile("gros.pdf", scans.born_digital_pdf(["x"]), "application/pdf")
    response = submit(client, topic, django_capture_on_commit_callbacks, documents=[big])
    assert "10" in response.content.decode() and not Mail.objects.exists()


def test_an_acknowledgment_that_could_not_leave_is_sent_later(
    client, topic, settings, django_capture_on_commit_callbacks
):
    from capture.sources.webform.services import send_pending_acknowledgments

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    submit(client, topic, django_capture_on_commit_callbacks)
    request = WebFormRequest.objects.get()
    assert request.mail is not None and request.acknowledged_at is None  # the mail is not lost
    # L112-6: until it leaves, the mail says its appeal delays cannot be held against anyone
    assert request.mail.acknowledgment_failed
    assert JournalEvent.objects.filter(action="acknowledgment.failed", mail=request.mail).exists()
    assert send_pending_acknowledgments() == 0  # still refused: flagged once, not twice
    assert request.mail.notices.filter(sent_at__isnull=True).count() == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_pending_acknowledgments() == 1
    request.refresh_from_db()
    request.mail.refresh_from_db()
    assert request.acknowledged_at is not None and not request.mail.acknowledgment_failed
    assert send_pending_acknowledgments() == 0


def test_a_huge_request_is_refused_before_it_is_read(client, topic):
    response = client.post(
        reverse("citizen_form"),
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(500 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert not WebFormRequest.objects.exists()


def test_administrators_can_manage_capture_sources(client, org):
    from courrier.models import Role
    from courrier.tests.factories import UserFactory

    admin = UserFactory.create(
        username="boss", roles=[Role.ADMINISTRATOR], is_staff=True, is_superuser=True
    )
    client.force_login(admin)
    for name in (
        "capture_imapaccount",
        "capture_webformtopic",
        "capture_classificationrule",
        "capture_captureinput",
        "scanner_hotfolders_hotfolder",
    ):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:capture_imapaccount_add")).status_code == 200


def test_the_acknowledgment_sent_is_kept_with_the_mail_and_journaled(
    client, topic, mailoutbox, django_capture_on_commit_callbacks
):
    submit(client, topic, django_capture_on_commit_callbacks)
    request = WebFormRequest.objects.get()
    kept = request.mail.attachments.get(kind__code="acknowledgment")
    message = kept.versions.get().file.read().decode()
    assert request.tracking_code in message and "ines@example.net" in message
    event = JournalEvent.objects.get(action="acknowledgment.sent", mail=request.mail)
    assert JournalPersonal.objects.get(event_seq=event.seq).data["to"] == "ines@example.net"
    assert event.details["sha256"] == kept.versions.get().sha256


def test_a_request_whose_capture_failed_is_acknowledged_once_registered_after_retry(
    client, topic, smtp, monkeypatch, django_capture_on_commit_callbacks
):
    from capture import services as capture_services
    from capture.models import CaptureInput, InputStatus
    from capture.services import retry_input
    from courrier.tests.factories import UserFactory

    class Crash:
        name = "crash"

        def able_to_run(self, ctx):
            return True

        def run(self, ctx):
            raise RuntimeError("disque plein")

    working = capture_services.default_steps
    monkeypatch.setattr(capture_services, "default_steps", lambda: [Crash()])
    submit(client, topic, django_capture_on_commit_callbacks)
    capture_input = CaptureInput.objects.get()
    assert capture_input.status == InputStatus.ERROR and not Mail.objects.exists()
    assert smtp.messages == []  # nothing registered: nothing acknowledged yet

    monkeypatch.setattr(capture_services, "default_steps", working)
    clerk = UserFactory.create(username="courrier", roles=["clerk"])
    with django_capture_on_commit_callbacks(execute=True):
        retry_input(actor=clerk, capture_input=capture_input)
    mail = Mail.objects.get()
    (ack,) = smtp.messages
    assert mail.chrono_number in ack["Subject"] and ack["To"] == "ines@example.net"
    assert mail.notices.get().sent_at is not None


def test_the_tracking_page_says_when_the_implicit_acceptance_is_born(
    client, topic, smtp, django_capture_on_commit_callbacks
):
    from courrier.services.legal import record_implicit_decisions

    submit(client, topic, django_capture_on_commit_callbacks)
    request = WebFormRequest.objects.get()
    url = reverse("citizen_tracking_code", args=[request.tracking_code])
    implicit = request.mail.implicit_decision_date
    assert f"Acceptation implicite le {french_date(implicit)}" in client.get(url).content.decode()
    record_implicit_decisions(implicit)
    assert (
        f"Acceptation implicite née le {french_date(implicit)}" in client.get(url).content.decode()
    )
