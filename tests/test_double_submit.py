"""A double submit changes a mail once: every change service locks the mail's row, reloads it
and checks again, so the second of two simultaneous clicks is refused and journals nothing.

Threads on PostgreSQL (row locks need a server database; CI runs on it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from courrier.models import AttachmentKind, JournalEvent, Mail, MailStatus
from courrier.services.circulation import add_attachment
from courrier.services.mail import IncomingFile, close_mail
from courrier.services.outgoing import send_reply_by_post
from courrier.services.processing import redirect_mail
from courrier.tests.concurrency import at_once
from courrier.tests.factories import ContactFactory, make_mail
from tests.conftest import draft_pdf
from visa.models import VisaStepRole
from visa.services import approve, register_signing_key, sign, start_visa_circuit
from visa.tests.pki import make_pki

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a server database; CI runs on PostgreSQL"
    ),
]
CLICKS = 4


@pytest.fixture
def reply(org, agent):
    """A Voirie letter with a PDF reply draft to its sender, who has a postal address."""
    sender = ContactFactory.create(
        last_name="Martin", address_line1="12 rue des Lilas", postcode="00100", city="Villedieu"
    )
    mail = make_mail(
        subject="Arbre tombé",
        senders=[sender],
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    kind, _created = AttachmentKind.objects.get_or_create(code="reply_draft", label="Projet")
    pdf = draft_pdf("Madame, nous avons bien reçu votre courrier.")
    draft = add_attachment(
        actor=agent, mail=mail, kind=kind, title="Réponse", file=IncomingFile("reponse.pdf", pdf)
    )
    return mail, draft


def clicked_at_once(mail: Mail, click: Callable[[Mail], object]) -> list[BaseException]:
    """CLICKS threads run the same change on their own copy of the mail, all at once."""

    copies = [Mail.objects.get(pk=mail.pk) for _ in range(CLICKS)]  # what each view loaded
    outcomes = at_once(CLICKS, lambda index: click(copies[index]))
    refused = [o for o in outcomes if o is not None]
    assert all(isinstance(o, PermissionDenied | ValidationError) for o in refused), refused
    assert len(refused) == CLICKS - 1, refused
    return refused


def journaled(mail: Mail, action: str) -> int:
    return JournalEvent.objects.filter(mail=mail, action=action).count()


def test_closing_twice_at_once_closes_once(reply, agent):
    mail, _draft = reply
    clicked_at_once(mail, lambda m: close_mail(actor=agent, mail=m))
    assert journaled(mail, "mail.closed") == 1


def test_redirecting_twice_at_once_redirects_once(reply, agent, org):
    mail, _draft = reply
    clicked_at_once(mail, lambda m: redirect_mail(actor=agent, mail=m, entity=org.urbanisme))
    assert journaled(mail, "mail.redirected") == 1


def test_a_visa_given_twice_at_once_counts_once(reply, agent, manager, signatory):
    mail, draft = reply
    steps = [(manager, VisaStepRole.VISA), (signatory, VisaStepRole.SIGNATURE)]
    start_visa_circuit(actor=agent, mail=mail, steps=steps, draft=draft)
    clicked_at_once(mail, lambda m: approve(actor=manager, mail=m))
    assert journaled(mail, "visa.approved") == 1
    mail.refresh_from_db()
    assert mail.status == MailStatus.TO_SIGN


def test_signing_then_sending_twice_at_once_happen_once(reply, agent, signatory):
    mail, draft = reply
    pki = make_pki(signer_name="Jeanne Maire")
    register_signing_key(user=signatory, pkcs12=pki.signer_p12, password=pki.password)
    steps = [(signatory, VisaStepRole.SIGNATURE)]
    start_visa_circuit(actor=agent, mail=mail, steps=steps, draft=draft)
    clicked_at_once(mail, lambda m: sign(actor=signatory, mail=m, password=pki.password))
    assert journaled(mail, "visa.signed") == 1
    assert draft.versions.filter(signed=True).count() == 1
    clicked_at_once(mail, lambda m: send_reply_by_post(actor=agent, mail=m, draft=draft))
    assert journaled(mail, "reply.sent") == 1
    assert Mail.objects.filter(category="outgoing").count() == 1
