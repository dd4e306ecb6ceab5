"""The bell: an agent's page shows a new notification when a colleague redirects a mail to her,
without reloading; opening it leads to the mail and marks it read."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from courrier.models import MailStatus
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_bell_rings_when_a_colleague_redirects_a_mail_to_me(
    open_as, live_server, settings, org, agent, urbanisme_agent
):
    settings.BANNETTE_BELL_POLL_SECONDS = 1  # the page asks every second instead of 30
    mail = make_mail(
        subject="Terrasse place du Marché",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    mine = open_as("urba")
    bell = mine.locator("#bell")
    expect(bell).to_have_attribute("data-unread", "0")
    expect(bell.locator(".count")).to_have_count(0)

    colleague = open_as("agent")
    colleague.goto(f"{live_server.url}/mails/{mail.pk}/")
    redirect = colleague.locator("details[data-action=redirect]")
    redirect.locator("select[name=entity]").select_option(label="Urbanisme")
    redirect.locator("select[name=user]").select_option(label=str(urbanisme_agent))
    redirect.locator("button[data-action=redirect]").click()

    expect(mine.locator("#bell .count")).to_have_text("1")  # without reloading the page
    mine.locator("#bell").click()
    entry = mine.locator("ul.notifications li.unread")
    expect(entry).to_contain_text(mail.chrono_number or "")
    expect(entry).to_contain_text("vous a confié")
    entry.locator("button").click()
    mine.wait_for_url(f"{live_server.url}/mails/{mail.pk}/")
    expect(mine.locator("#bell .count")).to_have_count(0)
    assert urbanisme_agent.notifications.get().read_at is not None
