"""The monthly report: a PDF per manager and entity, in the bell and by e-mail through a real
SMTP server, never twice; an elected official's copy lists no mail."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from courrier.models import Role
from courrier.tests.factories import UserFactory
from notifications.models import Notification
from notifications.services import send_pending_emails
from stats import jobs
from stats.indicators import Period
from stats.tests.conftest import TODAY

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_each_manager_receives_the_month_of_their_entity_once(manager, october, smtp):
    manager.email = "chef.st@mairie.example"
    manager.save()
    with time_machine.travel(TODAY):
        run = jobs.send_monthly_reports(Period.month(2026, 10))
        send_pending_emails()
        again = jobs.send_monthly_reports(Period.month(2026, 10))
        send_pending_emails()
    assert (run.sent, again.sent, again.already) == (1, 0, 1)
    notice = Notification.objects.get(user=manager, kind="monthly_report")
    assert notice.params["link"].startswith(reverse("statistics_report"))
    (message,) = smtp.messages
    assert "Services techniques" in message["Subject"] and "octobre 2026" in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "statistiques-ST-2026-10.pdf"
    text = text_of(attachment.get_content())
    assert "Statistiques de Services techniques" in text
    assert october["D"].chrono_number in text  # the late mail, listed for its manager
    assert october["V"].chrono_number not in text  # Vie associative's is not hers


def test_the_report_page_keeps_to_the_reader(client, org, october):
    elected = UserFactory.create(username="elu", primary_entity=org.mairie, roles=[Role.ELECTED])
    client.force_login(elected)
    with time_machine.travel(TODAY):
        response = client.get(reverse("statistics_report") + "?month=2026-10")
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "Arrivés" in text and "Mail late today" not in text
    assert october["D"].chrono_number not in text  # figures, never a mail


def test_a_month_in_progress_is_set_beside_the_same_days_of_the_month_before(client, manager):
    from stats import report

    client.force_login(manager)
    with time_machine.travel("2026-12-07 10:00 +01:00"):
        response = client.get(reverse("statistics_report") + "?month=2026-12")
        page = client.get(reverse("statistics") + "?month=2026-12").content.decode()
    text = " ".join(text_of(response.content).split())
    assert "décembre 2026 (du 1 au 7)" in text and "novembre 2026 (du 1 au 7)" in text
    assert "7 premiers jours" in text
    assert "1 novembre 2026 au 7 novembre 2026" in " ".join(page.split()).replace("1er", "1")
    # a whole month past is compared whole
    with time_machine.travel("2026-12-07 10:00 +01:00"):
        whole = text_of(client.get(reverse("statistics_report") + "?month=2026-11").content)
    assert "novembre 2026 (du" not in whole and "octobre 2026 (du" not in whole
    # header cells wrap in their column instead of running into the next one
    table = report._table([["Délai de traitement médian (jours)", "x"], ["a", "b"]], [20, 20])
    assert not isinstance(table._cellvalues[0][0], str)
