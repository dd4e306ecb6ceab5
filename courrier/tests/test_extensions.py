"""Extension points: the apps built on the core plug in without the core importing them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from courrier.extensions import (
    awaiting_criteria,
    journal_action_label,
    mail_tabs,
    nav_links_for,
    perimeter_contributors,
    workflow_actions,
)
from courrier.models import Role
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


def test_the_mail_page_has_the_core_tabs_and_those_apps_add_in_order():
    assert [t.code for t in mail_tabs()] == [
        "document",
        "info",
        "diffusion",
        "notes",
        "attachments",
        "opinions",
        "reply",
        "links",
        "history",
    ]
    reply = next(t for t in mail_tabs() if t.code == "reply")
    assert reply.template.startswith("visa/") and "to_sign" in reply.opened_from_baskets


def test_apps_contribute_perimeter_rules_and_basket_criteria():
    assert [c.code for c in perimeter_contributors()] == ["following", "visa_circuit"]
    assert set(awaiting_criteria()) == {"visa", "signature", "opinion", "returned"}


def test_each_app_describes_its_journal_actions_in_french(settings):
    settings.LANGUAGE_CODE = "fr"
    from django.utils import translation

    with translation.override("fr"):
        assert journal_action_label("visa.approved") == "Visa donné"
        assert journal_action_label("reply.drafted") == "Projet de réponse rédigé"
        assert journal_action_label("mail.qualified") == "Qualifié"
    assert journal_action_label("unknown.action") == "unknown.action"
    assert {"mail.qualified", "visa.signed", "reply.drafted"} <= set(workflow_actions())
    assert "mail.read" not in workflow_actions()


def test_header_links_follow_the_users_permissions(clerk, agent, manager):
    assert {"search", "folders", "capture_upload", "capture_errors"} <= {
        link.code for link in nav_links_for(clerk)
    }
    assert "capture_errors" not in {link.code for link in nav_links_for(agent)}
    assert "signing_key" in {link.code for link in nav_links_for(manager)}
    assert "signing_key" not in {link.code for link in nav_links_for(agent)}


def test_the_header_shows_the_apps_links(client, clerk):
    client.force_login(clerk)
    page = client.get(reverse("home")).content.decode()
    for name in ("search", "folders", "capture_upload", "capture_errors", "quick_search"):
        assert f'"{reverse(name)}"' in page


def test_role_permissions_granted_by_the_apps_reach_the_groups(org):
    administrators = Group.objects.get(name=Role.ADMINISTRATOR)
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in administrators.permissions.all()}
    assert {
        "visa.change_circuittemplate",
        "templates_office.add_officetemplate",
        "scanner_hotfolders.view_hotfolder",
        "capture.change_classificationrule",
        "courrier.change_entity",
    } <= granted


def test_a_mail_capture_never_saw_has_no_capture_panel(client, clerk, org):
    """The captured case is in capture/tests/test_screens.py."""
    mail = make_mail(destination_entity=org.courrier)
    client.force_login(clerk)
    response = client.get(reverse("mail_detail", args=[mail.pk]) + "?tab=info")
    page = response.content.decode()
    assert response.status_code == 200 and mail.chrono_number in page
    assert "Reçu par" not in page
