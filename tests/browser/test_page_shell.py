"""The page shell the apps plug into: header links, the mail page's tabs, the history lines,
at desktop and phone width, with axe-core checking each page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from courrier.models import MailStatus
from courrier.tests.factories import make_mail
from visa.models import VisaStepRole
from visa.services import start_visa_circuit

pytestmark = pytest.mark.django_db(transaction=True)
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def waiting_for_visa(org, agent, manager):
    mail = make_mail(
        subject="Trottoir abîmé rue Haute",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    start_visa_circuit(actor=agent, mail=mail, steps=[(manager, VisaStepRole.VISA)])
    return mail


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_shell_shows_what_each_app_plugs_in(open_as, live_server, waiting_for_visa, width):
    page = open_as("manager", width=width)
    menu = page.get_by_role("navigation", name="Menu principal")
    for link in ("Mes bannettes", "Recherche avancée", "Dossiers", "Parapheur"):
        expect(menu.get_by_role("link", name=link)).to_be_visible()
    expect(page.get_by_role("searchbox")).to_be_visible()
    assert serious_violations(page) == []
    # The user's own menu: name and role, then personal pages, by keyboard too.
    summary = page.locator(".user-menu summary")
    expect(summary).to_contain_text("Responsable")
    summary.focus()
    page.keyboard.press("Enter")
    for link in ("Mes absences", "Ma clé de signature", "Mon mot de passe"):
        expect(page.locator("header").get_by_role("link", name=link)).to_be_visible()
    assert serious_violations(page) == []

    page.goto(f"{live_server.url}/baskets/to_visa/")
    page.get_by_role("link", name="Trottoir abîmé rue Haute").click()
    expect(page.locator('a[data-tab="reply"]')).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab")).to_contain_text("Circuit de visa")
    assert serious_violations(page) == []

    page.locator('a[data-tab="history"]').click()
    expect(page.locator("#tab")).to_contain_text("Envoyé en visa")
    assert "visa.circuit_started" not in page.locator("#tab").inner_text()
