from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from courrier.models import (
    Category,
    CustomField,
    CustomFieldType,
    DelayUnit,
    JournalEvent,
    MailStatus,
)
from courrier.services.chrono import format_chrono
from courrier.services.mail import IncomingFile, Registration, register_mail
from courrier.tests.factories import ContactFactory, DocumentTypeFactory

pytestmark = pytest.mark.django_db


def test_registration_allocates_default_pattern_chrono_numbers_per_category(clerk):
    arrival = datetime.date(2026, 3, 2)
    first = register_mail(actor=clerk, registration=Registration(subject="A", arrival_date=arrival))
    second = register_mail(
        actor=clerk, registration=Registration(subject="B", arrival_date=arrival)
    )
    outgoing = register_mail(
        actor=clerk,
        registration=Registration(subject="C", arrival_date=arrival, category="outgoing"),
    )
    assert first.chrono_number == "VDL/2026/A/000001"
    assert second.chrono_number == "VDL/2026/A/000002"
    assert outgoing.chrono_number == "VDL/2026/D/000001"


def test_counter_restarts_each_year(clerk):
    register_mail(
        actor=clerk,
        registration=Registration(subject="A", arrival_date=datetime.date(2025, 12, 31)),
    )
    mail = register_mail(
        actor=clerk, registration=Registration(subject="B", arrival_date=datetime.date(2026, 1, 1))
    )
    assert mail.chrono_number == "VDL/2026/A/000001"


def test_chrono_pattern_and_prefix_are_configurable(settings):
    settings.BANNETTE_CHRONO_PREFIX = "CD33"
    settings.BANNETTE_CHRONO_PATTERN = "{year}-{category}{counter:05d}-{prefix}"
    assert format_chrono(year=2026, category=Category.INTERNAL, counter=7) == "2026-I00007-CD33"


def test_registration_computes_due_date_and_journals_it(clerk, org):
    doctype = DocumentTypeFactory.create(
        code="signalement",
        delay_days=2,
        delay_unit=DelayUnit.WORKING_DAYS,
        reminder1_days_before=1,
        default_entity=org.voirie,
    )
    friday = datetime.date(2026, 7, 10)  # Monday 13th works, Tuesday 14th is Bastille Day
    mail = register_mail(
        actor=clerk,
        registration=Registration(subject="Trou", document_type=doctype, arrival_date=friday),
    )
    assert mail.due_date == datetime.date(2026, 7, 15)
    assert mail.reminder_date == datetime.date(2026, 7, 14)
    assert mail.destination_entity == org.voirie
    assert mail.status == MailStatus.TO_QUALIFY
    event = JournalEvent.objects.get(mail=mail)
    assert (event.action, event.actor, event.details["chrono_number"]) == (
        "mail.registered",
        clerk,
        mail.chrono_number,
    )


def test_original_is_kept_byte_identical_with_its_sha256(clerk):
    content = b"%PDF-1.4\n\x00\xffbinary\r\n%%EOF"
    mail = register_mail(
        actor=clerk,
        registration=Registration(
            subject="Scan", original=IncomingFile("scan é.pdf", content, "application/pdf")
        ),
    )
    mail.refresh_from_db()
    assert mail.original.read() == content
    assert mail.original_sha256 == hashlib.sha256(content).hexdigest()
    assert mail.original_name == "scan é.pdf"


def test_senders_and_keywords_are_attached(clerk):
    contact = ContactFactory.create(last_name="Garcia")
    mail = register_mail(
        actor=clerk,
        registration=Registration(subject="X", senders=[contact], keywords=["voirie", "urgent"]),
    )
    assert list(mail.contacts.all()) == [contact]
    assert sorted(mail.keywords.values_list("label", flat=True)) == ["urgent", "voirie"]


def test_custom_fields_are_typed_by_the_catalogue(clerk):
    doctype = DocumentTypeFactory.create(code="facture")
    amount = CustomField.objects.create(
        code="montant", label="Montant", field_type=CustomFieldType.DECIMAL, required=True
    )
    amount.document_types.add(doctype)
    mail = register_mail(
        actor=clerk,
        registration=Registration(
            subject="F", document_type=doctype, custom_fields={"montant": "1250.50"}
        ),
    )
    assert mail.custom_fields == {"montant": "1250.50"}
    with pytest.raises(ValidationError) as error:
        register_mail(
            actor=clerk,
            registration=Registration(
                subject="F",
                document_type=doctype,
                custom_fields={"montant": "beaucoup", "inconnu": 1},
            ),
        )
    assert set(error.value.message_dict) == {"montant", "inconnu"}
    # Required where the mail is indexed: registered straight into processing (a letter
    # written, a typed registration), not when it is captured to qualify later.
    indexed = Registration(subject="F", document_type=doctype, status=MailStatus.IN_PROGRESS)
    with translation.override("en"), pytest.raises(ValidationError) as missing:
        register_mail(actor=clerk, registration=indexed)
    assert missing.value.message_dict == {"montant": ["Montant is required."]}
    with translation.override("fr"), pytest.raises(ValidationError) as manquant:
        register_mail(actor=clerk, registration=indexed)
    assert manquant.value.message_dict == {"montant": ["Montant est obligatoire."]}
    captured = register_mail(
        actor=clerk, registration=Registration(subject="F", document_type=doctype)
    )
    assert captured.custom_fields == {}
