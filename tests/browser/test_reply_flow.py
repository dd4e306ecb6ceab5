"""Issue scenario in a real browser: an agent drafts a reply to a captured letter from a .docx
template with the sender's address merged, a manager visas it, the signatory signs it (PAdES,
validation shown), and the agent e-mails it to the sender through a real SMTP server."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from courrier.models import MailStatus, Role
from courrier.services.mail import Qualification, qualify_mail
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, UserFactory, make_mail
from templates_office.models import OfficeTemplate
from templates_office.tests.docs import REPLY_LINES, docx_bytes
from visa.parapheur import poll_inbox
from visa.signing import check_signatures, load_signer, sign_pdf
from visa.tests.parapheur_side import parapheur_returns
from visa.tests.pki import make_pki

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def letter(org, clerk):
    sender = ContactFactory.create(
        civility="Mme",
        first_name="Lucie",
        last_name="Martin",
        address_line1="12 rue des Lilas",
        postcode="00100",
        city="Villedieu",
        email="lucie.martin@example.org",
    )
    mail = make_mail(subject="Arbre tombé rue des Lilas", senders=[sender])
    doctype = DocumentTypeFactory.create(code="signalement", delay_days=15)
    template = OfficeTemplate(label="Réponse Voirie", entity=org.voirie)
    template.file.save("reponse.docx", ContentFile(docx_bytes(REPLY_LINES)), save=True)
    return qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(document_type=doctype, destination_entity=org.voirie),
    )


def test_a_reply_is_drafted_visaed_signed_and_emailed_from_the_browser(
    open_as, letter, org, agent, manager, smtp, settings, tmp_path
):
    settings.BANNETTE_TSA_URL = ""
    UserFactory.create(
        username="maire",
        first_name="Jeanne",
        last_name="Maire",
        primary_entity=org.dgs,
        roles=[Role.MANAGER],
    )
    pki = make_pki(signer_name="Jeanne Maire")
    roots = tmp_path / "roots.pem"
    roots.write_bytes(pki.ca_pem)
    settings.BANNETTE_TRUST_ROOTS_FILE = str(roots)
    reply_tab = f"mails/{letter.pk}/?tab=reply"

    page = open_as("agent")
    page.goto(page.url + reply_tab)
    page.select_option("#reply-template", label="Réponse Voirie")
    page.click("#new-draft button")
    expect(page.locator("[data-pdf-status]")).to_have_attribute("data-pdf-status", "done")
    page.select_option("#circuit-visa", label=f"{manager} · Services techniques")
    page.select_option("#circuit-signatory", label="Jeanne Maire · Direction générale")
    page.click("#circuit-form button")
    expect(page.locator(".messages")).to_contain_text("part pour visa")

    page = open_as("manager")
    page.click("a[data-basket=to_visa]")
    page.click(f"text={letter.chrono_number}")  # opens on the Réponse tab
    expect(page.locator("a[data-tab=reply]")).to_have_class("active")
    page.click("button[data-decision=approve]")
    expect(page.locator(".messages")).to_contain_text("Visa donné")

    page = open_as("maire")
    page.goto(page.url + "visa/signing-key/")
    page.set_input_files(
        "#pkcs12",
        files=[{"name": "maire.p12", "mimeType": "application/x-pkcs12", "buffer": pki.signer_p12}],
    )
    page.fill("#password", pki.password)
    page.fill("#role", "Maire de Villedieu")
    page.click("button.primary")
    expect(page.locator(".messages")).to_contain_text("clé de signature est enregistrée")
    page.click("a.brand")
    page.click("a[data-basket=to_sign]")
    page.click(f"text={letter.chrono_number}")
    expect(page.locator("a[data-tab=reply]")).to_have_class("active")
    page.fill("#sign-password", pki.password)
    page.click("button[data-decision=sign]")
    expect(page.locator(".messages")).to_contain_text("Réponse signée")
    expect(page.locator("[data-signature-ok]")).to_have_attribute("data-signature-ok", "1")
    expect(page.locator(".signatures")).to_contain_text("Jeanne Maire")

    page = open_as("agent")
    page.goto(page.url + reply_tab)
    expect(page.locator("#send-to")).to_have_value("lucie.martin@example.org")
    expect(page.locator("input[name=channel][value=post]")).to_be_checked()  # a paper letter
    page.check("input[name=channel][value=email]")
    page.click("button[data-action=send]")
    expect(page.locator(".messages")).to_contain_text("envoyée par e-mail")

    (message,) = smtp.messages
    assert message["To"] == "lucie.martin@example.org"
    (attached,) = list(message.iter_attachments())
    # pyHanko validates with asyncio.run: not in this thread, where Playwright's loop runs.
    with ThreadPoolExecutor(1) as worker:
        (check,) = worker.submit(check_signatures, attached.get_content(), [pki.ca]).result()
    assert check.ok and "Jeanne Maire" in check.signer
    letter.refresh_from_db()
    assert letter.status == MailStatus.CLOSED
    outgoing = letter.linked_mails.get()
    assert outgoing.category == "outgoing" and outgoing.status == MailStatus.CLOSED


def test_the_reply_goes_through_the_external_parapheur_signed_then_refused(
    open_as, letter, agent, settings, tmp_path
):
    settings.BANNETTE_TSA_URL = ""
    settings.BANNETTE_PARAPHEUR_OUTBOX = str(tmp_path / "out")
    settings.BANNETTE_PARAPHEUR_INBOX = str(tmp_path / "in")
    pki = make_pki(signer_name="Jeanne Maire")
    roots = tmp_path / "roots.pem"
    roots.write_bytes(pki.ca_pem)
    settings.BANNETTE_TRUST_ROOTS_FILE = str(roots)
    outbox, inbox = (
        Path(settings.BANNETTE_PARAPHEUR_OUTBOX),
        Path(settings.BANNETTE_PARAPHEUR_INBOX),
    )

    page = open_as("agent")
    page.goto(page.url + f"mails/{letter.pk}/?tab=reply")
    page.select_option("#reply-template", label="Réponse Voirie")
    page.click("#new-draft button")

    def hand_over() -> tuple[dict, bytes]:
        before = set(outbox.iterdir()) if outbox.exists() else set()
        page.click("#parapheur-form summary")
        page.fill("#p-type", "Courrier")
        page.fill("#p-signatory", "Jeanne Maire")
        page.click("#parapheur-form button")
        expect(page.locator(".messages")).to_contain_text("dossier du parapheur")
        (folder,) = set(outbox.iterdir()) - before
        return json.loads((folder / "manifest.json").read_text()), (
            folder / "document.pdf"
        ).read_bytes()

    manifest, pdf = hand_over()  # first time: the parapheur refuses
    parapheur_returns(
        inbox,
        "refus",
        {
            "request_id": manifest["request_id"],
            "status": "refused",
            "by": "Jeanne Maire",
            "annotation": "Préciser la date d'intervention.",
        },
        {},
    )
    assert poll_inbox() == ["done"]
    page.goto(page.url.split("?")[0] + "?tab=notes")
    expect(page.locator("#tab")).to_contain_text("Préciser la date d'intervention.")

    page.goto(page.url.split("?")[0] + "?tab=reply")
    manifest, pdf = hand_over()  # second time: signed
    with ThreadPoolExecutor(1) as worker:  # pyHanko runs its own event loop
        signed = worker.submit(
            lambda: sign_pdf(
                pdf,
                signer=load_signer(pki.signer_p12, pki.password),
                name="Jeanne Maire",
                role="Maire",
            )
        ).result()
    parapheur_returns(
        inbox,
        "signe",
        {
            "request_id": manifest["request_id"],
            "status": "signed",
            "by": "Jeanne Maire",
            "files": [{"name": "signe.pdf", "sha256": hashlib.sha256(signed).hexdigest()}],
        },
        {"signe.pdf": signed},
    )
    assert poll_inbox() == ["done"]
    page.reload()
    expect(page.locator("[data-signature-ok]")).to_have_attribute("data-signature-ok", "1")
    expect(page.locator("#send-form")).to_be_visible()
    letter.refresh_from_db()
    assert letter.status == MailStatus.TO_SEND
