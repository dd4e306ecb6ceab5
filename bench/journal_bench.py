"""Journal export benchmark: export N journal events (sealed every --seal-every events, each seal
timestamped by a local RFC 3161 authority) as the archivists' package, then run its standalone
verifier on it.

    ./dev bench-journal --events 1000000      (PostgreSQL when DATABASE_URL points to it)

Prints the export's time, peak memory and size, and the verifier's time, each beside a baseline
run in the same process: one plain read of the same events from the database (the least any
export must do). Prints also what one seal of --seal-every events costs (the hourly seal of a
busy organisation: link what waits, read the hashes, Merkle root, timestamp, copy), beside a
plain read of the same events' hashes. Uses its own database (test_bannette_journal on PostgreSQL, or SQLite in
memory); nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BANNETTE_DATA_DIR", tempfile.mkdtemp(prefix="bannette-journal-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("BANNETTE_LOG_LEVEL", "WARNING")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seal-every", type=int, default=10_000, help="events per seal")
    parser.add_argument("--keep", action="store_true", help="reuse the events of a former run")
    return parser.parse_args()


ARGS = parse_args()

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test.utils import setup_databases
from django.utils import timezone

SEAL_TIMES: list[tuple[float, float]] = []  # (seal, baseline: its events' hashes read)


def timed_seal() -> None:
    from courrier.models import JournalLink
    from courrier.services.seals import seal_journal

    started = time.perf_counter()
    seal = seal_journal()
    sealed = time.perf_counter() - started
    assert seal is not None
    started = time.perf_counter()
    hashes = JournalLink.objects.filter(position__gte=seal.first_seq, position__lte=seal.last_seq)
    read = len(list(hashes.values_list("event__hash", flat=True)))
    assert read == seal.events
    SEAL_TIMES.append((sealed, time.perf_counter() - started))


def generate(count: int) -> None:
    """Events and their links as record_event and chain_journal write them, sealed every
    --seal-every."""
    from organisation_year import Chain

    actions = ["mail.registered", "mail.redirected", "mail.assigned", "note.added", "mail.closed"]
    chain = Chain()
    start = timezone.now() - datetime.timedelta(days=365)
    step = datetime.timedelta(days=365) / max(count, 1)
    started = time.perf_counter()
    made = 0
    while made < count:
        size = min(ARGS.seal_every, count - made)
        for i in range(size):
            seq = made + i + 1
            chain.add(
                action=actions[seq % len(actions)],
                when=start + step * seq,
                actor=None,
                mail=seq // 6 + 1,
                details={"to": "VOIR", "comment": f"Événement n° {seq} du banc d'essai"},
            )
        chain.flush()
        made += size
        timed_seal()
        rate = made / (time.perf_counter() - started)
        print(f"\rgenerated and sealed {made}/{count} ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)


def main() -> None:
    with contextlib.ExitStack() as stack:
        run(stack)


def run(stack: contextlib.ExitStack) -> None:
    from courrier.models import JournalEvent
    from visa.tests.pki import TimestampAuthority, make_pki

    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    assert isinstance(test_settings, dict)
    if connection.vendor == "postgresql":
        test_settings["NAME"] = "test_bannette_journal"
    setup_databases(verbosity=0, interactive=False, keepdb=ARGS.keep, serialized_aliases=set())
    pki = make_pki()
    roots = Path(settings.DATA_DIR) / "roots.pem"
    roots.write_bytes(pki.ca_pem)
    settings.BANNETTE_TRUST_ROOTS_FILE = str(roots)
    # the authority answers the whole run: each export seals what was written before it
    tsa = stack.enter_context(TimestampAuthority(pki))
    settings.BANNETTE_TSA_URL = tsa.url
    if not JournalEvent.objects.exists():
        generate(ARGS.events)
    from archives.services import export_journal

    total = JournalEvent.objects.count()
    print(f"\n{connection.vendor}, {total:,} events, {os.cpu_count()} cores")

    started = time.perf_counter()
    read = 0
    for _row in JournalEvent.objects.order_by("seq").values_list("seq", "details").iterator(5000):
        read += 1
    baseline = time.perf_counter() - started

    output = Path(settings.DATA_DIR) / "journal.zip"
    output.unlink(missing_ok=True)
    started = time.perf_counter()
    summary = export_journal(output, actor=None)
    exported = time.perf_counter() - started
    tracemalloc.start()  # a second run for the memory: tracing slows Python down
    export_journal(Path(settings.DATA_DIR) / "traced.zip", actor=None)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            str(ROOT / "archives" / "verifier" / "verify.py"),
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    verified = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"baseline: read {read:,} events from the database   {baseline:8.1f} s   1")
    print(
        f"export: {summary.events:,} events, {summary.seals} seals     {exported:8.1f} s"
        f"   {exported / baseline:.1f} x baseline"
    )
    print(
        f"  package size {summary.size / 1_000_000:,.1f} MB, Python peak {peak / 1_000_000:.1f} MB"
    )
    print(
        f"verify.py (exit {result.returncode})                 {verified:8.1f} s"
        f"   {verified / baseline:.1f} x baseline, peak {children:.0f} MB"
    )
    print(result.stdout.strip().splitlines()[-1] if result.stdout else result.stderr[-500:])
    if SEAL_TIMES:
        seal, hashes = (statistics.median(values) for values in zip(*SEAL_TIMES, strict=True))
        print(
            f"one seal of {ARGS.seal_every:,} events (median of {len(SEAL_TIMES)}):"
            f" {seal * 1000:,.0f} ms; reading their hashes alone {hashes * 1000:,.0f} ms"
            f" ({seal / hashes:.1f} x)"
        )


if __name__ == "__main__":
    main()
