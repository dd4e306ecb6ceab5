"""The processing page on a 1366 px laptop and on a 390 px phone: every tab reachable, the
document beside the work when there is room, nothing wider than the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from courrier.letters import letter_pdf
from courrier.models import MailStatus
from courrier.services.mail import IncomingFile
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def letter(org):
    pdf = letter_pdf(["Objet : trottoir abîmé rue Haute", "Les racines soulèvent le trottoir."])
    return make_mail(
        subject="Trottoir abîmé rue Haute, devant l'école élémentaire Jules-Ferry",
        destination_entity=org.voirie,
        original=IncomingFile("lettre.pdf", pdf, "application/pdf"),
        override={"status": MailStatus.IN_PROGRESS},
    )


def overflows(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))


def test_on_a_laptop_the_document_stays_beside_the_tabs(open_as, letter, agent):
    page = open_as("agent", width=1366, height=768)
    page.goto(f"{page.url}mails/{letter.pk}/?tab=info")
    expect(page.locator(".mail-document iframe")).to_be_visible()
    for tab in ("info", "notes", "attachments", "reply", "history"):
        expect(page.locator(f"a[data-tab={tab}]")).to_be_in_viewport()
    page.locator("a[data-tab=history]").click()
    expect(page.locator("ol.history")).to_be_visible()
    expect(page.locator(".mail-document iframe")).to_be_visible()  # still there
    assert not overflows(page)


def test_on_a_phone_one_column_no_frame_and_nothing_wider_than_the_screen(open_as, letter, agent):
    page = open_as("agent", width=390, height=844)
    page.goto(f"{page.url}baskets/entity_mail/")
    expect(page.locator(f"tr[data-chrono='{letter.chrono_number}']")).to_be_visible()
    assert not overflows(page)
    page.goto(f"{page.url.split('/baskets')[0]}/mails/{letter.pk}/")
    expect(page.get_by_role("link", name="Ouvrir le PDF")).to_be_visible()
    expect(page.locator("iframe.viewer").first).to_be_hidden()  # phones show no PDF in a frame
    expect(page.locator("a[data-tab=history]")).to_be_visible()
    assert not overflows(page)


def test_the_mail_tabs_follow_the_chosen_one_by_mouse_and_by_arrow_keys(open_as, letter, agent):
    """WAI-ARIA tabs: the highlighted tab and aria-selected follow the choice (they once stayed
    on the first tab); arrow keys, Home and End move between tabs and open them."""
    page = open_as("agent", width=1366, height=768)
    page.goto(f"{page.url}mails/{letter.pk}/")
    tabs = page.locator("[role=tablist] [role=tab]")
    first = tabs.first
    expect(first).to_have_attribute("aria-selected", "true")
    page.locator("a[data-tab=history]").click()
    expect(page.locator("ol.history")).to_be_visible()
    expect(page.locator("a[data-tab=history]")).to_have_attribute("aria-selected", "true")
    expect(page.locator("a[data-tab=history]")).to_have_class("active")
    expect(first).to_have_attribute("aria-selected", "false")
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_count(1)
    expect(page.locator("#tab")).to_have_attribute("aria-labelledby", "tab-history")
    page.keyboard.press("Home")
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    second = tabs.nth(1)
    expect(second).to_be_focused()
    expect(second).to_have_attribute("aria-selected", "true")
    code = second.get_attribute("data-tab")
    expect(page).to_have_url(re.compile(f"tab={code}"))
    page.keyboard.press("ArrowLeft")
    expect(first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("End")
    expect(tabs.last).to_have_attribute("aria-selected", "true")
    expect(tabs.last).to_have_attribute("tabindex", "0")
    expect(first).to_have_attribute("tabindex", "-1")
