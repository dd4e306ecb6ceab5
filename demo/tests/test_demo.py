from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from capture.models import WebFormTopic
from courrier.models import Mail
from courrier.services.journal import verify_journal
from demo.organisation import DEMO_PASSWORD
from scanner_hotfolders.models import HotFolder

pytestmark = pytest.mark.django_db

EXPECTED_BASKETS = {
    "c.martin": {"to_qualify": 1, "copies": 0},
    "a.durand": {
        "my_mail": 0,
        "entity_mail": 1,  # its reply is in visa: still Voirie's mail
        "copies": 0,
        "opinions": 0,
        "in_circuit": 1,
        "to_send": 0,
        "returned": 0,
        "late": 1,
    },
    "e.roux": {
        "my_mail": 1,
        "entity_mail": 1,
        "copies": 0,
        "opinions": 0,
        "in_circuit": 0,
        "to_send": 0,
        "returned": 0,
        "late": 0,
    },
    "l.leroy": {
        "my_mail": 0,
        "entity_mail": 1,
        "copies": 1,
        "opinions": 1,
        "in_circuit": 0,
        "to_send": 0,
        "returned": 0,
        "late": 0,
    },
    "m.bernard": {
        "my_mail": 0,
        "entity_mail": 0,
        "copies": 0,
        "opinions": 0,
        "in_circuit": 0,
        "to_send": 0,
        "returned": 0,
        "late": 1,
        "to_visa": 1,
        "to_sign": 0,
    },
    "s.lambert": {"closed": 1},
}


def sign_in(client, username: str) -> bool:
    """Through the sign-in page, as a person does (login throttling needs the request)."""
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    return response.status_code == 302


def test_each_persona_logs_in_and_sees_its_baskets(client, capsys):
    call_command("load_demo")
    assert f"password for all: {DEMO_PASSWORD}" in capsys.readouterr().out
    for username, baskets in EXPECTED_BASKETS.items():
        assert sign_in(client, username), username
        response = client.get(reverse("home"))
        counts = {basket.code: count for basket, count in response.context["baskets"]}
        assert counts == baskets, username
        client.logout()


def test_demo_mail_went_through_services_and_the_journal_holds(client):
    call_command("load_demo")
    assert Mail.objects.count() == 7
    secret = Mail.objects.select_related("destination_entity").get(confidential=True)
    assert secret.destination_entity is not None
    assert secret.destination_entity.code == "URBA"
    report = verify_journal()
    assert report.intact and report.checked > 20


def test_loading_twice_adds_nothing(capsys):
    call_command("load_demo")
    call_command("load_demo")
    assert "already present" in capsys.readouterr().out
    assert Mail.objects.count() == 7


def test_outsider_persona_cannot_open_voirie_mail(client):
    call_command("load_demo")
    voirie_mail = Mail.objects.get(subject__startswith="Éclairage public")
    assert sign_in(client, "v.petit")
    assert client.get(reverse("mail_detail", args=[voirie_mail.pk])).status_code == 404
    client.logout()
    assert sign_in(client, "a.durand")
    assert client.get(reverse("mail_detail", args=[voirie_mail.pk])).status_code == 200


def test_the_demo_can_capture_right_away(settings):
    call_command("load_demo")
    folder = HotFolder.objects.get(name="courrier")
    assert folder.entity.code == "COUR" and folder.split_on_separators
    assert folder.path.startswith(str(settings.DATA_DIR))
    assert WebFormTopic.objects.filter(active=True).count() == 5
