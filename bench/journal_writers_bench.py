"""Journal append throughput: N concurrent writers on PostgreSQL, each appending events in its
own transactions, beside a baseline of the same writers inserting the same rows unchained.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ./dev bench-journal-writers --writers 16

Each change in Bannette appends its journal event inside its own transaction, and the append
locks the chain's head row until that transaction commits. So the rest of the transaction (the
change itself, PostgreSQL's search index, subscribers) is serialised across the organisation.
`--work` adds that much time spent in the transaction after the append (pg_sleep), as the rest
of a change would. Prints events/s for the chained append and for the baseline (an unchained
insert of a row of the same size, same transaction shape), and their ratio. Uses its own
database (test_bannette_writers); nothing is asserted.
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
    print(
        f"\n{ARGS.writers} writer processes, {ARGS.seconds:.0f} s each measure, {os.cpu_count()} cores, "
        "PostgreSQL"
    )
    print(f"{'work after the append':24} {'chained ev/s':>13} {'baseline ev/s':>14} {'ratio':>6}")
    for work in ARGS.work:
        base = _rate(unchained, work)
        chain = _rate(chained, work)
        print(f"{work:>18.1f} ms {chain:13,.0f} {base:14,.0f} {chain / base:6.2f}")


if __name__ == "__main__":
    main()
