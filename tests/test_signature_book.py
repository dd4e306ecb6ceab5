"""The signature book: visa-ers and signatories read each draft as a PDF beside its mail,
decide one after the other, or a whole batch at once (one key password for the batch)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from courrier.models import JournalEvent, MailStatus
from visa.services import register_signing_key
from visa.tests.pki import make_pki

pytestmark = pytest.mark.django_db


def test_a_visa_er_reads_each_draft_as_a_pdf_and_goes_from_one_to_the_next(
    client, manager, three_in_circuit
):
    client.force_login(manager)
    book = client.get(reverse("signature_book")).content.decode()
    assert all(m.chrono_number in book for m in three_in_circuit)
    first = three_in_circuit[0]
    page = client.get(reverse("signature_book_mail", args=[first.pk])).content.decode()
    draft = first.attachments.get(kind__code="reply_draft")
    pdf_url = reverse("attachment_pdf", args=[draft.pk, 1])
    assert f'<iframe class="viewer" src="{pdf_url}"' in page
    assert 'rel="next"' in page and 'rel="prev"' not in page
    response = client.get(pdf_url)
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" not in response.get("Content-Disposition", "")  # shown, not downloaded
    # deciding here leads to the next draft of the queue
    response = client.post(
        reverse("signature_book_batch"),
        {"mails": [first.pk], "decision": "approve", "then": "next"},
    )
    assert response["Location"] == reverse("signature_book_mail", args=[three_in_circuit[1].pk])
    first.refresh_from_db()
    assert first.status == MailStatus.TO_SIGN


def test_a_batch_of_visas_then_a_batch_of_signatures_with_one_password(
    client, manager, signatory, three_in_circuit
):
    pki = make_pki(signer_name="Jeanne Maire")
    register_signing_key(user=signatory, pkcs12=pki.signer_p12, password=pki.password)
    ids = [m.pk for m in three_in_circuit]
    client.force_login(manager)
    client.post(reverse("signature_book_batch"), {"mails": ids, "decision": "approve"})
    assert JournalEvent.objects.filter(action="visa.approved", mail_id__in=ids).count() == 3

    client.force_login(signatory)
    book = client.get(reverse("signature_book")).content.decode()
    assert 'name="mails"' in book and " checked " not in book  # nothing chosen for her
    review = client.post(reverse("signature_book_batch"), {"mails": ids[:2], "decision": "sign"})
    page = review.content.decode()  # what the batch will sign, before the key's password
    assert review.status_code == 200 and "Vous allez signer 2 réponses" in page
    assert all(m.chrono_number in page for m in three_in_circuit[:2])
    assert three_in_circuit[2].chrono_number not in page
    assert not JournalEvent.objects.filter(action="visa.signed").exists()
    response = client.post(
        reverse("signature_book_batch"),
        {"mails": ids, "decision": "sign", "password": "mauvais", "confirmed": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert all(m.chrono_number in page for m in three_in_circuit)  # each refusal named
    assert "Mot de passe erroné" in page
    client.post(
        reverse("signature_book_batch"),
        {"mails": ids, "decision": "sign", "password": pki.password, "confirmed": "1"},
    )
    for mail in three_in_circuit:
        mail.refresh_from_db()
        assert mail.status == MailStatus.TO_SEND
        signed = mail.attachments.get(kind__code="reply_draft").versions.get(signed=True)
        with signed.file.open("rb") as handle:
            assert PdfFileReader(io.BytesIO(handle.read())).embedded_signatures
    assert JournalEvent.objects.filter(action="visa.signed", mail_id__in=ids).count() == 3
    assert "Rien n'attend" in client.get(reverse("signature_book")).content.decode()


def test_the_book_opens_only_what_waits_for_me(client, agent, manager, three_in_circuit):
    client.force_login(agent)  # the drafter: nothing waits for her decision
    response = client.get(reverse("signature_book_mail", args=[three_in_circuit[0].pk]))
    assert response.status_code == 404
    response = client.post(
        reverse("signature_book_batch"),
        {"mails": [m.pk for m in three_in_circuit], "decision": "approve"},
    )
    assert not JournalEvent.objects.filter(action="visa.approved").exists()


def test_a_draft_sent_back_lands_in_the_drafters_returned_basket(
    client, agent, manager, three_in_circuit
):
    from courrier.baskets import basket_mails
    from courrier.models import Basket
    from visa.services import reject

    mail = three_in_circuit[0]
    entity_mail = Basket.objects.get(code="entity_mail")
    # while its reply is in visa, the mail stays in the service's basket
    assert mail in basket_mails(entity_mail, agent)
    returned = Basket.objects.get(code="returned")
    assert mail not in basket_mails(returned, agent)
    reject(actor=manager, mail=mail, note="Citer l'arrêté du 3 mars")
    assert list(basket_mails(returned, agent)) == [mail]
    home = client
    home.force_login(agent)
    page = home.get(reverse("home")).content.decode()
    assert "Projets renvoyés" in page


def test_a_new_version_voids_the_visas_or_fails_and_signing_checks_what_was_approved(
    client, agent, manager, signatory, three_in_circuit, monkeypatch
):
    """The visa approved version 1. Adding version 2 restarts the circuit in the same
    transaction; if that restart fails, adding the version fails too. And should version 2
    reach the draft anyway (a subscriber missing), the signature refuses it: no visa covers it."""
    from django.core.exceptions import ValidationError

    from courrier import events
    from courrier.services.circulation import add_attachment_version
    from courrier.services.mail import IncomingFile
    from tests.conftest import draft_pdf
    from visa import subscribers
    from visa.models import VisaStep
    from visa.services import approve, sign

    pki = make_pki(signer_name="Jeanne Maire")
    register_signing_key(user=signatory, pkcs12=pki.signer_p12, password=pki.password)
    mail = three_in_circuit[0]
    draft = mail.attachments.get(kind__code="reply_draft")
    approve(actor=manager, mail=mail)
    second = IncomingFile("reponse-v2.pdf", draft_pdf("Réponse modifiée après visa"))

    def broken(attachment):
        raise RuntimeError("the circuit could not be restarted")

    monkeypatch.setattr(subscribers, "restart_circuit", broken)
    with pytest.raises(RuntimeError):
        add_attachment_version(actor=agent, attachment=draft, file=second)
    assert draft.versions.count() == 1  # nothing half-done: no version 2, the visa stands
    monkeypatch.undo()

    without_visa = [
        s
        for s in events._subscriptions
        if s.name != "visa.subscribers.restart_circuit_on_new_version"
    ]
    monkeypatch.setattr(events, "_subscriptions", without_visa)
    add_attachment_version(actor=agent, attachment=draft, file=second)
    assert draft.versions.count() == 2
    assert VisaStep.objects.get(mail=mail, role="visa").decided_version == 1
    with pytest.raises(ValidationError, match="version 1"):
        sign(actor=signatory, mail=mail, password=pki.password)
    assert not draft.versions.filter(signed=True).exists()
