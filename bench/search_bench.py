"""Search benchmark: index N synthetic French mails, then time a fixed mix of queries.

    ./dev bench-search --backend whoosh --mails 100000
    ./dev bench-search --backend postgres --mails 1000000   (needs DATABASE_URL to PostgreSQL)

Prints indexing throughput, p50/p95 query latency per query kind (as an agent, perimeter
applied) and index size. Uses its own database (SQLite file, or test_bannette_bench on
PostgreSQL) and index directory; nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BANNETTE_DATA_DIR", tempfile.mkdtemp(prefix="bannette-search-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("BANNETTE_LOG_LEVEL", "WARNING")

ENTITIES = ["VOIR", "URBA", "FIN", "ETCIV", "VASSO", "CAB", "DGS", "ST"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument("--mails", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40, help="runs of each query kind")
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the mails and index in DIR (and the "
        "PostgreSQL test_bannette_bench database); a later run with the same "
        "--mails reuses them and only times the queries",
    )
    return parser.parse_args()


ARGS = parse_args()
if ARGS.keep:
    os.environ["BANNETTE_DATA_DIR"] = str(Path(ARGS.keep).resolve())
os.environ["BANNETTE_SEARCH_BACKEND"] = ARGS.backend
if ARGS.backend == "whoosh":
    os.environ.pop("DATABASE_URL", None)

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import setup_databases, teardown_databases
from organisation_year import MAIL_ROOM_WORDS as WORDS
from organisation_year import SUBJECTS, build_search_index, vocabulary

from indexing.query import SearchQuery

VOCABULARY: tuple[list[str], list[float]] = ([], [])


def sentence(rng: random.Random, words: int) -> str:
    if not VOCABULARY[0]:
        words_list, cumulative = vocabulary(random.Random(1))
        VOCABULARY[0].extend(words_list)
        VOCABULARY[1].extend(cumulative)
    return (
        " ".join(rng.choices(VOCABULARY[0], cum_weights=VOCABULARY[1], k=words)).capitalize() + "."
    )


def generate(count: int) -> None:
    from django.contrib.auth.models import Group

    from courrier.models import Category, Entity, Mail, MailStatus, Role, User

    entities = {
        code: Entity.objects.get_or_create(code=code, defaults={"label": code})[0]
        for code in ENTITIES
    }
    agent = User.objects.create(username="bench-agent", primary_entity=entities["VOIR"])
    agent.groups.add(*Group.objects.filter(name=Role.AGENT))
    rng = random.Random(42)
    start_day = datetime.date(2023, 1, 1)
    made = 0
    while made < count:
        size = min(ARGS.batch, count - made)
        Mail.objects.bulk_create(
            [
                Mail(
                    category=Category.INCOMING,
                    chrono_number=f"VDL/{2023 + (made + i) // 400_000}/A/{made + i + 1:07d}",
                    subject=f"{rng.choice(SUBJECTS)} {sentence(rng, 3)}",
                    status=MailStatus.IN_PROGRESS,
                    destination_entity=entities[rng.choice(ENTITIES)],
                    arrival_date=start_day + datetime.timedelta(days=rng.randrange(1095)),
                    text="\n".join(
                        sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(5, 15))
                    ),
                )
                for i in range(size)
            ],
            batch_size=size,
        )
        made += size
        print(f"\rgenerated {made}/{count}", end="", file=sys.stderr)
    print(file=sys.stderr)


def index_all() -> float:
    from indexing import postgres_backend
    from indexing.services import rebuild

    start = time.perf_counter()
    if ARGS.backend == "postgres":
        postgres_backend.clear()
        build_search_index()  # the bulk path: the same weights as _vector(), in SQL
    else:
        done = [0]

        def progress(n: int) -> None:
            done[0] += n
            print(f"\rindexed {done[0]}/{ARGS.mails}", end="", file=sys.stderr)

        rebuild(progress=progress, batch=ARGS.batch)
        print(file=sys.stderr)
    return time.perf_counter() - start


def index_size() -> int:
    if ARGS.backend == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size('indexing_mailsearchentry')")
            return int(cursor.fetchone()[0])
    return sum(p.stat().st_size for p in Path(settings.BANNETTE_INDEX_DIR).glob("*"))


def build_fts5() -> float:
    """The baseline an embedded C engine gives: SQLite FTS5 over the same subjects and texts
    (accents folded; FTS5 has no French stemmer)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_fts")
        cursor.execute(
            "CREATE VIRTUAL TABLE bench_fts USING fts5(subject, text, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        cursor.execute(
            "INSERT INTO bench_fts (rowid, subject, text) SELECT id, subject, text FROM courrier_mail"
        )
    return time.perf_counter() - started


