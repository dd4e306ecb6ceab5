"""Seals make the journal tamper-evident against whoever controls the database: a rewrite with
every later hash and the head recomputed, or the journal emptied and its head reset, is named.

The timestamp authority is the tests' RFC 3161 server on a loopback port (visa.tests.pki)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from courrier.chain import GENESIS_HASH, event_hash, link_hash
from courrier.models import JournalEvent, JournalHead, JournalLink, JournalSeal
from courrier.services.journal import verify_journal
from courrier.services.seals import seal_dir, seal_journal, write_copies
from courrier.tests.factories import make_mail
from visa.tests.pki import TimestampAuthority, make_pki

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="tampers below the ORM with PostgreSQL's SQL"
    ),
]


@pytest.fixture
def pki():
    return make_pki()


@pytest.fixture
def authority(settings, pki):
    with TimestampAuthority(pki) as tsa:
        settings.BANNETTE_TSA_URL = tsa.url
        yield tsa


@pytest.fixture
def sealed(clerk, authority):
    """Six events, sealed with a timestamp, the copy written; then two more, not yet sealed."""
    for i in range(3):
        make_mail(actor=clerk, subject=f"Courrier {i}")  # two events each: registered, indexed
    seal = seal_journal()
    write_copies()  # on commit in production; the test's transaction never commits
    make_mail(actor=clerk, subject="Après le sceau")
    return seal


JOURNAL_TABLES = (
    "courrier_journalevent",
    "courrier_journallink",
    "courrier_journalhead",
    "courrier_journalseal",
)


def sql(*statements: str, params: list | None = None) -> None:
    """Tamper as the table owner could: triggers off, raw SQL, triggers on."""
    with connection.cursor() as cursor:
        for table in JOURNAL_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for statement in statements:
            cursor.execute(statement, params or [])
        for table in JOURNAL_TABLES:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_a_seal_chains_timestamps_and_copies_the_events_since_the_last(sealed, settings):
    assert (sealed.number, sealed.first_seq, sealed.previous) == (1, 1, "0" * 64)
    assert (
        sealed.last_seq
        == sealed.events
        == JournalLink.objects.filter(position__lte=sealed.last_seq).count()
    )
    assert bytes(sealed.timestamp_token)  # the authority answered
    copy = json.loads((settings.BANNETTE_SEAL_DIR / "seal-00000001.json").read_text())
    assert copy["hash"] == sealed.hash and copy["timestamp_token"]
    second = seal_journal()
    assert (second.number, second.first_seq, second.previous) == (
        2,
        sealed.last_seq + 1,
        sealed.hash,
    )
    assert seal_journal() is None  # nothing new
    write_copies()
    report = verify_journal()
    assert report.intact and report.seals == 2, report.problems


def test_a_rewrite_with_every_later_hash_recomputed_is_named(sealed):
    victim = JournalLink.objects.get(position=2).event
    victim.details = {**victim.details, "subject": "réécrit"}
    victim.hash = event_hash(victim)
    sql(
        "UPDATE courrier_journalevent SET details = %s, hash = %s WHERE seq = %s",
        params=[json.dumps(victim.details), victim.hash, victim.seq],
    )
    previous = JournalLink.objects.get(position=1).hash
    for link in JournalLink.objects.filter(position__gte=2).select_related("event"):
        prev = previous  # the attacker recomputes every later link and the head
        previous = link_hash(link.position, link.event_id, link.event.hash, prev)
        sql(
            "UPDATE courrier_journallink SET prev_hash = %s, hash = %s WHERE position = %s",
            params=[prev, previous, link.position],
        )
    sql("UPDATE courrier_journalhead SET hash = %s", params=[previous])
    problems = verify_journal().problems
    assert problems == [
        f"événement n° {victim.seq} : sa marque d'origine manque ou est fausse (écrit ou"
        " réécrit dans la base, pas par Bannette)",
        f"les événements n° 1 à {sealed.last_seq} ne correspondent plus au sceau n° 1"
        " (réécrits après le scellement)",
    ]


def test_emptying_the_journal_and_its_seals_is_named_by_the_copies(sealed):
    sql(
        "DELETE FROM courrier_journalevent",
        "DELETE FROM courrier_journallink",
        "DELETE FROM courrier_journalseal",
    )
    sql("UPDATE courrier_journalhead SET seq = 0, hash = %s", params=[GENESIS_HASH])
    assert JournalHead.objects.get().seq == 0
    problems = verify_journal().problems
    assert problems == [
        f"le sceau n° 1 (événements n° 1 à {sealed.last_seq}) est dans {seal_dir()} "
        "mais pas dans la base de données (sceaux ou événements supprimés)"
    ]


def test_the_database_refuses_to_rewind_the_head_or_change_a_seal(sealed):
    for statement in (
        "UPDATE courrier_journalhead SET seq = 0",
        "DELETE FROM courrier_journalhead",
        "UPDATE courrier_journalseal SET merkle_root = 'x'",
        "DELETE FROM courrier_journalseal",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert JournalSeal.objects.count() == 1


def test_the_database_refuses_to_empty_the_journal(sealed):
    # Row triggers do not fire on TRUNCATE: a statement trigger guards each table. (The test
    # suite's own connections may empty tables between tests: that switch is off here.)
    for table in JOURNAL_TABLES:
        with (
            pytest.raises(DatabaseError, match="cannot be emptied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL bannette.allow_journal_truncate = 'off'")
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert JournalSeal.objects.count() == 1 and JournalEvent.objects.count() >= 4


def test_archivists_may_receive_each_seal_by_e_mail(
    clerk, archivist, authority, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.BANNETTE_SEAL_EMAIL_ARCHIVISTS = True
    archivist.email = "archives@villedieu.fr"
    archivist.save()
    make_mail(actor=clerk, subject="Courrier")
    with django_capture_on_commit_callbacks(execute=True):  # sent once the seal is committed
        seal = seal_journal()
        assert mailoutbox == []
    (message,) = mailoutbox
    assert message.to == ["archives@villedieu.fr"]
    assert "n° 1" in message.subject
    assert seal.merkle_root in message.body
    (_name, content, mime) = message.attachments[0]
    assert json.loads(content)["hash"] == seal.hash and mime == "application/json"


def test_the_seal_command_seals_on_demand(clerk, authority, capsys):
    make_mail(actor=clerk, subject="Courrier")
    call_command("seal_journal")
    assert "Seal #1: events #1..#" in capsys.readouterr().out
    call_command("seal_journal")
    assert "Nothing new to seal." in capsys.readouterr().out


def test_a_timestamp_is_checked_against_the_trusted_authorities(sealed, pki, settings, tmp_path):
    roots = tmp_path / "roots.pem"
    roots.write_bytes(pki.ca_pem)
    settings.BANNETTE_TRUST_ROOTS_FILE = str(roots)
    assert verify_journal().problems == []
    roots.write_bytes(make_pki().ca_pem)  # another organisation's CA
    assert verify_journal().problems == [
        "sceau n° 1 : son autorité d'horodatage ne fait pas partie des autorités de confiance"
    ]
