"""An elected official opens no mail and has no basket: her home shows her figures of the month
and the late mail of each service (it said « Vous n'avez pas encore de bannette »)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from courrier.models import Role
from courrier.tests.factories import UserFactory
from stats.tests.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_an_elected_official_lands_on_her_figures_and_the_late_mail_by_service(
    client, org, october
):
    elected = UserFactory.create(username="elu", primary_entity=org.mairie, roles=[Role.ELECTED])
    client.force_login(elected)
    with time_machine.travel(TODAY):  # 15 November: D (Voirie, due 5 Nov) is late
        page = client.get(reverse("home")).content.decode()
    assert "pas encore de bannette" not in page
    assert 'data-home-panel="statistics"' in page and "novembre 2026" in page
    late = page[page.index("Courrier en retard par service") :]
    assert "Voirie" in late
    assert october["D"].chrono_number not in page  # counts, never a mail


def test_those_who_open_mail_keep_their_baskets_without_the_panel(client, manager, october):
    client.force_login(manager)
    with time_machine.travel(TODAY):
        page = client.get(reverse("home")).content.decode()
    assert 'data-home-panel="statistics"' not in page and "data-basket=" in page
