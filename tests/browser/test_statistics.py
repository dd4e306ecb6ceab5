"""A manager opens the statistics, narrows them to one service, clicks the late figure and lands
on exactly those mails."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from courrier.models import MailStatus
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_filters_to_a_service_and_opens_its_late_mail(open_as, live_server, org, manager):
    today = datetime.date.today()
    late = today - datetime.timedelta(days=3)

    def open_mail(subject, entity, due):
        return make_mail(
            subject=subject,
            destination_entity=entity,
            override={"status": MailStatus.IN_PROGRESS, "due_date": due},
        )

    voirie_late = open_mail("Nid-de-poule", org.voirie, late)
    open_mail("Panneau tordu", org.voirie, today + datetime.timedelta(days=20))
    open_mail("Éclairage", org.st, late)  # late too, but in the service above

    page = open_as("manager")
    page.get_by_role("link", name="Statistiques").click()
    expect(page.locator("[data-figure=late] .count")).to_have_text("2")
    page.select_option("select[name=entity]", label="Voirie")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("[data-figure=late] .count")).to_have_text("1")
    page.locator("[data-figure=late] a").click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-chrono", voirie_late.chrono_number or "")
