"""Issue scenario (services, real parts): an agent drafts a reply to a captured letter from a
.docx template with the sender's address merged, LibreOffice makes its PDF, a manager visas it,
the signatory signs it (PAdES, validated with the throw-away CA) and it is e-mailed to the
sender through a real SMTP server (aiosmtpd); a refusal goes back to the drafter with its note."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from courrier.models import (
    AttachmentKind,
    Category,
    JournalEvent,
    MailStatus,
    PdfStatus,
    Role,
)
from courrier.services.circulation import add_attachment, add_attachment_version
from courrier.services.mail import IncomingFile, Qualification, qualify_mail
from courrier.services.outgoing import default_channel, send_reply_by_email, send_reply_by_post
from courrier.tests.factories import (
    ContactFactory,
    DocumentTypeFactory,
    UserFactory,
    absent_now,
    make_mail,
)
from templates_office.models import OfficeTemplate
from templates_office.services import draft_reply
from templates_office.tests.docs import REPLY_LINES, docx_bytes
from visa import services as visa
from visa.models import VisaStepRole
from visa.signing import check_signatures
from visa.tests.pki import make_pki

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(org, clerk):
    sender = ContactFactory.create(
        civility="Mme",
        first_name="Lucie",
        last_name="Martin",
        address_line1="12 rue des Lilas",
        postcode="00100",
        city="Villedieu",
        email="lucie.martin@example.org",
    )
    mail = make_mail(subject="Arbre tombé rue des Lilas", senders=[sender])
    doctype = DocumentTypeFactory.create(code="signalement", delay_days=15)
    return qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(document_type=doctype, destination_entity=org.voirie),
    )


@pytest.fixture
def template(org):
    reply = OfficeTemplate(label="Réponse standard", entity=org.voirie)
    reply.file.save("reponse.docx", ContentFile(docx_bytes(REPLY_LINES)), save=True)
    return reply


def pdf_text(field) -> str:
    with field.open("rb") as handle:
        return subprocess.run(
            ["pdftotext", "-", "-"], input=handle.read(), capture_output=True, check=True
        ).stdout.decode()


def drafted(agent, letter, template, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft = draft_reply(actor=agent, mail=letter, template=template)
    version = draft.current_version()
    assert version.pdf_status == PdfStatus.DONE, version.pdf_error
    return draft, version


def test_a_reply_is_drafted_visaed_signed_and_emailed(
    agent, manager, signatory, letter, template, smtp, settings, django_capture_on_commit_callbacks
):
    settings.BANNETTE_TSA_URL = ""
    draft, version = drafted(agent, letter, template, django_capture_on_commit_callbacks)
    text = pdf_text(version.pdf)
    assert "Mme Lucie Martin\n12 rue des Lilas\n00100 Villedieu" in text
    assert f"réf. {letter.chrono_number}" in text

    visa.start_visa_circuit(
        actor=agent,
        mail=letter,
        draft=draft,
        steps=[(manager, VisaStepRole.VISA), (signatory, VisaStepRole.SIGNATURE)],
    )
    letter.refresh_from_db()
    assert letter.status == MailStatus.TO_VISA
    visa.approve(actor=manager, mail=letter)
    letter.refresh_from_db()
    assert letter.status == MailStatus.TO_SIGN

    pki = make_pki(signer_name="Jeanne Maire")
    visa.register_signing_key(
        user=signatory, pkcs12=pki.signer_p12, password=pki.password, role="Maire de Villedieu"
    )
    signed = visa.sign(actor=signatory, mail=letter, password=pki.password)
    with signed.file.open("rb") as handle:
        (check,) = check_signatures(handle.read(), [pki.ca])
    assert check.ok and "Jeanne Maire" in check.signer
    letter.refresh_from_db()
    assert letter.status == MailStatus.TO_SEND

    plan = add_attachment(
        actor=agent,
        mail=letter,
        kind=AttachmentKind.objects.create(code="simple", label="PJ"),
        title="Plan",
        file=IncomingFile("plan.pdf", b"%PDF-1.4 plan"),
    )
    with pytest.raises(ValidationError):
        send_reply_by_email(actor=agent, mail=letter, draft=draft, to="pas une adresse")
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = send_reply_by_email(actor=agent, mail=letter, draft=draft, attachments=[plan])
    (message,) = smtp.messages
    assert message["To"] == "lucie.martin@example.org"
    assert letter.chrono_number in message["Subject"]
    assert "Veuillez trouver ci-joint" in message.get_body(("plain",)).get_content()
    assert "Veuillez trouver ci-joint" in message.get_body(("html",)).get_content()
    attached, extra = list(message.iter_attachments())
    assert extra.get_filename() == "plan.pdf"
    (emailed_check,) = check_signatures(attached.get_content(), [pki.ca])
    assert emailed_check.ok
    outgoing.refresh_from_db()
    letter.refresh_from_db()
    assert (outgoing.category, outgoing.status, outgoing.chrono_number.split("/")[2]) == (
        Category.OUTGOING,
        MailStatus.CLOSED,
        "D",
    )
    assert list(outgoing.linked_mails.all()) == [letter]
    assert letter.status == MailStatus.CLOSED
    events = JournalEvent.objects.filter(mail=letter, action__regex=r"^(reply|visa)\.")
    actions = list(events.values_list("action", flat=True))
    assert actions[-5:] == [
        "reply.drafted",
        "visa.circuit_started",
        "visa.approved",
        "visa.signed",
        "reply.sent",
    ]


def test_a_refused_draft_goes_back_to_the_drafter_and_a_new_version_restarts_the_circuit(
    agent, manager, signatory, letter, template, django_capture_on_commit_callbacks
):
    draft, _version = drafted(agent, letter, template, django_capture_on_commit_callbacks)
    visa.start_visa_circuit(
        actor=agent,
        mail=letter,
        draft=draft,
        steps=[(manager, VisaStepRole.VISA), (signatory, VisaStepRole.SIGNATURE)],
    )
    visa.reject(actor=manager, mail=letter, note="Citer l'arrêté municipal.")
    letter.refresh_from_db()
    assert letter.status == MailStatus.IN_PROGRESS
    assert letter.notes.get().text == "Citer l'arrêté municipal."
    with django_capture_on_commit_callbacks(execute=True):
        add_attachment_version(
            actor=agent,
            attachment=draft,
            file=IncomingFile("reponse-v2.docx", docx_bytes([*REPLY_LINES, "Arrêté n° 2026-12."])),
        )
    letter.refresh_from_db()
    assert letter.status == MailStatus.TO_VISA
    assert visa.current_step(letter).user == manager
    assert draft.current_version().pdf_status == PdfStatus.DONE
    with pytest.raises(PermissionDenied):  # the circuit starts again at the visa
        visa.sign(actor=signatory, mail=letter, password="x")


def test_a_conversion_failure_is_reported_on_the_version(
    agent, letter, template, django_capture_on_commit_callbacks
):
    draft, _version = drafted(agent, letter, template, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        version = add_attachment_version(
            actor=agent,
            attachment=draft,
            file=IncomingFile("casse.docx", b"PK\x03\x04 not really a document"),
        )
    version.refresh_from_db()
    assert version.pdf_status == PdfStatus.FAILED and "LibreOffice" in version.pdf_error
    assert JournalEvent.objects.filter(action="attachment.conversion_failed", mail=letter).exists()


def test_a_reply_by_post_gets_a_window_envelope_sheet_and_enters_the_register(
    client, agent, signatory, letter, template, settings, django_capture_on_commit_callbacks
):
    settings.BANNETTE_TSA_URL = ""
    draft, _version = drafted(agent, letter, template, django_capture_on_commit_callbacks)
    visa.start_visa_circuit(
        actor=agent, mail=letter, draft=draft, steps=[(signatory, VisaStepRole.SIGNATURE)]
    )
    pki = make_pki(signer_name="Jeanne Maire")
    visa.register_signing_key(user=signatory, pkcs12=pki.signer_p12, password=pki.password)
    visa.sign(actor=signatory, mail=letter, password=pki.password)
    assert default_channel(letter) == "post"  # it came on paper
    outgoing = send_reply_by_post(actor=agent, mail=letter, draft=draft)
    assert (outgoing.channel, outgoing.status) == ("paper", MailStatus.CLOSED)
    with outgoing.original.open("rb") as handle:
        printable = handle.read()
    # The window of a DL envelope: 110 mm from the left, 50 mm from the top, 90 x 40 mm.
    window = subprocess.run(
        [
            "pdftotext",
            "-f",
            "1",
            "-l",
            "1",
            "-x",
            "312",
            "-y",
            "142",
            "-W",
            "255",
            "-H",
            "113",
            "-",
            "-",
        ],
        input=printable,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert (
        "Mme Lucie Martin" in window
        and "12 rue des Lilas" in window
        and "00100 VILLEDIEU" in window
    )
    info = subprocess.run(
        ["pdfinfo", "-"], input=printable, capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"^Pages:\s+2$", info, re.M)  # the sheet, then the one-page letter
    client.force_login(agent)
    register = client.get(reverse("post_register")).content.decode()
    assert outgoing.chrono_number in register and "12 rue des Lilas" in register
    csv_text = client.get(reverse("post_register") + "?format=csv").content.decode()
    assert outgoing.chrono_number in csv_text


def test_a_draft_may_be_addressed_to_another_contact(client, agent, letter, template):
    other = ContactFactory.create(
        kind="organisation",
        organisation_name="SDIS",
        last_name="",
        address_line1="1 avenue des Pompiers",
        postcode="00100",
        city="Villedieu",
    )
    client.force_login(agent)
    client.post(
        reverse("reply_draft", args=[letter.pk]),
        {"template": template.pk, "recipient": f"SDIS [#{other.pk}]"},
    )
    draft = letter.attachments.get(kind__code="reply_draft")
    assert draft.recipient == other
    with draft.current_version().file.open("rb") as handle:
        merged = docx.Document(io.BytesIO(handle.read()))
    assert "1 avenue des Pompiers" in "\n".join(p.text for p in merged.paragraphs)


def test_a_colleague_visas_for_an_absent_manager_but_nobody_signs_for_another(
    client, agent, manager, signatory, letter, template, org, django_capture_on_commit_callbacks
):
    draft, _version = drafted(agent, letter, template, django_capture_on_commit_callbacks)
    visa.start_visa_circuit(
        actor=agent,
        mail=letter,
        draft=draft,
        steps=[(manager, VisaStepRole.VISA), (signatory, VisaStepRole.SIGNATURE)],
    )
    deputy = UserFactory.create(username="adjoint", primary_entity=org.st, roles=[Role.MANAGER])
    absent_now(manager, basket="to_visa", substitute=deputy, days=2)
    absent_now(signatory, basket="to_sign", substitute=deputy, days=2)
    client.force_login(deputy)
    client.post(reverse("reply_decide", args=[letter.pk, "approve"]), {"for": "manager"})
    event = JournalEvent.objects.get(action="visa.approved")
    assert (event.actor, event.on_behalf_of) == (deputy, manager)
    client.post(
        reverse("reply_decide", args=[letter.pk, "sign"]), {"for": "maire", "password": "x"}
    )
    letter.refresh_from_db()
    assert letter.status == MailStatus.TO_SIGN  # still waiting for the signatory in person
    assert not JournalEvent.objects.filter(action="visa.signed").exists()


def test_other_template_kinds_make_attachments_of_their_kind(
    agent, letter, org, django_capture_on_commit_callbacks
):
    acknowledgment = OfficeTemplate(
        label="Accusé de réception", kind="acknowledgment", entity=org.voirie
    )
    acknowledgment.file.save(
        "ar.docx",
        ContentFile(docx_bytes(["Nous accusons réception de votre courrier {{ mail.chrono }}."])),
        save=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        document = draft_reply(actor=agent, mail=letter, template=acknowledgment)
    assert (document.kind.code, document.kind.label) == (
        "office-acknowledgment",
        "Accusé de réception",
    )
    assert f"votre courrier {letter.chrono_number}" in pdf_text(document.current_version().pdf)
    assert JournalEvent.objects.filter(mail=letter, action="document.drafted").count() == 1
    assert not letter.attachments.filter(kind__code="reply_draft").exists()


def test_a_circuit_only_takes_people_who_may_visa_and_sign(
    agent, urbanisme_agent, manager, letter, template, django_capture_on_commit_callbacks
):
    draft, _version = drafted(agent, letter, template, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        visa.start_visa_circuit(
            actor=agent,
            mail=letter,
            draft=draft,
            steps=[(urbanisme_agent, VisaStepRole.VISA), (manager, VisaStepRole.SIGNATURE)],
        )
    with pytest.raises(ValidationError):
        visa.start_visa_circuit(
            actor=agent,
            mail=letter,
            draft=draft,
            steps=[(manager, VisaStepRole.SIGNATURE), (manager, VisaStepRole.VISA)],
        )
    letter.refresh_from_db()
    assert letter.status == MailStatus.IN_PROGRESS


def test_a_pdf_made_by_libreoffice_is_journaled_with_its_hash(
    agent, letter, template, django_capture_on_commit_callbacks
):
    _draft, version = drafted(agent, letter, template, django_capture_on_commit_callbacks)
    event = JournalEvent.objects.get(action="attachment.pdf_made", mail=letter)
    with version.pdf.open("rb") as handle:
        assert event.details == {
            "version": 1,
            "pdf_sha256": hashlib.sha256(handle.read()).hexdigest(),
        }
