"""Declaring an absence in a real browser: one substitute per basket picked by typing a name
(there were 99 checkboxes: 9 baskets for 11 people, a service account among them)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courrier.models import Absence

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_substitute_per_basket_is_picked_by_name(
    open_as, agent, urbanisme_agent, administrator, org
):
    from api.services import create_service_account

    robot = create_service_account(
        actor=administrator, name="portail", entity=org.voirie, role="agent"
    ).user
    page = open_as("agent")
    page.goto(f"{page.url}absences/")
    form = page.locator("form.absence-form")
    expect(form.locator("input[type=checkbox]")).to_have_count(0)
    options = page.locator("#colleague-options option")
    values = [options.nth(i).get_attribute("value") or "" for i in range(options.count())]
    assert any(str(urbanisme_agent) in v for v in values)
    assert not any(robot.first_name in v for v in values if robot.first_name)
    assert not any(str(administrator) in v for v in values)  # reads no mail
    last_day = timezone.localdate() + datetime.timedelta(days=3)
    form.locator("input[name=end]").fill(last_day.isoformat())
    first = form.locator("input[list=colleague-options]").first
    pick = next(v for v in values if str(urbanisme_agent) in v)
    first.fill(pick)
    form.get_by_role("button", name="Enregistrer l'absence").click()
    expect(page.locator(".messages")).to_contain_text("Absence enregistrée")
    absence = Absence.objects.get(user=agent)
    assert [d.substitute for d in absence.delegations.all()] == [urbanisme_agent]
