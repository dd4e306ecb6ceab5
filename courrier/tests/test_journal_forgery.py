"""Forgeries of the journal by someone who can write to the database but has not the journal
key: the documented least-privilege role inserting an event with its queue row, the tables'
owner rewriting an unsealed event with every later link and the head recomputed, or removing
the last events and links and moving the head back. Each is refused or named by number."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from django.db import connection

from courrier.chain import GENESIS_HASH, event_hash, link_hash
from courrier.journal_text import readable_events
from courrier.models import JournalEvent, JournalLink, JournalRefusal, Mail
from courrier.services.chaining import CHECKPOINT, chain_journal
from courrier.services.journal import verify_journal
from courrier.tests.factories import make_mail
from courrier.tests.test_journal import raw_sql

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="roles and triggers are PostgreSQL's"
)


@pytest.fixture
def journal(clerk, django_capture_on_commit_callbacks):
    """Five mails registered, their events linked as after each commit."""
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            make_mail(actor=clerk, subject=f"Courrier {i}")
    return list(JournalEvent.objects.order_by("seq"))


def forged_closing(mail: Mail, seq: int, like: JournalEvent) -> dict[str, Any]:
    """A back-dated "closed by m.bernard" event, its content hash computed as Bannette would."""
    event = JournalEvent(
        seq=seq,
        timestamp=like.timestamp,
        actor_id=None,
        actor_name="m.bernard",
        on_behalf_of_name="",
        action="mail.closed",
        object_type="courrier.mail",
        object_id=str(mail.pk),
        mail_id=mail.pk,
        details={"comment": "Réponse faite par téléphone"},
        prev_hash="",
    )
    event.hash = event_hash(event)
    return {
        "seq": seq,
        "timestamp": event.timestamp,
        "actor_name": event.actor_name,
        "on_behalf_of_name": "",
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "mail_id": mail.pk,
        "details": json.dumps(event.details),
        "prev_hash": "",
        "hash": event.hash,
        "mac": "0" * 64,  # without the key, a mark can only be guessed
    }


@ON_POSTGRESQL
def test_an_event_inserted_with_its_queue_row_by_the_insert_only_role_is_refused(journal):
    mail = Mail.objects.order_by("pk")[0]
    role = f"bannette_forger_{os.getpid()}"  # created and dropped with the test's transaction
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('courrier_journalpending', 'id'))")
        seq = cursor.fetchone()[0]
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(
            f"GRANT INSERT ON courrier_journalevent, courrier_journalpending TO {role};"
            f" GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"
        )
        cursor.execute(f"SET LOCAL ROLE {role}")
        row = forged_closing(mail, seq, journal[-1])
        columns = ", ".join(row)
        cursor.execute(
            f"INSERT INTO courrier_journalevent ({columns}, actor_id, on_behalf_of_id)"
            f" VALUES ({', '.join(['%s'] * len(row))}, NULL, NULL)",
            [*row.values()],
        )
        cursor.execute("INSERT INTO courrier_journalpending (id) VALUES (%s)", [seq])
        cursor.execute("RESET ROLE")

    assert chain_journal() == 0  # nothing of it is linked
    assert not JournalLink.objects.filter(event_id=seq).exists()
    assert list(JournalRefusal.objects.values_list("event_seq", flat=True)) == [seq]
    assert verify_journal().problems == [
        f"l'événement n° {seq} n'a pas été écrit par Bannette (sans marque d'origine valide) :"
        " inséré dans la base, refusé de la chaîne"
    ]
    history = readable_events(JournalEvent.objects.filter(mail=mail).order_by("seq"))
    assert [item.event.action for item in history] == ["mail.registered"]  # never shown


def rewrite(event: JournalEvent, **changes: object) -> None:
    """The owner's rewrite: the event changed, its hash, every later link and the head
    recomputed so that the chain itself is consistent again."""
    for name, value in changes.items():
        setattr(event, name, value)
    new_hash = event_hash(event)
    raw_sql(
        "UPDATE courrier_journalevent SET actor_name = %s, hash = %s WHERE seq = %s",
        [event.actor_name, new_hash, event.seq],
    )
    relink_from(1)


def relink_from(position: int) -> None:
    prev = GENESIS_HASH
    hashes = dict(JournalEvent.objects.values_list("seq", "hash"))
    for link in JournalLink.objects.order_by("position"):
        new = link_hash(link.position, link.event_id, hashes[link.event_id], prev)
        raw_sql(
            "UPDATE courrier_journallink SET prev_hash = %s, hash = %s WHERE position = %s",
            [prev, new, link.position],
        )
        prev = new
    raw_sql("UPDATE courrier_journalhead SET hash = %s WHERE id = 1", [prev])


def move_head(position: int) -> None:
    last = JournalLink.objects.get(position=position)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the head's trigger lets it only move forward
            cursor.execute("ALTER TABLE courrier_journalhead DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE courrier_journalhead SET seq = %s, hash = %s WHERE id = 1",
            [position, last.hash],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE courrier_journalhead ENABLE TRIGGER USER")


def test_an_unsealed_event_rewritten_with_its_link_and_the_head_recomputed_is_named(journal):
    before_head = JournalLink.objects.order_by("-position").first().hash
    rewrite(journal[2], actor_name="m.bernard")
    assert JournalLink.objects.order_by("-position").first().hash != before_head
    problems = verify_journal().problems
    assert problems[0] == (
        f"événement n° {journal[2].seq} : sa marque d'origine manque ou est fausse (écrit ou"
        " réécrit dans la base, pas par Bannette)"
    )


def test_the_last_events_removed_and_the_head_moved_back_are_named(journal):
    raw_sql("DELETE FROM courrier_journallink WHERE position >= 4", [])
    raw_sql("DELETE FROM courrier_journalevent WHERE seq >= %s", [journal[3].seq])
    move_head(3)
    assert verify_journal().problems == [
        "la chaîne s'arrête au maillon n° 3 mais avait atteint le maillon n° 5"
        " (maillons et événements supprimés à la fin)"
    ]


def test_the_whole_chain_rebuilt_after_a_removal_is_named_by_its_reach(journal, settings):
    # the owner removes event 3 and relinks everything after it: fewer links than reached
    raw_sql("DELETE FROM courrier_journallink WHERE position >= 3", [])
    raw_sql("DELETE FROM courrier_journalevent WHERE seq = %s", [journal[2].seq])
    move_head(2)
    for position, event in enumerate(journal[3:], start=3):
        prev = JournalLink.objects.get(position=position - 1).hash
        new = link_hash(position, event.seq, event.hash, prev)
        raw_sql(
            "INSERT INTO courrier_journallink (position, event_seq, prev_hash, hash)"
            " VALUES (%s, %s, %s, %s)",
            [position, event.seq, prev, new],
        )
    relink_from(1)
    move_head(4)
    problems = verify_journal().problems
    assert "la chaîne s'arrête au maillon n° 4 mais avait atteint le maillon n° 5" in problems[0]


def test_the_reach_outside_the_database_cannot_be_edited_either(journal, settings):
    path = settings.BANNETTE_SEAL_DIR / CHECKPOINT
    reach = json.loads(path.read_text())
    assert reach["position"] == 5
    path.write_text(json.dumps({**reach, "position": 3}))
    assert verify_journal().problems == [
        f"la portée du journal hors de la base ({CHECKPOINT}) a été modifiée"
    ]


def test_events_written_by_bannette_carry_a_mark_and_verify(journal):
    assert all(len(event.mac) == 64 for event in journal)
    report = verify_journal()
    assert report.intact and report.checked == 5
    assert not JournalRefusal.objects.exists()
