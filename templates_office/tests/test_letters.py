"""Letters the law asks for: acknowledgment templates checked against R112-5 at upload, paper
acknowledgments printed one by one or as the day's batch (real LibreOffice), the attestation
of an implicit acceptance (L232-3)."""

from __future__ import annotations

import datetime
import subprocess
import tempfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courrier.models import JournalEvent, JournalPersonal, MailStatus, NoticeChannel, ProcessingMode
from courrier.services import legal
from courrier.services.mail import Qualification, qualify_mail
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, UserFactory, make_mail
from templates_office.models import OfficeTemplate
from templates_office.tests.docs import ACKNOWLEDGMENT_LINES, ATTESTATION_LINES, docx_bytes

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        text = subprocess.run(
            ["pdftotext", handle.name, "-"], capture_output=True, check=True, text=True
        ).stdout
    return " ".join(text.split())  # lines wrap anywhere: compare words


def upload(client, kind: str, lines: list[str]):
    return client.post(
        reverse("admin:templates_office_officetemplate_add"),
        {
            "label": "Accusé",
            "kind": kind,
            "active": "on",
            "file": SimpleUploadedFile("accuse.docx", docx_bytes(lines)),
        },
    )


def test_an_acknowledgment_template_missing_mentions_is_refused_with_what_is_missing(client, org):
    admin = UserFactory.create(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    lacking = [
        line for line in ACKNOWLEDGMENT_LINES if "appeal" not in line and "phone" not in line
    ]
    page = upload(client, "acknowledgment", lacking).content.decode()
    assert "Un accusé de réception doit mentionner (CRPA, article R112-5)" in page
    assert "son numéro de téléphone" in page and "les voies et délais de recours" in page
    assert "la date de réception" not in page  # only what is missing is listed
    assert not OfficeTemplate.objects.exists()
    assert upload(client, "reply", lacking).status_code == 302  # replies have no such rule
    assert upload(client, "acknowledgment", ACKNOWLEDGMENT_LINES).status_code == 302


def _template(kind: str, lines: list[str]) -> OfficeTemplate:
    template = OfficeTemplate(label=kind, kind=kind)
    template.file.save(f"{kind}.docx", ContentFile(docx_bytes(lines)), save=True)
    return template


@pytest.fixture
def paper_post(org, clerk):
    """Two letters of today's post, qualified by the mail room."""
    svr = DocumentTypeFactory.create(
        code="rapo", label="Recours préalable", processing_mode=ProcessingMode.SVR
    )
    org.voirie.address, org.voirie.phone = "1 place de la Mairie\n00100 Villedieu", "01 02 03 04 05"
    org.voirie.email = "voirie@villedieu.example"
    org.voirie.save()
    mails = [
        make_mail(subject=subject, senders=[ContactFactory.create(last_name=name)])
        for subject, name in (("Recours amende", "Garnier"), ("Recours voirie", "Petit"))
    ]
    for mail in mails:
        qualify_mail(
            actor=clerk,
            mail=mail,
            qualification=Qualification(document_type=svr, destination_entity=org.voirie),
        )
    return mails


def test_the_days_paper_post_is_acknowledged_in_one_pdf_kept_letter_by_letter(
    client, clerk, paper_post
):
    _template("acknowledgment", ACKNOWLEDGMENT_LINES)
    client.force_login(clerk)
    listing = client.get(reverse("acknowledgment_batch")).content.decode()
    assert all(mail.chrono_number in listing for mail in paper_post)

    response = client.post(
        reverse("acknowledgment_batch"), {"mail": [mail.pk for mail in paper_post]}
    )
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    for mail in paper_post:
        assert mail.chrono_number in text
        notice = mail.notices.get()
        assert notice.channel == NoticeChannel.LETTER and notice.sent_at is not None
        assert notice.copy.versions.get().file.read().startswith(b"%PDF")
    assert "réputée rejetée" in text and "tribunal administratif" in text
    assert "01 02 03 04 05" in text and "voirie@villedieu.example" in text
    events = JournalEvent.objects.filter(action="acknowledgment.sent")
    addressees = JournalPersonal.objects.filter(event_seq__in=[e.seq for e in events])
    assert sorted(p.data["addressee"] for p in addressees) == ["Jean Garnier", "Jean Petit"]
    assert all("addressee" not in e.details for e in events)  # personal: out of the hash
    # printed once: the list of the day is empty now
    assert (
        paper_post[0].chrono_number
        not in client.get(reverse("acknowledgment_batch")).content.decode()
    )


def test_an_outsider_cannot_print_a_letter_of_mail_she_cannot_see(client, outsider, paper_post):
    _template("acknowledgment", ACKNOWLEDGMENT_LINES)
    client.force_login(outsider)
    response = client.post(reverse("acknowledgment_letter", args=[paper_post[0].pk]))
    assert response.status_code == 404
    assert not paper_post[0].notices.exists()


def test_the_attestation_of_an_implicit_acceptance_is_produced_from_its_template(
    client, agent, org
):
    _template("attestation", ATTESTATION_LINES)
    sva = DocumentTypeFactory.create(code="occ", label="Occupation", processing_mode="sva")
    mail = make_mail(
        subject="Terrasse",
        document_type=sva,
        destination_entity=org.voirie,
        senders=[ContactFactory.create(first_name="Lucie", last_name="Martin")],
        arrival_date=datetime.date(2026, 1, 31),
        override={"status": MailStatus.IN_PROGRESS},
    )
    client.force_login(agent)
    refused = client.post(reverse("attestation", args=[mail.pk]), follow=True)
    assert "Aucune acceptation implicite" in refused.content.decode()
    legal.record_implicit_decisions(datetime.date(2026, 3, 31))
    page = client.get(f"/mails/{mail.pk}/?tab=info").content.decode()
    assert 'data-print="attestation"' in page
    response = client.post(reverse("attestation", args=[mail.pk]))
    text = pdf_text(response.content)
    assert "Lucie Martin" in text and "31 mars 2026" in text and str(mail.chrono_number) in text
    assert mail.attachments.filter(title__startswith="Attestation").exists()
    assert JournalEvent.objects.filter(action="attestation.issued", mail=mail).exists()


def test_the_sample_mentions_name_every_mention_a_letter_can_print():
    from courrier.legal_mentions import LegalMentions
    from templates_office.catalogue import sample_mentions

    assert set(sample_mentions()) == set(LegalMentions.__dataclass_fields__)


MISSING_PIECES_LINES = [
    "{{ legal.service_name }} — {{ recipient.name }}",
    "Votre demande {{ mail.chrono }} est incomplète. Merci de nous faire parvenir, au plus tard"
    " le {{ pieces.due_on }} :",
    "{{ pieces.list }}",
    "{{ pieces.effect }}",
]


@pytest.mark.django_db(transaction=True)
def test_a_requester_without_email_gets_the_missing_pieces_as_a_letter_to_print(
    client, clerk, agent, org, smtp
):
    """No e-mail address: the notice waits as a letter, the mail is flagged, the day's list
    offers it; printed, it says which pieces, by when and what it does to the delay
    (L114-5, SVR wording), is kept with the mail, and the flag goes."""
    import time_machine

    _template("missing_pieces", MISSING_PIECES_LINES)
    svr = DocumentTypeFactory.create(
        code="reclamation", label="Réclamation", processing_mode=ProcessingMode.SVR
    )
    mail = make_mail(
        subject="Bruit du chantier",
        arrival_date=datetime.date(2026, 1, 15),
        senders=[ContactFactory.create(first_name="Paul", last_name="Petit", email="")],
    )
    qualify_mail(  # by the mail room, which prints the day's letters
        actor=clerk,
        mail=mail,
        qualification=Qualification(document_type=svr, destination_entity=org.voirie),
    )
    paris = datetime.timezone(datetime.timedelta(hours=1))
    with time_machine.travel(datetime.datetime(2026, 2, 1, 9, tzinfo=paris), tick=False):
        legal.request_missing_pieces(
            actor=agent,
            mail=mail,
            pieces="Relevé de mesure du bruit",
            due_on=datetime.date(2026, 3, 2),
        )
    assert smtp.messages == []  # nobody to e-mail
    waiting = mail.notices.get()
    assert (waiting.channel, waiting.sent_at) == (NoticeChannel.LETTER, None)
    client.force_login(agent)
    page = client.get(reverse("mail_detail", args=[mail.pk])).content.decode()
    assert "Lettre à imprimer : Demande de pièces manquantes" in page
    client.force_login(clerk)
    listing = client.get(reverse("acknowledgment_batch")).content.decode()
    assert "data-letters-waiting" in listing and mail.chrono_number in listing

    response = client.post(reverse("acknowledgment_batch"), {"mail": [mail.pk]})
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert "Relevé de mesure du bruit" in text and "au plus tard le 2 mars 2026" in text
    assert "réputée rejetée est suspendu" in text and "13 avril 2026" in text
    printed = mail.notices.get()
    assert printed.sent_at is not None and printed.copy.title == "demande-de-pieces.pdf"
    assert JournalEvent.objects.filter(action="requester.letter_to_print", mail=mail).exists()
    informed = JournalEvent.objects.get(action="requester.informed", mail=mail)
    assert JournalPersonal.objects.get(event_seq=informed.seq).data["addressee"] == "Paul Petit"
    client.force_login(agent)
    assert (
        "Lettre à imprimer"
        not in client.get(reverse("mail_detail", args=[mail.pk])).content.decode()
    )
    client.force_login(clerk)
    assert mail.chrono_number not in client.get(reverse("acknowledgment_batch")).content.decode()
