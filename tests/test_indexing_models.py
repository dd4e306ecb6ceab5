"""Indexing models per category (issue 31): the custom fields each category of mail asks, set on
the settings screen, enforced where the mail is indexed (qualification, writing a letter, the
API), never at capture, and shown only where they apply."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from api.models import ApiToken, TokenScope
from courrier.forms import contact_token
from courrier.models import Category, CustomField, Mail, MailStatus
from courrier.services.initiative import NewLetter, start_letter
from courrier.services.mail import Qualification, Registration, qualify_mail, register_mail
from courrier.tests.factories import ContactFactory, DocumentTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def models_of_mail():
    market = CustomField.objects.create(
        code="marche", label="Référence du marché", required=True, categories=["outgoing"]
    )
    folder = CustomField.objects.create(
        code="dossier", label="Numéro de dossier", required=True, categories=["incoming"]
    )
    return market, folder


def test_an_outgoing_letter_needs_its_models_required_field(client, org, agent, models_of_mail):
    recipient = ContactFactory.create(last_name="Girard", first_name="Paul", city="Bourg")
    letter = NewLetter(
        category=Category.OUTGOING,
        subject="Ordre de service",
        entity=org.voirie,
        recipient=recipient,
    )
    with pytest.raises(ValidationError) as refused:
        start_letter(actor=agent, letter=letter)
    assert "marche" in refused.value.message_dict
    written = start_letter(
        actor=agent,
        letter=NewLetter(**{**letter.__dict__, "custom_fields": {"marche": "2026-VOI-12"}}),
    )
    assert written.custom_fields == {"marche": "2026-VOI-12"}
    # Internal mail has another model: the market reference is not asked there.
    start_letter(
        actor=agent,
        letter=NewLetter(
            category=Category.INTERNAL,
            subject="Note",
            entity=org.voirie,
            recipient_entity=org.urbanisme,
        ),
    )

    client.force_login(agent)
    page = client.get(reverse("write_mail")).content.decode()
    assert 'data-for-kind="outgoing"' in page and "Référence du marché" in page
    assert "Numéro de dossier" not in page  # incoming's model
    answer = client.post(
        reverse("write_mail"),
        {
            "category": "outgoing",
            "subject": "Ordre de service n° 2",
            "entity": org.voirie.pk,
            "sender": contact_token(recipient),
            "sender_ref": str(recipient.pk),
            "priority": "normal",
        },
    )
    assert answer.status_code == 200
    assert "Référence du marché est obligatoire" in answer.content.decode().replace("&#x27;", "'")
    assert not Mail.objects.filter(subject="Ordre de service n° 2").exists()

    _token, secret = ApiToken.issue(user=agent, name="marchés", scope=TokenScope.WRITE)
    made = client.post(
        "/api/v1/mails/letters/",
        {
            "category": "outgoing",
            "subject": "Ordre de service n° 3",
            "entity": org.voirie.code,
            "recipient": recipient.pk,
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert made.status_code == 400 and "obligatoire" in made.content.decode()


def test_incoming_mail_is_captured_freely_and_its_field_asked_at_qualification(
    client, org, clerk, models_of_mail
):
    doctype = DocumentTypeFactory.create(code="permis", delay_days=30)
    captured = register_mail(actor=None, registration=Registration(subject="Permis de construire"))
    assert captured.status == MailStatus.TO_QUALIFY  # nobody read it yet: nothing required
    with pytest.raises(ValidationError) as refused:
        qualify_mail(
            actor=clerk,
            mail=captured,
            qualification=Qualification(document_type=doctype, destination_entity=org.urbanisme),
        )
    assert "dossier" in refused.value.message_dict
    with pytest.raises(ValidationError):  # an outgoing field is not incoming mail's
        qualify_mail(
            actor=clerk,
            mail=captured,
            qualification=Qualification(
                document_type=doctype,
                destination_entity=org.urbanisme,
                custom_fields={"dossier": "PC-2026-041", "marche": "x"},
            ),
        )

    qualify_mail(
        actor=clerk,
        mail=captured,
        qualification=Qualification(
            document_type=doctype,
            destination_entity=org.urbanisme,
            custom_fields={"dossier": "PC-2026-041"},
        ),
    )
    client.force_login(clerk)
    other = register_mail(actor=None, registration=Registration(subject="Autre permis"))
    form = client.get(reverse("qualify", args=[other.pk])).content.decode()
    assert "Numéro de dossier" in form and "Référence du marché" not in form
    # A call registered with its type: qualification refused for the missing field, the call
    # is kept for the mail room to qualify and the clerk is told why (never a server error).
    answer = client.post(
        reverse("register_without_file"),
        {
            "channel": "phone",
            "subject": "Appel sur un permis",
            "arrival_date": captured.arrival_date.isoformat(),
            "document_type": doctype.pk,
            "destination_entity": org.urbanisme.pk,
        },
        follow=True,
    )
    assert answer.status_code == 200
    call = Mail.objects.get(subject="Appel sur un permis")
    assert call.status == MailStatus.TO_QUALIFY
    assert "reste à qualifier" in answer.content.decode()


def test_the_settings_screen_sets_a_fields_categories(client, administrator):
    client.force_login(administrator)
    answer = client.post(
        reverse("administration_new", args=["custom-fields"]),
        {
            "code": "urgence",
            "label": "Niveau d'urgence",
            "field_type": "choice",
            "categories": ["incoming", "internal"],
            "choices_text": "Faible\nForte",
            "required": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    field = CustomField.objects.get(code="urgence")
    assert field.categories == ["incoming", "internal"] and field.choices == ["Faible", "Forte"]
    assert field.applies_to("internal") and not field.applies_to("outgoing")
    listed = client.get(reverse("administration_section", args=["custom-fields"]))
    assert "Niveau d&#x27;urgence" in listed.content.decode()
    refused = client.post(
        reverse("administration_new", args=["custom-fields"]),
        {"code": "liste", "label": "Liste", "field_type": "choice"},
    )
    assert refused.status_code == 200 and not CustomField.objects.filter(code="liste").exists()
