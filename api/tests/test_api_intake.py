"""Mail entering through the API: registered at once without a file; with files, through the
real capture pipeline (the text of a born-digital PDF, the e-mail renderer) - as a Publik /
w.c.s. workflow's "webservice" action or a business application sends it."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api.models import ApiToken, TokenScope
from capture.models import CaptureInput, InputStatus
from capture.tests import scans
from courrier.models import Channel, ContactRole, JournalEvent, Mail, MailStatus
from courrier.tests.factories import DocumentTypeFactory

pytestmark = pytest.mark.django_db
PROOF = scans.born_digital_pdf(["Justificatif de domicile", "Facture d'électricité, mars."])


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def writer(user) -> dict[str, str]:
    _token, secret = ApiToken.issue(user=user, name="Portail", scope=TokenScope.WRITE)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def wcs_request(**changes) -> dict:
    """What w.c.s.'s "Appel de webservice" action posts: the form's fields and its files as
    {filename, content_type, content (base64)}."""
    body = {
        "subject": "Demande de carte de stationnement résident",
        "reference": "stationnement-42",
        "sender": {
            "first_name": "Claire",
            "last_name": "Martin",
            "email": "claire.martin@example.org",
            "address_line1": "3 rue des Lilas",
            "postcode": "59000",
            "city": "Lille",
        },
        "fields": {"Immatriculation": "AB-123-CD", "Motif": "Résidence principale"},
        "files": [
            {
                "filename": "justificatif.pdf",
                "content_type": "application/pdf",
                "content": base64.b64encode(PROOF).decode(),
            }
        ],
    }
    return {**body, **changes}


def test_a_mail_without_a_file_is_registered_at_once_to_qualify(client, clerk, org):
    response = client.post(
        reverse("api-mail-list"),
        wcs_request(files=[], document_type=DocumentTypeFactory.create(code="DEM").code),
        content_type="application/json",
        **writer(clerk),
    )
    assert response.status_code == 201, response.content
    mail = Mail.objects.get(pk=response.json()["id"])
    assert (mail.status, mail.channel, mail.document_type.code) == (
        MailStatus.TO_QUALIFY,
        Channel.WEB_FORM,
        "DEM",
    )
    assert (
        "Référence : stationnement-42" in mail.text and "Immatriculation : AB-123-CD" in mail.text
    )
    sender = mail.mail_contacts.get(role=ContactRole.SENDER).contact
    assert (sender.last_name, sender.email) == ("Martin", "claire.martin@example.org")
    assert JournalEvent.objects.filter(action="mail.registered", actor=clerk).exists()


def test_a_publik_request_with_its_files_goes_through_capture(client, clerk, org, committed):
    with committed(execute=True):  # the capture is dispatched once the input is committed
        response = client.post(
            reverse("api-mail-list"),
            wcs_request(),
            content_type="application/json",
            **writer(clerk),
        )
    assert response.status_code == 202, response.content
    (received,) = response.json()["inputs"]
    followed = client.get(
        reverse("api-capture-input-detail", args=[received["id"]]), **writer(clerk)
    ).json()
    assert followed["status"] == InputStatus.DONE, followed["error"]
    (registered,) = followed["mails"]
    mail = Mail.objects.get(chrono_number=registered["chrono_number"])
    assert mail.subject == "Demande de carte de stationnement résident"
    assert mail.channel == Channel.WEB_FORM and mail.status == MailStatus.TO_QUALIFY
    assert "Immatriculation : AB-123-CD" in mail.text  # the fields, as the message's body
    # the file kept byte for byte beside the request (and the request's own message)
    proof = mail.attachments.get(title="justificatif.pdf")
    assert proof.title == "justificatif.pdf"
    assert proof.versions.get().sha256 == hashlib.sha256(PROOF).hexdigest()
    assert mail.mail_contacts.get(role=ContactRole.SENDER).contact.last_name == "Martin"
    assert registered["id"] == mail.pk  # the mail room may open what it registered


def test_a_business_application_uploads_a_file_as_multipart(client, agent, org, committed):
    upload = SimpleUploadedFile("facture.pdf", PROOF, "application/pdf")
    with committed(execute=True):
        response = client.post(
            reverse("api-mail-list"),
            {"subject": "Facture", "entity": "VOIR", "document": [upload]},
            **writer(agent),
        )
    assert response.status_code == 202, response.content
    capture_input = CaptureInput.objects.get(pk=response.json()["inputs"][0]["id"])
    assert capture_input.status == InputStatus.DONE and capture_input.created_by == agent
    mail = capture_input.mails.get().mail
    assert (mail.destination_entity.code, mail.subject) == ("VOIR", "Facture")


def test_bad_requests_are_refused_with_a_reason_and_nothing_is_registered(client, clerk, org):
    token = writer(clerk)
    broken = wcs_request(files=[{"filename": "a.pdf", "content": "pas du base64 !"}])
    response = client.post(
        reverse("api-mail-list"), broken, content_type="application/json", **token
    )
    assert response.status_code == 400
    assert "base64" in str(response.json())
    unknown = client.post(
        reverse("api-mail-list"),
        wcs_request(entity="NULLEPART"),
        content_type="application/json",
        **token,
    )
    assert unknown.status_code == 400 and "entity" in unknown.json()
    no_subject = client.post(reverse("api-mail-list"), {}, content_type="application/json", **token)
    assert no_subject.status_code == 400 and "subject" in no_subject.json()
    assert not Mail.objects.exists() and not CaptureInput.objects.exists()


def test_only_roles_that_register_mail_may_create_it(client, org, archivist):
    response = client.post(
        reverse("api-mail-list"),
        wcs_request(files=[]),
        content_type="application/json",
        **writer(archivist),
    )
    assert response.status_code == 403
    assert not Mail.objects.exists()


def test_capture_errors_are_listed_and_retried_by_the_mail_room(
    client, clerk, agent, org, committed
):
    token = writer(agent)
    empty = SimpleUploadedFile("vide.pdf", b"", "application/pdf")
    refused = client.post(
        reverse("api-mail-list"), {"subject": "Vide", "document": [empty]}, **token
    )
    assert refused.status_code == 400  # an empty file is refused at once: the caller keeps it
    corrupt = SimpleUploadedFile("abime.pdf", b"%PDF-1.4\n1 0 obj <<", "application/pdf")
    with committed(execute=True):
        response = client.post(
            reverse("api-mail-list"), {"subject": "Abîmé", "document": [corrupt]}, **token
        )
    (received,) = response.json()["inputs"]
    assert received["status"] == InputStatus.RECEIVED  # answered before the capture ran
    failed = client.get(reverse("api-capture-input-detail", args=[received["id"]]), **token).json()
    assert failed["status"] == InputStatus.ERROR and failed["error"]
    mine = client.get(reverse("api-capture-input-list"), **token).json()
    assert [i["id"] for i in mine["results"]] == [failed["id"]]
    retry = reverse("api-capture-input-retry", args=[failed["id"]])
    assert client.post(retry, **token).status_code == 403  # an agent cannot retry captures
    with committed(execute=True):
        again = client.post(retry, **writer(clerk))
    assert again.status_code == 200 and again.json()["status"] == InputStatus.RECEIVED  # queued
    capture_input = CaptureInput.objects.get(pk=failed["id"])
    assert (capture_input.status, capture_input.attempts) == (InputStatus.ERROR, 2)  # still broken