def fts5_search(
    query: SearchQuery, entity_ids: list[int], page_size: int = 20
) -> tuple[int, list[int]]:
    """The same question in FTS5: every match inside the perimeter counted, the best page."""
    text = query.text  # "a phrase" is FTS5's syntax too
    where = [f"m.destination_entity_id IN ({','.join('%s' for _ in entity_ids)})"]
    params: list[str | int] = [text, *entity_ids]
    if query.entity:
        where.append("m.destination_entity_id = (SELECT id FROM courrier_entity WHERE code = %s)")
        params.append(query.entity)
    if query.arrival_from and query.arrival_to:
        where += ["m.arrival_date >= %s", "m.arrival_date <= %s"]
        params += [query.arrival_from.isoformat(), query.arrival_to.isoformat()]
    sql = (
        "FROM bench_fts JOIN courrier_mail m ON m.id = bench_fts.rowid "
        f"WHERE bench_fts MATCH %s AND {' AND '.join(where)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {sql}", params)
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT m.id {sql} ORDER BY bm25(bench_fts, 3.0, 1.0) LIMIT {page_size}", params
        )
        return total, [row[0] for row in cursor.fetchall()]


def time_queries() -> dict[str, list[float]]:
    from courrier.models import Mail, User
    from courrier.selectors import perimeter_of
    from indexing.query import SearchQuery
    from indexing.services import search

    agent = User.objects.get(username="bench-agent")
    fts5 = connection.vendor == "sqlite"
    if fts5:
        print(f"FTS5 baseline table built in {build_fts5():.1f} s")
        entity_ids = sorted(perimeter_of(agent).direct_entities)
    chronos = list(
        Mail.objects.order_by("?").values_list("chrono_number", flat=True)[: ARGS.queries]
    )
    rng = random.Random(7)
    kinds = {
        "single word": lambda i: SearchQuery(text=rng.choice(WORDS)),
        "phrase": lambda i: SearchQuery(text='"éclairage public"'),
        "word + dates + entity": lambda i: SearchQuery(
            text=rng.choice(WORDS),
            entity="VOIR",
            arrival_from=datetime.date(2024, 1, 1),
            arrival_to=datetime.date(2024, 6, 30),
        ),
        "chrono lookup": lambda i: SearchQuery(chrono=chronos[i % len(chronos)]),
    }
    timings: dict[str, list[float]] = {}
    for name, make in kinds.items():
        search(agent, make(0), page_size=20)  # warm caches once
        runs, baseline = [], []
        for i in range(ARGS.queries):  # interleaved: the engine, then FTS5, on the same query
            query = make(i)
            start = time.perf_counter()
            search(agent, query, page_size=20)
            runs.append(time.perf_counter() - start)
            if fts5 and query.text:
                start = time.perf_counter()
                fts5_search(query, entity_ids)
                baseline.append(time.perf_counter() - start)
        timings[name] = runs
        if baseline:
            timings[f"{name} (FTS5 baseline)"] = baseline
    return timings


def main() -> None:
    if ARGS.backend == "postgres" and connection.vendor != "postgresql":
        raise SystemExit("the postgres backend needs DATABASE_URL=postgres://...")
    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    assert isinstance(test_settings, dict)
    if connection.vendor == "postgresql":
        test_settings["NAME"] = "test_bannette_bench"
    elif ARGS.keep:  # otherwise SQLite benches run in memory
        test_settings["NAME"] = str(Path(ARGS.keep).resolve() / "bench.sqlite3")
    keep = bool(ARGS.keep)
    ready = Path(settings.DATA_DIR) / f"bench-ready-{ARGS.backend}-{ARGS.mails}"
    old = setup_databases(verbosity=0, interactive=False, keepdb=keep, serialized_aliases=set())
    try:
        print(f"\nbackend: {ARGS.backend}, {ARGS.mails} mails, {os.cpu_count()} cores")
        if keep and ready.exists():
            print(f"reusing the mails and index kept in {ARGS.keep}: {ready.read_text()}")
        else:
            if keep:  # a run that stopped half-way left something behind
                call_command("flush", interactive=False, verbosity=0)
            started = time.perf_counter()
            generate(ARGS.mails)
            print(
                f"generated {ARGS.mails} mails in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
            elapsed = index_all()
            figures = (
                f"indexing: {elapsed:.1f} s = {ARGS.mails / elapsed:,.0f} mails/s; "
                f"index size {index_size() / 2**20:,.0f} MiB"
            )
            print(figures)
            if keep:
                ready.write_text(figures)
        goal = 100 if ARGS.backend == "whoosh" else 150
        print(
            f"{'query (agent, perimeter applied)':<34} {'p50 ms':>8} {'p95 ms':>8}"
            f"   (goal p95 < {goal} ms)"
        )
        timings = time_queries()
        for name, runs in timings.items():
            runs.sort()
            p95 = runs[min(len(runs) - 1, int(len(runs) * 0.95))]
            line = f"{name:<34} {statistics.median(runs) * 1000:8.1f} {p95 * 1000:8.1f}"
            baseline = sorted(timings.get(f"{name} (FTS5 baseline)", []))
            if baseline:
                base95 = baseline[min(len(baseline) - 1, int(len(baseline) * 0.95))]
                line += f"   {p95 / base95:5.1f}x FTS5's p95"
            print(line)
    finally:
        teardown_databases(old, verbosity=0, keepdb=keep)


if __name__ == "__main__":
    main()
