"""Notifications through a real SMTP server (aiosmtpd): each event reaches the people concerned
and nobody else, preferences and absences are honoured, nothing is sent twice, a refusing
server is retried with backoff."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from courrier.models import MailStatus
from courrier.services.mail import Qualification, qualify_mail
from courrier.services.processing import redirect_mail
from courrier.tests.factories import DocumentTypeFactory, UserFactory, absent_now, make_mail
from notifications import jobs, services
from notifications.models import DeliveryStatus, EmailDelivery, Notification
from visa.opinions import answer_opinion, request_opinion

pytestmark = pytest.mark.django_db(transaction=True)  # handlers run after commit, as in life


@pytest.fixture
def people(agent, urbanisme_agent, outsider, manager, clerk):
    for user in (agent, urbanisme_agent, outsider, manager, clerk):
        user.email = f"{user.username}@villedieu.example"
        user.save()
    return {u.username: u for u in (agent, urbanisme_agent, outsider, manager, clerk)}


@pytest.fixture
def doctype(org):
    return DocumentTypeFactory.create(code="reclamation", label="Réclamation", delay_days=30)


def told(user, kind=None):
    found = Notification.objects.filter(user=user)
    return list(found.filter(kind=kind) if kind else found)


def test_a_redirection_tells_the_new_holder_at_once_and_nobody_else(people, org, doctype, smtp):
    agent, urba, outsider = people["agent"], people["urba"], people["outsider"]
    mail = make_mail(subject="Trottoir abîmé")
    qualify_mail(
        actor=people["clerk"],
        mail=mail,
        qualification=Qualification(document_type=doctype, destination_entity=org.voirie),
    )
    # arrival in the Voirie's baskets: in the app, kept for the digest (its default)
    (arrived,) = told(agent, "mail_arrived")
    assert arrived.mail == mail and smtp.messages == []

    redirect_mail(actor=agent, mail=mail, entity=org.urbanisme, user=urba)
    (given,) = told(urba, "redirected_to_me")
    assert given.mail == mail and given.params["actor"] == str(agent)
    (message,) = smtp.messages
    assert message["To"] == "urba@villedieu.example"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert mail.chrono_number in part and "Trottoir abîmé" in part
        assert f"/mails/{mail.pk}/" in part  # straight to the mail
    assert str(agent) in text  # who gave it
    assert told(agent, "redirected_to_me") == []  # the actor is not told of her own act
    assert told(outsider) == []  # outside her perimeter: never a word


def test_opinions_asked_and_given_reach_the_asked_and_the_asker(people, org, doctype, smtp):
    agent, urba = people["agent"], people["urba"]
    mail = make_mail(
        subject="Permis",
        document_type=doctype,
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    request_opinion(
        actor=agent,
        mail=mail,
        asked=[org.urbanisme],
        reason="Avis ?",
        deadline=datetime.date.today() + datetime.timedelta(days=5),
    )
    assert [n.kind for n in told(urba)] == ["opinion_asked"]
    assert told(people["outsider"]) == [] and told(agent) == []
    answer_opinion(actor=urba, mail=mail, text="Favorable")
    assert [n.kind for n in told(agent)] == ["opinion_answered"]
    assert {m["To"] for m in smtp.messages} == {"urba@villedieu.example", "agent@villedieu.example"}


def test_preferences_turn_a_kind_off_or_to_the_digest(people, org, doctype, smtp):
    agent, urba = people["agent"], people["urba"]
    services.set_preference(user=urba, kind="redirected_to_me", mode="off")
    first = make_mail(
        subject="Un", destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS}
    )
    redirect_mail(actor=agent, mail=first, entity=org.urbanisme, user=urba)
    assert told(urba) == [] and smtp.messages == []
    services.set_preference(user=urba, kind="redirected_to_me", mode="digest")
    second = make_mail(
        subject="Deux", destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS}
    )
    redirect_mail(actor=agent, mail=second, entity=org.urbanisme, user=urba)
    assert len(told(urba, "redirected_to_me")) == 1 and smtp.messages == []
    jobs.send_digests()
    (digest,) = smtp.messages
    assert "Deux" in digest.get_body(("plain",)).get_content()


def test_while_away_notifications_go_to_the_substitute(people, org, smtp):
    agent = people["agent"]
    substitute = UserFactory.create(
        username="remplacant",
        email="remplacant@villedieu.example",
        primary_entity=org.voirie,
        roles=["agent"],
    )
    absent_now(agent, basket="my_mail", substitute=substitute)
    mail = make_mail(
        subject="Urgent", destination_entity=org.urbanisme, override={"status": "in_progress"}
    )
    redirect_mail(actor=people["urba"], mail=mail, entity=org.voirie, user=agent)
    assert told(agent) == []
    (notice,) = told(substitute, "redirected_to_me")
    assert notice.for_user == agent
    (message,) = smtp.messages
    assert message["To"] == "remplacant@villedieu.example"
    assert "(en remplacement de" in message.get_body(("plain",)).get_content()


def test_the_deadline_watch_tells_each_step_once(people, org, manager, smtp):
    """A 10-day delay from 1 June 2026, reminder 2 days before, second reminder 3 days after,
    the manager alerted at 50 %: 6 June escalation, 9 June reminder 1, 12 June late,
    14 June reminder 2."""
    doctype = DocumentTypeFactory.create(
        code="signalement",
        label="Signalement",
        delay_days=10,
        reminder1_days_before=2,
        reminder2_days_after=3,
        escalation_percent=50,
    )
    mail = make_mail(
        subject="Lampadaire",
        document_type=doctype,
        destination_entity=org.voirie,
        arrival_date=datetime.date(2026, 6, 1),
        override={"status": MailStatus.IN_PROGRESS, "assignee_id": people["agent"].pk},
    )
    assert mail.due_date == datetime.date(2026, 6, 11)

    def run(day):
        with time_machine.travel(datetime.datetime(2026, 6, day, 8, tzinfo=datetime.UTC)):
            return jobs.watch_deadlines(datetime.date(2026, 6, day))

    assert str(run(5)) == "reminder1 0, late 0, reminder2 0, escalation 0, opinion_late 0"
    assert run(6).escalation == 1 and run(6).escalation == 0  # never twice
    assert [n.kind for n in told(manager)] == ["escalation"]
    assert run(9).reminder1 == 1
    assert run(12).late == 1 and run(12).reminder2 == 0
    assert run(14).reminder2 == 1
    assert run(14).late == 0 and run(15).reminder1 == 0
    assert sorted(n.kind for n in told(people["agent"])) == ["late", "reminder1", "reminder2"]
    assert told(people["outsider"]) == []
    assert len(smtp.messages) == 4  # each sent once


def test_a_refusing_smtp_server_is_retried_with_backoff(people, org, settings, smtp):
    agent, urba = people["agent"], people["urba"]
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there: refused
    mail = make_mail(
        subject="Un", destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS}
    )
    redirect_mail(actor=agent, mail=mail, entity=org.urbanisme, user=urba)
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at > timezone.now()
    settings.EMAIL_PORT = port
    assert services.send_pending_emails() == 0  # not before its time
    with time_machine.travel(delivery.next_attempt_at + datetime.timedelta(seconds=1)):
        assert services.send_pending_emails() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(smtp.messages) == 1
    assert services.backoff(1) < services.backoff(2) < services.backoff(5)


def test_visa_and_signature_turns_and_a_returned_draft(people, org, manager, smtp):
    from visa.services import approve, reject, start_visa_circuit

    agent = people["agent"]
    mayor = UserFactory.create(
        username="maire",
        email="maire@villedieu.example",
        primary_entity=org.mairie,
        roles=["manager"],
    )
    mail = make_mail(
        subject="Réponse au riverain",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS, "assignee_id": agent.pk},
    )
    start_visa_circuit(actor=agent, mail=mail, steps=[(manager, "visa"), (mayor, "signature")])
    assert [n.kind for n in told(manager)] == ["visa_waiting"] and told(mayor) == []
    approve(actor=manager, mail=mail)
    assert [n.kind for n in told(mayor)] == ["signature_waiting"]
    reject(actor=mayor, mail=mail, note="Reformuler le deuxième paragraphe")
    (returned,) = told(agent, "draft_returned")
    assert returned.params["actor"] == str(mayor)
    assert told(people["outsider"]) == []


def test_a_failed_capture_tells_the_mail_room_only(people, smtp):
    from capture.models import SourceKind
    from capture.services import receive_input, run_pipeline

    capture_input = receive_input(source_kind=SourceKind.UPLOAD, name="vide.pdf", content=b"")
    run_pipeline(capture_input)
    (failed,) = told(people["clerk"], "capture_error")
    assert failed.params["file"] == "vide.pdf"
    assert told(people["agent"]) == [] and told(people["outsider"]) == []
    (message,) = smtp.messages
    assert (
        message["To"] == "clerk@villedieu.example"
        and "/capture/" in message.get_body(("plain",)).get_content()
    )


def test_each_person_reads_e_mails_in_their_own_language(people, org, smtp):
    agent, urba = people["agent"], people["urba"]
    urba.language = "en"
    urba.save()
    mail = make_mail(
        subject="Banc cassé", destination_entity=org.voirie, override={"status": "in_progress"}
    )
    redirect_mail(actor=agent, mail=mail, entity=org.urbanisme, user=urba)
    (message,) = smtp.messages
    text = message.get_body(("plain",)).get_content()
    assert f"gave you {mail.chrono_number}" in text and "Hello" in text
    assert "vous a confié" not in text


def test_the_preferences_page_offers_only_what_concerns_the_person(client, people):
    agent = people["agent"]
    client.force_login(agent)
    page = client.get("/notifications/preferences/").content.decode()
    assert "Courrier qui m&#x27;est redirigé ou attribué" in page
    assert "Échec de la vérification du journal" not in page  # administrators only
    client.post(
        "/notifications/preferences/",
        {"redirected_to_me": "digest", "copy_received": "off", "language": "en"},
    )
    agent.refresh_from_db()
    assert services.mode_for(agent, "redirected_to_me") == "digest"
    assert services.mode_for(agent, "copy_received") == "off"
    assert services.mode_for(agent, "late") == "immediate"  # untouched: its default
    assert agent.language == "en"


def test_copies_late_opinions_and_born_decisions_reach_their_people(people, org, manager, smtp):
    from courrier.services.legal import record_implicit_decisions
    from courrier.services.processing import send_copy

    agent, urba, outsider = people["agent"], people["urba"], people["outsider"]
    sva = DocumentTypeFactory.create(
        code="occupation", label="Occupation", processing_mode="sva", implicit_delay=2
    )
    mail = make_mail(
        subject="Terrasse",
        document_type=sva,
        destination_entity=org.voirie,
        arrival_date=datetime.date(2026, 1, 31),
        override={"status": MailStatus.IN_PROGRESS, "assignee_id": agent.pk},
    )
    send_copy(actor=agent, mail=mail, entity=org.urbanisme)
    assert [n.kind for n in told(urba)] == ["copy_received"]
    deadline = datetime.date.today() + datetime.timedelta(days=3)
    request_opinion(actor=agent, mail=mail, asked=[manager], reason="Avis ?", deadline=deadline)
    assert jobs.watch_deadlines(deadline).opinion_late == 0  # due today: not late yet
    assert jobs.watch_deadlines(deadline + datetime.timedelta(days=1)).opinion_late == 1
    assert "opinion_late" in [n.kind for n in told(manager)]
    record_implicit_decisions(datetime.date(2026, 3, 31))
    (born,) = told(agent, "implicit_decision")
    assert born.params["decision"] == "Acceptation implicite"
    assert "implicit_decision" in [n.kind for n in told(manager)]  # the service's manager too
    assert told(outsider) == []
