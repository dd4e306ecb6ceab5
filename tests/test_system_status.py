"""The administrators' system status page: who gave signs of life, queues, seals, checks;
and a failing journal check alerts them by e-mail, not only in a log."""

from __future__ import annotations

import datetime
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from capture.models import CaptureInput, InputStatus
from courrier.models import Heartbeat, JournalEvent, JournalRefusal, Role
from courrier.services.chaining import chain_journal
from courrier.tasks import verify_journal_task
from courrier.tests.factories import UserFactory, make_mail
from courrier.views.system import database_role_risks

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(org):
    return UserFactory.create(
        username="chef",
        email="chef@villedieu.example",
        primary_entity=org.dgs,
        roles=[Role.ADMINISTRATOR],
    )


def test_the_page_shows_signs_of_life_seals_and_the_capture_queue(client, administrator, clerk):
    make_mail(actor=clerk, subject="Courrier")
    CaptureInput.objects.create(
        source_kind="upload", file_name="a.pdf", size=1, status=InputStatus.ERROR
    )
    call_command("run_periodic_jobs", "--once")
    Heartbeat.objects.create(
        name="hot-folder watcher", beat_at=timezone.now() - datetime.timedelta(hours=2)
    )
    client.force_login(administrator)
    page = client.get(reverse("system_status")).content.decode()
    for name in ("scheduler", "journal-check", "journal-seal", "capture-sweeper"):
        assert f'data-heartbeat="{name}"' in page
    assert "Silencieux depuis trop longtemps" in page  # the watcher stopped two hours ago
    assert "Dernier sceau : n° 1" in page
    assert 'data-count="errors"><a href=' in page
    chain_journal()  # as after a commit (this test's transaction never commits)
    page = client.get(reverse("system_status")).content.decode()
    assert 'data-linking="0">Chaque événement a son maillon dans la chaîne.' in page
    make_mail(actor=clerk, subject="Pas encore validé")
    page = client.get(reverse("system_status")).content.decode()
    assert 'data-linking="1">1 événement attend son maillon dans la chaîne' in page
    assert "tâches périodiques tournent" not in page  # recorded a moment ago: not late


def test_events_left_unlinked_for_long_are_flagged(client, administrator, clerk, monkeypatch):
    make_mail(actor=clerk, subject="Pas encore validé")  # its event waits for its link
    monkeypatch.setattr("courrier.views.system.LINKING_LATE", datetime.timedelta(0))
    client.force_login(administrator)
    page = client.get(reverse("system_status")).content.decode()
    assert "En retard : les workers et les tâches périodiques tournent-ils ?" in page


def test_only_administrators_open_it(client, agent):
    client.force_login(agent)
    assert client.get(reverse("system_status")).status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="tampers with PostgreSQL's SQL")
def test_a_failing_journal_check_alerts_the_administrators(
    administrator, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    mail = make_mail(actor=clerk, subject="Courrier")
    seq = JournalEvent.objects.filter(mail=mail).values_list("seq", flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE courrier_journalevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE courrier_journalevent SET action = 'x' WHERE seq = %s", [seq])
        cursor.execute("ALTER TABLE courrier_journalevent ENABLE TRIGGER USER")
    with django_capture_on_commit_callbacks(execute=True):  # the task runs outside a transaction
        verify_journal_task.apply()
    assert not Heartbeat.objects.get(name="journal-check").healthy
    (alert,) = mailoutbox  # a notification of kind journal_failure, sent at once
    assert alert.to == ["chef@villedieu.example"] and f"événement n° {seq} " in alert.body
    assert "/system/" in alert.body  # straight to the system status page
    assert administrator.notifications.get().kind == "journal_failure"  # and in the bell


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")
def test_the_page_warns_when_bannettes_database_role_could_rewrite_the_journal(
    client, administrator
):
    client.force_login(administrator)
    page = client.get(reverse("system_status")).content.decode()
    assert "Le rôle de la base de données peut réécrire le journal" in page  # tests: a superuser
    assert "superutilisateur" in page
    role = f"bannette_app_{os.getpid()}"  # created and dropped with the test's transaction
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        assert database_role_risks() == []  # as the README's production layout sets it up
        cursor.execute("RESET ROLE")
        cursor.execute(f"ALTER TABLE courrier_journallink OWNER TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        (risk,) = database_role_risks()
        cursor.execute("RESET ROLE")
    assert "courrier_journallink" in risk and "déclencheurs" in risk


def test_a_refused_event_is_named_by_number_on_the_page(client, administrator, clerk):
    make_mail(actor=clerk, subject="Courrier")
    chain_journal()
    original = JournalEvent.objects.get()
    forged = original.seq + 1000
    with connection.cursor() as cursor:  # a copy written below the application, with its queue row
        cursor.execute(
            "INSERT INTO courrier_journalevent (seq, timestamp, actor_name, on_behalf_of_name,"
            " action, object_type, object_id, details, prev_hash, hash, mac) SELECT %s,"
            " timestamp, actor_name, on_behalf_of_name, 'mail.closed', object_type, object_id,"
            " details, prev_hash, hash, mac FROM courrier_journalevent WHERE seq = %s",
            [forged, original.seq],
        )
        cursor.execute("INSERT INTO courrier_journalpending (id) VALUES (%s)", [forged])
    assert chain_journal() == 0
    assert JournalRefusal.objects.get().event_seq == forged
    client.force_login(administrator)
    page = client.get(reverse("system_status")).content.decode()
    assert 'data-refusals="1"' in page
    assert f"l'événement n° {forged}" in page
