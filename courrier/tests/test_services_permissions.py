from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from courrier.models import AttachmentKind, DiffusionRole, JournalEvent, MailStatus
from courrier.services.circulation import add_attachment, add_attachment_version
from courrier.services.mail import IncomingFile, Qualification, close_mail, qualify_mail
from courrier.tests.factories import DocumentTypeFactory, make_mail

pytestmark = pytest.mark.django_db


def test_qualifying_sends_mail_to_the_destination_and_journals_once(clerk, org):
    mail = make_mail(actor=clerk)
    doctype = DocumentTypeFactory.create(code="signalement", delay_days=10)
    before = JournalEvent.objects.count()
    qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(document_type=doctype, destination_entity=org.voirie),
    )
    mail.refresh_from_db()
    assert (mail.status, mail.destination_entity) == (MailStatus.IN_PROGRESS, org.voirie)
    assert mail.due_date is not None
    recipient = mail.diffusion_entries.get(role=DiffusionRole.RECIPIENT)
    assert recipient.entity == org.voirie
    assert JournalEvent.objects.count() == before + 1


def test_an_agent_cannot_qualify_and_an_outsider_cannot_close(agent, outsider, clerk, org):
    mail = make_mail(actor=clerk, destination_entity=org.voirie)
    with pytest.raises(PermissionDenied):
        qualify_mail(
            actor=agent,
            mail=mail,
            qualification=Qualification(
                document_type=DocumentTypeFactory.create(), destination_entity=org.voirie
            ),
        )
    with pytest.raises(PermissionDenied):
        close_mail(actor=agent, mail=mail)  # still the mail room's until qualified
    mail.status = MailStatus.IN_PROGRESS
    mail.save()
    with pytest.raises(PermissionDenied):
        close_mail(actor=outsider, mail=mail)
    close_mail(actor=agent, mail=mail)
    assert JournalEvent.objects.filter(mail=mail, action="mail.closed", actor=agent).count() == 1


def test_transmissions_get_their_own_chrono_and_versions_are_kept(agent, org):
    mail = make_mail(destination_entity=org.voirie)
    kind = AttachmentKind.objects.create(
        code="transmission", label="Transmission", has_chrono_number=True, chrono_suffix="T"
    )
    first = add_attachment(
        actor=agent, mail=mail, kind=kind, title="Au SDIS", file=IncomingFile("t.pdf", b"v1")
    )
    second = add_attachment(
        actor=agent, mail=mail, kind=kind, title="À la DDT", file=IncomingFile("t.pdf", b"v1")
    )
    assert first.chrono_number == f"{mail.chrono_number}-T1"
    assert second.chrono_number == f"{mail.chrono_number}-T2"
    add_attachment_version(actor=agent, attachment=first, file=IncomingFile("t2.pdf", b"v2"))
    assert [v.file.read() for v in first.versions.order_by("number")] == [b"v1", b"v2"]
