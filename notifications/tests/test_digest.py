"""The daily digest through a real SMTP server: one e-mail per person with each basket's new,
due-soon and late mail and their remaining delays, nothing when there is nothing to say, and
never twice in a day."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from courrier.models import MailStatus
from courrier.tests.factories import DocumentTypeFactory, make_mail
from notifications import jobs
from notifications.services import send_pending_emails

pytestmark = pytest.mark.django_db


def test_the_digest_lists_new_due_soon_and_late_mail_per_basket(agent, outsider, org, smtp):
    agent.email, outsider.email = "agent@villedieu.example", "outsider@villedieu.example"
    agent.save()
    outsider.save()
    doctype = DocumentTypeFactory.create(code="reclamation", label="Réclamation", delay_days=30)
    today = datetime.date.today()

    def voirie_mail(subject, due, arrived_days_ago):
        return make_mail(
            subject=subject,
            document_type=doctype,
            destination_entity=org.voirie,
            override={
                "status": MailStatus.IN_PROGRESS,
                "due_date": due,
                "reminder_date": None,
                "arrival_date": today - datetime.timedelta(days=arrived_days_ago),
            },
        )

    # only the last one arrived since yesterday: the others were registered weeks ago
    with time_machine.travel(datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=20)):
        late = voirie_mail("Nid-de-poule", today - datetime.timedelta(days=4), 40)
        soon = voirie_mail("Éclairage", today + datetime.timedelta(days=2), 28)
    new = voirie_mail("Trottoir", today + datetime.timedelta(days=30), 0)

    run = jobs.send_digests()
    assert (run.sent, run.silent) == (1, 1)  # the outsider has nothing to be told
    send_pending_emails()
    (digest,) = smtp.messages
    assert digest["To"] == "agent@villedieu.example"
    assert "Votre courrier au" in digest["Subject"]
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Courriers de mon entité" in part  # the basket, in French
        assert "En retard (1)" in part and "4 jours de retard" in part
        assert "Échéance proche (1)" in part and "échéance dans 2 jours" in part
        assert "Nouveaux depuis hier (1)" in part and "échéance dans 30 jours" in part
        for mail in (late, soon, new):
            assert mail.chrono_number in part and f"/mails/{mail.pk}/" in part
        # each mail once, though it is also in the "late" basket
        assert part.count(late.chrono_number) == 1
    assert "Nid-de-poule" in html and "Nid-de-poule" in text

    again = jobs.send_digests()
    assert (again.sent, again.already) == (0, 1)
    send_pending_emails()
    assert len(smtp.messages) == 1  # never twice the same day
