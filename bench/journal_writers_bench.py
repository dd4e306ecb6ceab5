"""Journal append throughput: N concurrent writers on PostgreSQL, each appending events in its
own transactions, beside a baseline of the same writers inserting the same rows unchained.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ./dev bench-journal-writers --writers 16

Each change in Bannette appends its journal event inside its own transaction. Three ways are
timed with the same writers and transaction shape:
- "Bannette": record_event as the app runs it; the event is numbered without a lock and linked
  into the chain after its commit (courrier.services.chaining), batched by whichever process
  finds the head free;
- "locked head": the design before migration courrier 0022, rebuilt here with a head row of
  its own: the append locks it until the transaction commits, so every change in the
  organisation waits for the one before it (the same event is then appended as above);
- "no link": Bannette's append with no link written after the commit, what writing the event
  itself costs (Python and the ORM, on the same cores as the writers and PostgreSQL);
- the baseline: an unchained insert of a row of the same size.
`--work` adds that much time spent in the transaction after the append (pg_sleep), as the rest
of a change would. Prints events/s and the ratios to the baseline, then checks that every event
the Bannette writers committed has exactly one link and that the journal verifies. Uses its own
database (test_bannette_writers).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BANNETTE_DATA_DIR", tempfile.mkdtemp(prefix="bannette-writers-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("BANNETTE_LOG_LEVEL", "WARNING")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--work", type=float, nargs="*", default=[0, 2], help="ms of work after the append"
    )
    return parser.parse_args()


ARGS = parse_args()

import django

django.setup()

from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import setup_databases

PAYLOAD = "x" * 300  # about a journal event's details, names and two hashes


def _writer(
    append: Callable[[], None], work_ms: float, start: Barrier, until: float, results: Queue[int]
) -> None:
    """One writer process: transactions that append an event, until the deadline."""
    done = 0
    start.wait()
    while time.monotonic() < until:
        with transaction.atomic():
            append()
            if work_ms:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_sleep(%s)", [work_ms / 1000])
        done += 1
    connections.close_all()
    results.put(done)


def _rate(append: Callable[[], None], work_ms: float) -> float:
    """Events committed per second by ARGS.writers processes (no GIL shared between them)."""
    connections.close_all()  # each forked writer opens its own connection
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(ARGS.writers + 1), context.Queue()
    until = time.monotonic() + float(ARGS.seconds) + 2  # the writers start within 2 s
    writers = [
        context.Process(target=_writer, args=(append, work_ms, start, until, results))
        for _ in range(ARGS.writers)
    ]
    for process in writers:
        process.start()
    start.wait()
    began = time.monotonic()
    total = sum(int(results.get()) for _ in writers)
    for process in writers:
        process.join()
    return total / (until - began)


def chained() -> None:
    from courrier.services.journal import record_event

    record_event(action="mail.read", actor=None, target=None, details={"p": PAYLOAD})


def locked_head() -> None:
    """The append as it was before: a head row locked from the append until the commit (here
    a table of the benchmark's own, moved forward like the old head), then the same event."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM bench_locked_head WHERE id = 1 FOR UPDATE")
        cursor.execute("UPDATE bench_locked_head SET seq = seq + 1 WHERE id = 1")
    chained()


def not_linked() -> None:
    """The same append with no link written after the commit: what the event alone costs (the
    events are linked once the measure is over)."""
    from courrier.services import chaining

    chaining._chain_after_commit = _leave_for_later  # in this forked writer only
    chained()


def _leave_for_later() -> None:
    pass


def unchained() -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_plain_event (payload) VALUES (%s)", [PAYLOAD])


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("this benchmark needs DATABASE_URL=postgres://...")
    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    assert isinstance(test_settings, dict)
    test_settings["NAME"] = "test_bannette_writers"
    setup_databases(verbosity=0, interactive=False, keepdb=False, serialized_aliases=set())
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_plain_event (id bigserial PRIMARY KEY, at timestamptz "
            "DEFAULT now(), payload text)"
        )
        cursor.execute(
            "CREATE TABLE bench_locked_head (id int PRIMARY KEY, seq bigint, hash varchar(64))"
        )
        cursor.execute("INSERT INTO bench_locked_head VALUES (1, 0, %s)", ["0" * 64])
    print(
        f"\n{ARGS.writers} writer processes, {ARGS.seconds:.0f} s each measure, {os.cpu_count()} cores, "
        "PostgreSQL"
    )
    print(
        f"{'work after the append':24} {'Bannette ev/s':>14} {'locked head ev/s':>17}"
        f" {'no link ev/s':>13} {'baseline ev/s':>14} {'Bannette/base':>14} {'locked/base':>12}"
        f" {'no link/base':>13}"
    )
    for work in ARGS.work:
        base = _rate(unchained, work)
        locked = _rate(locked_head, work)
        chain = _rate(chained, work)
        alone = _rate(not_linked, work)
        print(
            f"{work:>21.1f} ms {chain:14,.0f} {locked:17,.0f} {alone:13,.0f} {base:14,.0f}"
            f" {chain / base:14.2f} {locked / base:12.2f} {alone / base:13.2f}"
        )
    _check_the_chain()


def _check_the_chain() -> None:
    """Every event the writers committed is linked once, in a chain that verifies."""
    from courrier.models import JournalEvent, JournalLink, JournalPending
    from courrier.services.chaining import chain_journal
    from courrier.services.journal import verify_journal

    left = JournalPending.objects.count()
    chain_journal()
    report = verify_journal()
    events, links = JournalEvent.objects.count(), JournalLink.objects.count()
    print(
        f"\nchain: {events:,} events committed, {links:,} links ({left:,} linked after the"
        " measures: the 'no link' runs' and any in flight at the deadline); verification:"
        f" {'intact' if report.intact else report.problems[:3]}"
    )


if __name__ == "__main__":
    main()
