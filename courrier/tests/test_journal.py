from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from courrier.models import JournalEvent, JournalTampering
from courrier.services.journal import record_event, verify_journal
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def journal(clerk):
    for i in range(5):
        make_mail(actor=clerk, subject=f"Courrier {i}")
    return list(JournalEvent.objects.order_by("seq"))


def raw_sql(sql: str, params: list) -> None:
    """Tamper below the ORM, as a database administrator could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE courrier_journalevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE courrier_journalevent ENABLE TRIGGER USER")


def test_events_are_chained_and_the_chain_verifies(journal):
    assert [e.seq for e in journal] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(journal))
    report = verify_journal()
    assert report.intact and report.checked == 5


def test_an_edited_event_is_detected(journal):
    raw_sql("UPDATE courrier_journalevent SET actor_name = %s WHERE seq = 3", ["mallory"])
    report = verify_journal()
    assert report.problems == [
        "événement n° 3 : son contenu ne correspond plus à son empreinte (modifié)"
    ]


def test_edited_details_are_detected(journal):
    raw_sql("UPDATE courrier_journalevent SET details = %s WHERE seq = 2", ['{"status": "closed"}'])
    assert not verify_journal().intact


def test_a_deleted_event_is_detected(journal):
    raw_sql("DELETE FROM courrier_journalevent WHERE seq = 2", [])
    problems = verify_journal().problems
    assert "les événements n° 2 à 2 manquent (supprimés)" in problems
    assert "événement n° 3 : son lien avec l'événement précédent est rompu" in problems


def test_deleting_the_last_events_is_detected(journal):
    raw_sql("DELETE FROM courrier_journalevent WHERE seq >= 4", [])
    problems = verify_journal().problems
    assert problems == [
        "la tête du journal indique le n° 5 mais le dernier événement est le n° 3"
        " (événements supprimés à la fin, ou tête modifiée)"
    ]


def test_the_orm_refuses_to_change_or_delete_events(journal):
    event = journal[0]
    event.action = "forged"
    with pytest.raises(JournalTampering):
        event.save()
    with pytest.raises(JournalTampering):
        event.delete()
    with pytest.raises(JournalTampering):
        JournalEvent.objects.filter(seq=1).update(action="forged")
    with pytest.raises(JournalTampering):
        JournalEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_updates_below_the_orm(journal):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE courrier_journalevent SET action = 'x' WHERE seq = 1")


@pytest.mark.django_db(transaction=True)
def test_record_event_requires_the_changes_transaction(clerk):
    with pytest.raises(RuntimeError, match="inside transaction"):
        record_event(action="x", actor=clerk, target=clerk)


def test_verify_journal_command_exits_non_zero_on_tampering(journal, capsys):
    call_command("verify_journal")
    assert "Journal intact : 5 événements vérifiés" in capsys.readouterr().out
    raw_sql("UPDATE courrier_journalevent SET action = %s WHERE seq = 1", ["forged"])
    with pytest.raises(CommandError, match="ALTÉRÉ"):
        call_command("verify_journal")
