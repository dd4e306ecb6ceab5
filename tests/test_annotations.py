"""Annotating a draft in the signature book (issue 31): the comments are drawn on a copy kept
as a version of an « Annotations » attachment; the draft, its circuit and what is signed do not
change. Real parts: pypdf and poppler read the PDFs, pyHanko signs with a throw-away CA."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from api.models import ApiToken, TokenScope
from courrier.models import Attachment, AttachmentKind, JournalEvent, MailStatus
from courrier.services.circulation import store_version
from courrier.services.mail import IncomingFile, Qualification, qualify_mail
from courrier.services.processing import send_copy
from courrier.tests.factories import DocumentTypeFactory, make_mail
from visa import services as visa
from visa.annotations import annotate, annotated_copy_of
from visa.models import VisaStep, VisaStepRole, VisaStepState
from visa.signing import check_signatures
from visa.tests.pki import make_pki

pytestmark = pytest.mark.django_db


def two_pages() -> bytes:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(72, 760, "Objet : elagage des platanes, page un")
    sheet.showPage()
    sheet.drawString(72, 760, "Veuillez agreer nos salutations, page deux")
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


@pytest.fixture
def in_circuit(org, clerk, agent, manager, signatory):
    mail = make_mail(subject="Élagage des platanes")
    doctype = DocumentTypeFactory.create(code="elagage", delay_days=15)
    qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(document_type=doctype, destination_entity=org.voirie),
    )
    kind, _created = AttachmentKind.objects.get_or_create(
        code="reply_draft", defaults={"label": "Projet de réponse"}
    )
    draft = Attachment.objects.create(mail=mail, kind=kind, title="Réponse", created_by=agent)
    store_version(
        actor=agent, attachment=draft, file=IncomingFile("reponse.pdf", two_pages()), number=1
    )
    visa.start_visa_circuit(
        actor=agent,
        mail=mail,
        draft=draft,
        steps=[(manager, VisaStepRole.VISA), (signatory, VisaStepRole.SIGNATURE)],
    )
    return mail, draft


def text_of(content: bytes, page: int) -> str:
    return PdfReader(io.BytesIO(content)).pages[page - 1].extract_text()


def test_a_visa_er_annotates_a_page_and_the_draft_stays_as_drafted(
    client, in_circuit, manager, signatory, settings
):
    settings.BANNETTE_TSA_URL = ""
    mail, draft = in_circuit
    (original,) = draft.versions.all()
    client.force_login(manager)
    book = reverse("signature_book_mail", args=[mail.pk])
    page = client.get(book).content.decode()
    assert 'id="annotation-page"' in page and '<option value="2">2</option>' in page
    answer = client.post(
        reverse("annotate_draft", args=[mail.pk]),
        {"page": "2", "place": "bottom", "text": "Préciser la date d'intervention.", "next": book},
    )
    assert answer.status_code == 302 and answer["Location"] == book

    copy = annotated_copy_of(draft, 1)
    assert copy is not None and copy.attachment.kind.code == "annotations"
    with copy.file.open("rb") as handle:
        annotated = handle.read()
    assert "Préciser la date d'intervention." in text_of(annotated, 2)
    assert manager.get_full_name() in text_of(annotated, 2)  # who wrote it
    assert "Préciser" not in text_of(annotated, 1)
    # The draft, its circuit and the mail are as they were.
    assert list(draft.versions.values_list("pk", "sha256")) == [(original.pk, original.sha256)]
    current = VisaStep.objects.get(mail=mail, state=VisaStepState.CURRENT)
    assert current.user == manager
    mail.refresh_from_db()
    assert mail.status == MailStatus.TO_VISA
    event = JournalEvent.objects.get(action="draft.annotated", object_id=str(mail.pk))
    assert event.details["page"] == 2 and event.details["version"] == 1
    shown = client.get(book).content.decode()
    assert "Préciser la date d&#x27;intervention." in shown and "page 2" in shown

    # A second note: the next version of the same copy, with both.
    annotate(actor=manager, mail=mail, page=1, text="Ajouter la référence cadastrale.")
    second = annotated_copy_of(draft, 1)
    assert second.attachment_id == copy.attachment_id and second.number == copy.number + 1
    with second.file.open("rb") as handle:
        both = handle.read()
    assert "Ajouter la référence cadastrale." in text_of(both, 1)
    assert "Préciser la date d'intervention." in text_of(both, 2)

    # Visa and signature go on: the signed letter holds none of the annotations.
    visa.approve(actor=manager, mail=mail)
    pki = make_pki(signer_name="Jeanne Maire")
    visa.register_signing_key(user=signatory, pkcs12=pki.signer_p12, password=pki.password)
    signed = visa.sign(actor=signatory, mail=mail, password=pki.password)
    with signed.file.open("rb") as handle:
        content = handle.read()
    (check,) = check_signatures(content, [pki.ca])
    assert check.ok
    words = subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    assert "page deux" in words and "Préciser" not in words and "cadastrale" not in words


def test_annotations_are_refused_outside_the_circuit_and_off_the_pages(
    client, in_circuit, agent, manager, urbanisme_agent, outsider
):
    mail, _draft = in_circuit
    client.force_login(outsider)
    assert (
        client.post(
            reverse("annotate_draft", args=[mail.pk]), {"page": "1", "text": "x"}
        ).status_code
        == 404
    )
    send_copy(actor=agent, mail=mail, entity=urbanisme_agent.primary_entity)
    with pytest.raises(PermissionDenied):
        annotate(actor=urbanisme_agent, mail=mail, page=1, text="Lu en copie")
    with pytest.raises(ValidationError):
        annotate(actor=manager, mail=mail, page=3, text="Hors du document")
    with pytest.raises(ValidationError):
        annotate(actor=manager, mail=mail, page=1, text="   ")
    with pytest.raises(ValidationError):
        annotate(actor=manager, mail=mail, page=1, text="x", place="ailleurs")
    # The drafter, whose mail it is, annotates too.
    annotate(actor=agent, mail=mail, page=1, text="Note du rédacteur")
    assert not JournalEvent.objects.filter(action="draft.annotated", actor=urbanisme_agent).exists()


def test_the_api_annotates_and_lists(client, in_circuit, manager):
    mail, draft = in_circuit
    _token, secret = ApiToken.issue(user=manager, name="parapheur", scope=TokenScope.WRITE)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = f"/api/v1/mails/{mail.pk}/annotations/"
    made = client.post(
        url, {"page": 1, "text": "Vu, à reformuler"}, content_type="application/json", **auth
    )
    assert made.status_code == 201, made.content
    assert made.json()["draft"] == draft.pk and made.json()["author"] == manager.username
    off = client.post(url, {"page": 9, "text": "x"}, content_type="application/json", **auth)
    assert off.status_code == 400 and "page" in off.json()["detail"]
    (listed,) = client.get(url, **auth).json()
    assert listed["text"] == "Vu, à reformuler" and listed["place"] == "top"
