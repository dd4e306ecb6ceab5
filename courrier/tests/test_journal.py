from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from courrier.chain import GENESIS_HASH, link_hash
from courrier.models import JournalEvent, JournalLink, JournalPending, JournalTampering
from courrier.services.chaining import chain_journal
from courrier.services.journal import record_event, verify_journal
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def journal(clerk, django_capture_on_commit_callbacks):
    """Five events, each linked once its change commits (the test's transaction never does:
    the callbacks run as they would after a commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            make_mail(actor=clerk, subject=f"Courrier {i}")
    return list(JournalEvent.objects.order_by("seq"))


def raw_sql(sql: str, params: list) -> None:
    """Tamper below the ORM, as a database administrator could."""
    tables = ("courrier_journalevent", "courrier_journallink")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_events_are_linked_in_order_and_the_chain_verifies(journal):
    links = list(JournalLink.objects.order_by("position"))
    assert [link.position for link in links] == [1, 2, 3, 4, 5]
    assert [link.event_id for link in links] == [event.seq for event in journal]
    assert links[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(links))
    assert all(
        link.hash == link_hash(link.position, event.seq, event.hash, link.prev_hash)
        for link, event in zip(links, journal, strict=True)
    )
    assert not JournalPending.objects.exists()
    report = verify_journal()
    assert report.intact and report.checked == 5 and report.waiting == 0


def test_an_event_waits_for_its_link_until_its_change_commits(clerk):
    make_mail(actor=clerk, subject="Pas encore validé")  # the test's transaction is still open
    event = JournalEvent.objects.get()
    assert not JournalLink.objects.exists() and JournalPending.objects.get().pk == event.seq
    report = verify_journal(link_waiting=False)
    assert report.intact and report.waiting == 1  # waiting is not tampering
    assert chain_journal() == 1
    assert JournalLink.objects.get().event_id == event.seq
    assert not JournalPending.objects.exists()
    assert chain_journal() == 0


def test_an_edited_event_is_detected(journal):
    edited = journal[2].seq
    raw_sql("UPDATE courrier_journalevent SET actor_name = %s WHERE seq = %s", ["mallory", edited])
    report = verify_journal()
    assert report.problems == [
        f"événement n° {edited} : son contenu ne correspond plus à son empreinte (modifié)"
    ]


def test_an_edited_event_with_its_hash_recomputed_breaks_its_link(journal):
    edited = journal[1].seq
    raw_sql("UPDATE courrier_journalevent SET hash = %s WHERE seq = %s", ["f" * 64, edited])
    problems = verify_journal().problems
    assert f"événement n° {edited} : son lien avec l'événement précédent est rompu" in problems


def test_edited_details_are_detected(journal):
    raw_sql(
        "UPDATE courrier_journalevent SET details = %s WHERE seq = %s",
        ['{"status": "closed"}', journal[1].seq],
    )
    assert not verify_journal().intact


def test_a_deleted_event_is_detected(journal):
    deleted = journal[1].seq
    raw_sql("DELETE FROM courrier_journalevent WHERE seq = %s", [deleted])
    assert verify_journal().problems == [
        f"le maillon n° 2 de la chaîne est là mais son événement n° {deleted} manque (supprimé)"
    ]


def test_a_deleted_link_is_detected(journal):
    raw_sql("DELETE FROM courrier_journallink WHERE position = 2", [])
    problems = verify_journal().problems
    assert "les maillons n° 2 à 2 de la chaîne manquent (supprimés)" in problems
    assert f"événement n° {journal[2].seq} : son lien avec l'événement précédent est rompu" in (
        problems
    )
    assert (
        f"l'événement n° {journal[1].seq} n'a pas de maillon dans la chaîne"
        " (inséré, ou son maillon supprimé)" in problems
    )


def test_an_event_inserted_below_the_orm_is_detected(journal):
    forged = journal[-1].seq + 100
    raw_sql(
        "INSERT INTO courrier_journalevent (seq, timestamp, actor_name, on_behalf_of_name, action,"
        " object_type, object_id, details, prev_hash, hash) SELECT %s, timestamp, actor_name,"
        " on_behalf_of_name, action, object_type, object_id, details, prev_hash, hash"
        " FROM courrier_journalevent WHERE seq = %s",
        [forged, journal[0].seq],
    )
    assert verify_journal().problems == [  # its copied mark was made for another number
        f"l'événement n° {forged} n'a pas été écrit par Bannette (sans marque d'origine valide) :"
        " inséré dans la base, refusé de la chaîne"
    ]


def test_deleting_the_last_links_is_detected(journal):
    raw_sql("DELETE FROM courrier_journallink WHERE position >= 4", [])
    problems = verify_journal().problems
    assert (
        "la tête du journal indique le maillon n° 5 mais la chaîne s'arrête au maillon n° 3"
        " (événements supprimés à la fin, ou tête modifiée)" in problems
    )


def test_the_orm_refuses_to_change_or_delete_events_and_links(journal):
    event = journal[0]
    event.action = "forged"
    with pytest.raises(JournalTampering):
        event.save()
    with pytest.raises(JournalTampering):
        event.delete()
    with pytest.raises(JournalTampering):
        JournalEvent.objects.filter(seq=event.seq).update(action="forged")
    with pytest.raises(JournalTampering):
        JournalEvent.objects.all().delete()
    link = JournalLink.objects.get(position=1)
    link.prev_hash = "f" * 64
    with pytest.raises(JournalTampering):
        link.save()
    with pytest.raises(JournalTampering):
        JournalLink.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE courrier_journalevent SET action = 'x'",
        "UPDATE courrier_journallink SET prev_hash = 'x'",
        "DELETE FROM courrier_journallink",
    ],
)
def test_postgresql_refuses_updates_below_the_orm(journal, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_record_event_requires_the_changes_transaction(clerk):
    with pytest.raises(RuntimeError, match="inside transaction"):
        record_event(action="x", actor=clerk, target=clerk)


def test_verify_journal_command_exits_non_zero_on_tampering(journal, capsys):
    call_command("verify_journal")
    assert "Journal intact : 5 événements vérifiés" in capsys.readouterr().out
    raw_sql(
        "UPDATE courrier_journalevent SET action = %s WHERE seq = %s", ["forged", journal[0].seq]
    )
    with pytest.raises(CommandError, match="ALTÉRÉ"):
        call_command("verify_journal")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_a_change_does_not_wait_for_another_ones_transaction_and_links_follow_commits(clerk):
    """The first writer records its event and keeps its transaction open; the second records,
    commits and is linked without waiting for it; the first is linked once it commits."""
    recorded, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                record_event(action="slow", actor=clerk, target=clerk)
                recorded.set()
                if not release.wait(timeout=60):
                    raise TimeoutError("the test never let the slow writer go")
        except BaseException as exc:  # reported to the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert recorded.wait(timeout=60)
    fast = threading.Thread(target=lambda: _record_and_close("fast", clerk))
    fast.start()
    fast.join(timeout=30)
    still_waiting = fast.is_alive()
    release.set()
    slow.join(timeout=60)
    fast.join(timeout=60)
    assert not still_waiting, "the second change waited for the first one's transaction"
    assert not errors
    chain_journal()
    order = list(JournalLink.objects.order_by("position").values_list("event__action", flat=True))
    assert order == ["fast", "slow"]  # commit order, though "slow" has the smaller number
    slow_seq, fast_seq = (JournalEvent.objects.get(action=a).seq for a in ("slow", "fast"))
    assert slow_seq < fast_seq
    assert verify_journal().intact


def _record_and_close(action: str, actor: object) -> None:
    try:
        with transaction.atomic():
            record_event(action=action, actor=actor, target=actor)  # type: ignore[arg-type]
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_writers_each_event_linked_once_without_gaps(clerk):
    writers, each = 8, 15
    start = threading.Barrier(writers)

    def writer(number: int) -> None:
        try:
            start.wait(timeout=60)
            for i in range(each):
                with transaction.atomic():
                    record_event(
                        action="concurrent",
                        actor=clerk,
                        target=clerk,
                        details={"w": number, "i": i},
                    )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    chain_journal()  # nothing left in practice: each commit was followed by a chaining run
    links = list(JournalLink.objects.order_by("position").values_list("position", "event_id"))
    assert [position for position, _ in links] == list(range(1, writers * each + 1))
    assert sorted(seq for _, seq in links) == sorted(
        JournalEvent.objects.filter(action="concurrent").values_list("seq", flat=True)
    )
    assert not JournalPending.objects.exists()
    report = verify_journal()
    assert report.intact and report.checked == writers * each, report.problems
