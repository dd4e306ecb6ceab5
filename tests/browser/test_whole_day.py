"""A mail room's whole day in a real browser, over the lived-in demo (issue 31).

The clerk opens the post: a letter is scanned and captured, qualified, a phone call registered,
the day's acknowledgments printed and the arrivals register printed. The Voirie agent takes the
letter, notes and follows it, and writes a letter of the town hall's own, drafted from a
template and sent to the mayor for signature; the mayor annotates and signs it in her signature
book; the agent posts it and finds it in the departures register. Nothing is mocked: capture
with tesseract, LibreOffice for the draft, pyHanko for the signature."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from courrier.letters import letter_pdf
from courrier.models import Category, Channel, Contact, FollowedMail, Mail, MailStatus, User
from tests.browser.test_personas import sign_in
from visa.models import DraftAnnotation
from visa.services import register_signing_key
from visa.tests.pki import make_pki

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo() -> None:
    call_command("load_demo", mails=20)


def pdf_words(page: Page, url: str) -> str:
    """A PDF the page links to, fetched with the page's session, as poppler reads it."""
    response = page.request.get(url)
    assert response.ok and response.body().startswith(b"%PDF"), url
    return subprocess.run(
        ["pdftotext", "-", "-"], input=response.body(), capture_output=True, check=True
    ).stdout.decode()


def pick_contact(page: Page, field: str, typed: str) -> None:
    """Type a name in a contact field and take the list's first proposal, as a person does."""
    page.fill(field, typed)
    option = page.locator(f"datalist#{page.get_attribute(field, 'list')} option").first
    expect(option).to_have_attribute("value", re.compile(typed))
    page.fill(field, option.get_attribute("value") or "")


