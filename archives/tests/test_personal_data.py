"""Citizens' personal data: anonymised after the topic's or type's delay (a hold or a pending
transfer to the archives keeps it), and the right-of-access export for one person."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse

from archives import personal_data, retention
from capture.models import CaptureInput, WebFormRequest, WebFormTopic
from courrier.models import Channel, Contact, JournalEvent, Mail, MailStatus, Note, RequesterNotice
from courrier.services.mail import IncomingFile
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, make_mail

pytestmark = pytest.mark.django_db
PARIS = datetime.timezone(datetime.timedelta(hours=1))
NOW = datetime.datetime(2026, 12, 3, 9, tzinfo=PARIS)


@pytest.fixture
def citizens(org, clerk):
    """Requests of 2025 from citizens: web form (topic: six months), e-mail (type: one year),
    one of a type with no delay, one of a type kept for good."""
    kind = DocumentTypeFactory.create(
        code="voirie-signalement",
        label="Signalement",
        final_disposition="destroy",
        anonymise_after="P1Y",
    )
    forever = DocumentTypeFactory.create(code="divers", label="Divers", final_disposition="destroy")
    kept = DocumentTypeFactory.create(
        code="urbanisme", label="Permis", final_disposition="keep", anonymise_after="P1Y"
    )
    topic = WebFormTopic.objects.create(
        label="Nid-de-poule", document_type=kind, anonymise_after="P6M"
    )
    closed = {
        "status": MailStatus.CLOSED,
        "closing_date": datetime.datetime(2025, 3, 1, 12, tzinfo=PARIS),
    }
    jeanne = ContactFactory.create(
        first_name="Jeanne", last_name="Martin", email="jeanne@exemple.fr", city="Villedieu"
    )
    paul = ContactFactory.create(first_name="Paul", last_name="Durand", email="paul@exemple.fr")

    def mail(subject, doc, channel, sender, **extra):
        return make_mail(
            actor=clerk,
            subject=subject,
            document_type=doc,
            channel=channel,
            destination_entity=org.voirie,
            senders=[sender],
            original=IncomingFile("demande.pdf", b"%PDF-1.4 " + subject.encode()),
            override={**closed, **extra},
        )

    web = mail("Nid-de-poule rue Haute, Jeanne Martin", kind, Channel.WEB_FORM, jeanne)
    submission = CaptureInput(source_kind="webform", file_name="demande.json", size=2)
    submission.file.save("demande.json", ContentFile(b'{"nom": "Jeanne Martin"}'), save=True)
    WebFormRequest.objects.create(
        tracking_code="ABCD-EFGH-IJKL",
        input=submission,
        email="jeanne@exemple.fr",
        topic=topic,
        mail=web,
    )
    email = mail("Lampadaire, Paul Durand", kind, Channel.EMAIL, paul)
    never = mail("Divers, Paul Durand", forever, Channel.EMAIL, paul)
    permit = mail("Permis, Paul Durand", kept, Channel.EMAIL, paul)
    return {
        "web": web,
        "email": email,
        "never": never,
        "permit": permit,
        "jeanne": jeanne,
        "paul": paul,
    }


def test_citizens_data_is_anonymised_after_its_delay(citizens, archivist):
    retention.place_hold(actor=archivist, reason="Contentieux", mail=citizens["email"])
    with time_machine.travel(datetime.datetime(2025, 8, 1, 9, tzinfo=PARIS)):
        assert personal_data.anonymise_due().anonymised == 0  # six months not yet
    with time_machine.travel(NOW):
        run = personal_data.anonymise_due()
        again = personal_data.anonymise_due()
    assert (run.anonymised, run.held, run.kept_for_archives, again.anonymised) == (1, 1, 1, 0)
    web = Mail.objects.get(pk=citizens["web"].pk)
    assert web.anonymised_at and web.subject == "Signalement" and not web.original
    assert WebFormRequest.objects.get(mail=web).email == ""
    jeanne = Contact.objects.get(pk=citizens["jeanne"].pk)
    assert (jeanne.first_name, jeanne.last_name, jeanne.email, jeanne.city) == (
        "",
        "Anonymisé",
        "",
        "",
    )
    event = JournalEvent.objects.get(action="mail.anonymised")
    assert event.details["removed"]["original"] == citizens["web"].original_sha256
    assert len(event.details["removed"]) == 2  # the received file and the form's submission
    for name in ("email", "never", "permit"):  # held, no delay, awaiting the archives
        assert Mail.objects.get(pk=citizens[name].pk).anonymised_at is None
    assert Contact.objects.get(pk=citizens["paul"].pk).email == "paul@exemple.fr"


def test_the_right_of_access_export(citizens, archivist, agent, client, org):
    paul = citizens["paul"]
    hidden = make_mail(
        subject="Plainte confidentielle, Paul Durand",
        destination_entity=org.vasso,
        senders=[paul],
        override={"confidential": True},
    )
    Note.objects.create(mail=citizens["email"], author=agent, text="Rappeler M. Durand lundi")
    restricted = Note.objects.create(mail=citizens["email"], author=agent, text="Avis interne")
    restricted.restricted_to.set([org.voirie])
    RequesterNotice.objects.create(
        mail=citizens["email"], kind="receipt", channel="email", recipient="paul@exemple.fr"
    )
    client.force_login(agent)
    assert client.get(reverse("archives_subject_access", args=[paul.pk])).status_code == 403
    client.force_login(archivist)
    found = client.get(reverse("archives_personal_data") + "?q=Durand")
    assert [c.pk for c in found.context["contacts"]] == [paul.pk]
    response = client.get(reverse("archives_subject_access", args=[paul.pk]))
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(bundle.read(f"droit-acces-{paul.pk}/donnees.json"))
    assert data["contact"]["email"] == "paul@exemple.fr"
    assert sorted(m["subject"] for m in data["mails"]) == [
        "Divers, Paul Durand",
        "Lampadaire, Paul Durand",
        "Permis, Paul Durand",
    ]
    assert hidden.subject not in json.dumps(data, ensure_ascii=False)
    assert data["mails_held_by_other_services"] == 1
    assert [n["text"] for n in data["notes"]] == ["Rappeler M. Durand lundi"]
    assert data["restricted_notes"] == 1 and data["notices"][0]["recipient"] == "paul@exemple.fr"
    summary = bundle.read(f"droit-acces-{paul.pk}/synthese.txt").decode()
    assert "DROIT D'ACCÈS" in summary and "1 annotation(s) à diffusion restreinte" in summary
    assert len([n for n in bundle.namelist() if "/documents/" in n]) == 3
    assert JournalEvent.objects.filter(
        action="contact.subject_access", object_id=str(paul.pk)
    ).exists()


def test_the_citizen_form_carries_the_information_notice(citizens, client, settings):
    settings.BANNETTE_PRIVACY_CONTACT = "dpo@villedieu.example"
    page = client.get(reverse("citizen_form")).content.decode()
    assert "Responsable du traitement" in page and "Mairie de Villedieu" in page
    assert "Nid-de-poule : vos données personnelles sont anonymisées 6 mois après la réponse." in (
        page.replace("&#x27;", "'")
    )
    assert "dpo@villedieu.example" in page and "CNIL" in page
