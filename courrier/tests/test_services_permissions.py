from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from courrier.models import (
    AttachmentKind,
    DiffusionListEntry,
    DiffusionRole,
    JournalEvent,
    MailStatus,
)
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
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
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


def test_a_copy_is_for_reading_not_for_adding_files(agent, outsider, org):
    """Vie associative holds a copy of Voirie's mail: it reads it, but adds nothing to it."""
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    DiffusionListEntry.objects.create(mail=mail, role=DiffusionRole.COPY, entity=org.vasso)
    kind = AttachmentKind.objects.create(code="simple", label="Pièce jointe")
    draft = add_attachment(
        actor=agent, mail=mail, kind=kind, title="Projet", file=IncomingFile("p.docx", b"v1")
    )
    with pytest.raises(PermissionDenied):
        add_attachment(
            actor=outsider, mail=mail, kind=kind, title="Ajout", file=IncomingFile("a.pdf", b"x")
        )
    with pytest.raises(PermissionDenied):
        add_attachment_version(actor=outsider, attachment=draft, file=IncomingFile("p.docx", b"v2"))
    assert mail.attachments.count() == 1 and draft.versions.count() == 1
    assert not JournalEvent.objects.filter(mail=mail, actor=outsider).exists()
