"""The signature book in a real browser: a visa-er reads each draft as a PDF and goes from one
to the next, then visas the rest as a batch; the signatory signs all three with one password."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from courrier.models import JournalEvent, MailStatus
from visa.services import register_signing_key
from visa.tests.pki import make_pki

pytestmark = pytest.mark.django_db(transaction=True)


def test_visa_then_signature_of_three_drafts_in_the_book(
    open_as, manager, signatory, three_in_circuit
):
    first, second, _third = three_in_circuit
    page = open_as("manager")
    page.get_by_role("link", name="Parapheur").click()
    expect(page.get_by_role("heading", name="3 projets à viser")).to_be_visible()
    with page.expect_response(lambda r: "/pdf/" in r.url) as shown:
        page.get_by_role("link", name=first.chrono_number).click()
    assert shown.value.status == 200 and shown.value.headers["content-type"] == "application/pdf"
    expect(page.locator("nav.crumbs")).to_contain_text("1 sur 3")
    page.get_by_role("button", name="Viser").click()
    expect(page.locator("nav.crumbs")).to_contain_text(second.chrono_number)  # the next one
    page.get_by_role("link", name="Parapheur").first.click()
    boxes = page.locator("input[name=mails]")
    expect(boxes).to_have_count(2)
    for index in range(2):  # nothing is chosen for her: she ticks what she read
        expect(boxes.nth(index)).not_to_be_checked()
        boxes.nth(index).check()
    page.get_by_role("button", name="Viser les projets choisis").click()
    expect(page.locator(".messages")).to_contain_text("2 visas donnés")

    pki = make_pki(signer_name="Jeanne Maire")
    register_signing_key(user=signatory, pkcs12=pki.signer_p12, password=pki.password)
    signer = open_as("maire")
    signer.get_by_role("link", name="Parapheur").click()
    expect(signer.get_by_role("heading", name="3 réponses à signer")).to_be_visible()
    for index in range(3):
        signer.locator("input[name=mails]").nth(index).check()
    signer.get_by_role("button", name="Relire les réponses choisies avant de signer").click()
    expect(signer.get_by_role("heading", name="Vous allez signer 3 réponses")).to_be_visible()
    expect(signer.locator("[data-to-sign] tbody tr")).to_have_count(3)
    signer.fill("#batch-password", pki.password)
    signer.get_by_role("button", name="Signer ces 3 réponses").click()
    expect(signer.locator(".messages")).to_contain_text("3 réponses signées")
    expect(signer.locator("p.empty")).to_contain_text("Rien n'attend")
    for mail in three_in_circuit:
        mail.refresh_from_db()
        assert mail.status == MailStatus.TO_SEND
    assert JournalEvent.objects.filter(action="visa.signed").count() == 3
