"""Fixtures shared by the server-side tests and the browser tests of tests/."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from courrier.models import AttachmentKind, MailStatus, Role
from courrier.services.circulation import add_attachment
from courrier.services.mail import IncomingFile
from courrier.tests.factories import UserFactory, make_mail
from visa.models import VisaStepRole
from visa.services import start_visa_circuit


def draft_pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.drawString(72, 760, text)
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def signatory(org):
    return UserFactory.create(
        username="maire",
        first_name="Jeanne",
        last_name="Maire",
        primary_entity=org.dgs,
        roles=[Role.MANAGER],
    )


@pytest.fixture
def three_in_circuit(org, agent, manager, signatory):
    kind, _created = AttachmentKind.objects.get_or_create(code="reply_draft", label="Projet")
    mails = []
    for n in range(3):
        mail = make_mail(
            subject=f"Demande {n}",
            destination_entity=org.voirie,
            override={"status": MailStatus.IN_PROGRESS},
        )
        draft = add_attachment(
            actor=agent,
            mail=mail,
            kind=kind,
            title=f"Réponse {n}",
            file=IncomingFile(f"reponse-{n}.pdf", draft_pdf(f"Réponse numéro {n}")),
        )
        steps = [(manager, VisaStepRole.VISA), (signatory, VisaStepRole.SIGNATURE)]
        start_visa_circuit(actor=agent, mail=mail, steps=steps, draft=draft)
        mails.append(mail)
    return mails