def test_a_whole_day_of_the_mail_room(browser, live_server, demo, tmp_path, settings):
    settings.BANNETTE_TSA_URL = ""
    base = live_server.url
    Contact.objects.create(
        kind="person",
        civility="Mme",
        first_name="Lucie",
        last_name="Fontanel",
        address_line1="4 impasse des Tilleuls",
        postcode="00100",
        city="Villedieu",
    )

    # Morning, the mail room: a letter is scanned and captured.
    clerk = sign_in(browser, base, "c.martin")
    scan = tmp_path / "courrier-du-matin.pdf"
    scan.write_bytes(
        letter_pdf(["Objet : trottoir effondré impasse des Tilleuls", "Lucie Fontanel"])
    )
    clerk.goto(f"{base}/capture/upload/")
    clerk.set_input_files("#id_documents", [str(scan)])
    clerk.get_by_role("button", name="Capture", exact=True).click()
    expect(clerk.locator("#upload-results li[data-status=done]")).to_have_count(1, timeout=90_000)
    letter = Mail.objects.latest("pk")  # the capture registered it last
    assert letter.chrono_number is not None
    expect(clerk.locator("#upload-results")).to_contain_text(letter.chrono_number)
    assert letter.status == MailStatus.TO_QUALIFY and letter.channel == Channel.PAPER

    # Qualified: its type, its sender picked by name, for Voirie.
    clerk.goto(f"{base}/mails/{letter.pk}/qualify/")
    clerk.select_option("#id_document_type", index=1)
    pick_contact(clerk, "#id_sender", "Fontanel")
    clerk.select_option("#id_destination_entity", label="Voirie")
    clerk.locator("button[name=stay]").click()
    expect(clerk.locator(".messages")).to_contain_text("Voirie")
    letter.refresh_from_db()
    assert letter.status == MailStatus.IN_PROGRESS and letter.destination_entity.code == "VOIR"

    # A phone call, registered without a file.
    clerk.goto(f"{base}/mails/new/")
    # Today is proposed in a form the date picker reads (it once showed an empty field).
    expect(clerk.locator("#id_arrival_date")).to_have_value(timezone.localdate().isoformat())
    clerk.fill("#id_subject", "Appel : lampadaire clignotant place du Marché")
    pick_contact(clerk, "#id_sender", "Fontanel")
    clerk.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(clerk.locator(".messages")).to_contain_text("enregistré")
    call = Mail.objects.get(subject="Appel : lampadaire clignotant place du Marché")
    assert call.chrono_number is not None
    assert call.channel == Channel.PHONE

    # The day's acknowledgments, printed together.
    clerk.goto(f"{base}/templates/acknowledgments/")
    expect(clerk.locator(f"#ack-{letter.pk}")).to_be_checked()
    with clerk.expect_download() as printed:
        clerk.get_by_role("button", name="Imprimer les lettres (PDF)").click()
    acknowledgments = subprocess.run(
        ["pdftotext", printed.value.path(), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert letter.chrono_number in acknowledgments and "Fontanel" in acknowledgments

    # The arrivals register, printed: both are in it.
    clerk.goto(f"{base}/registers/")
    printable = clerk.locator("a[data-print]").get_attribute("href") or ""
    register = pdf_words(clerk, f"{base}/registers/{printable}")
    assert letter.chrono_number in register and call.chrono_number in register

    # The Voirie agent takes the letter, notes and follows it.
    agent = sign_in(browser, base, "a.durand")
    agent.goto(f"{base}/mails/{letter.pk}/")
    agent.locator("button[data-action=assign_to_me]").click()
    expect(agent.locator(".messages")).to_be_visible()
    agent.goto(f"{base}/mails/{letter.pk}/?tab=notes")
    agent.fill("#note-text", "Passage de l'équipe prévu jeudi.")
    agent.get_by_role("button", name="Ajouter la note").click()
    agent.locator("form.follow button").click()
    expect(agent.locator("form.follow button")).to_have_attribute("aria-pressed", "true")
    agent.goto(f"{base}/following/")
    expect(agent.locator("main")).to_contain_text(letter.chrono_number)
    letter.refresh_from_db()
    assert letter.assignee.username == "a.durand"
    assert FollowedMail.objects.filter(mail=letter, user__username="a.durand").exists()

    # She writes a letter of the town hall's own, drafts it and sends it to the mayor.
    agent.goto(f"{base}/")
    agent.click("a[data-write-mail]")
    agent.fill("#id_subject", "Travaux impasse des Tilleuls : information des riverains")
    pick_contact(agent, "#id_sender", "Fontanel")
    agent.get_by_role("button", name="Enregistrer et rédiger").click()
    expect(agent.locator(".messages")).to_contain_text("enregistré")
    expect(agent.locator("a[data-tab=reply]")).to_have_attribute("aria-selected", "true")
    own = Mail.objects.get(subject__startswith="Travaux impasse des Tilleuls")
    assert own.chrono_number is not None and own.category == Category.OUTGOING
    assert "/D/" in own.chrono_number
    agent.select_option("#reply-template", label="Réponse standard")
    agent.click("#new-draft button")
    expect(agent.locator("[data-pdf-status]")).to_have_attribute(
        "data-pdf-status", "done", timeout=90_000
    )
    mayor = User.objects.get(username="j.moreau")
    agent.select_option("#circuit-signatory", value=str(mayor.pk))
    agent.click("#circuit-form button")
    expect(agent.locator(".messages")).to_contain_text("visa")
    own.refresh_from_db()
    assert own.status == MailStatus.TO_SIGN

    # The mayor reads it in her signature book, annotates it, and signs.
    pki = make_pki(signer_name="Jeanne Moreau")
    register_signing_key(user=mayor, pkcs12=pki.signer_p12, password=pki.password, role="Maire")
    book = sign_in(browser, base, "j.moreau")
    book.goto(f"{base}/visa/book/mails/{own.pk}/")
    book.fill("#annotation-text", "Ajouter les dates des travaux.")
    book.get_by_role("button", name="Ajouter le commentaire").click()
    expect(book.locator("#annotations")).to_contain_text("Ajouter les dates des travaux.")
    assert DraftAnnotation.objects.filter(mail=own, author=mayor).count() == 1
    book.fill("#sign-password", pki.password)
    book.locator("button[data-decision=sign]").click()
    expect(book.locator(".messages")).to_be_visible()
    own.refresh_from_db()
    assert own.status == MailStatus.TO_SEND

    # The agent posts it; the departures register lists it.
    agent.goto(f"{base}/mails/{own.pk}/?tab=reply")
    agent.check("#send-form input[name=channel][value=post]")
    agent.locator("#send-form button[data-action=send]").click()
    expect(agent.locator(".messages")).to_contain_text("prêt pour la poste")
    own.refresh_from_db()
    assert own.status == MailStatus.CLOSED and own.dispatched_at is not None
    agent.goto(f"{base}/registers/?kind=departs")
    expect(agent.locator("main")).to_contain_text(own.chrono_number)
    printed_letter = pdf_words(agent, f"{base}/mails/{own.pk}/file/original/")
    assert "Fontanel" in printed_letter and "Ajouter les dates" not in printed_letter
