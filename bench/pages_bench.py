"""Pages benchmark: home, every basket page and a mail page at volume, as a clerk, an agent and
a manager, beside the hand-written SQL floor of each basket in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ./dev bench-pages --mails 1000000 --keep

Generates a real organisation's years of mail (bench/organisation_year.py) in its own database
(test_bannette_pages on PostgreSQL; `--keep` keeps it for the next run with the same --mails),
then times each page through Django's test client (the whole view, templates included), rounds
interleaved, and prints p50/p95 per page with the number of SQL queries and, for basket pages,
p95 / the floor (the basket's count and page of ids by hand-written SQL). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BANNETTE_DATA_DIR", tempfile.mkdtemp(prefix="bannette-pages-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("BANNETTE_LOG_LEVEL", "WARNING")
if "--search" in sys.argv:
    os.environ["BANNETTE_SEARCH_BACKEND"] = "postgres"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30, help="rounds of every page")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--only", default="", help="time only the pages whose name contains this")
    parser.add_argument(
        "--search",
        action="store_true",
        help="also time the search page (PostgreSQL full text; indexes the mail first if needed)",
    )
    return parser.parse_args()


ARGS = parse_args()

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_databases, setup_test_environment
from django.urls import reverse
from django.utils import timezone
from organisation_year import build_search_index, generate
from timing import p95
from tqdm import tqdm

from courrier.basket_lists import SORTS
from courrier.baskets import basket_mails, baskets_for
from courrier.models import Mail, User

PAGE_SIZE = 25


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    assert isinstance(test_settings, dict)
    test_settings["NAME"] = (
        f"test_bannette_pages_{ARGS.mails}"
        if connection.vendor == "postgresql"
        else str(Path(settings.DATA_DIR) / f"pages-{ARGS.mails}.sqlite3")
    )
    setup_databases(verbosity=0, interactive=False, keepdb=ARGS.keep, serialized_aliases=set())
    if not Mail.objects.exists():
        started = time.perf_counter()
        with tqdm(total=ARGS.mails, unit=" mails", desc="generating") as bar:
            generate(ARGS.mails, progress=bar.update)
        print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if ARGS.search:
        _index_for_search()
    personas = _personas()
    pages: dict[str, Callable[[], None]] = {}
    floors: dict[str, Callable[[], object]] = {}
    for role, user in personas.items():
        client = Client()
        client.force_login(user)
        pages[f"{role} home"] = _get(client, reverse("home"))
        for basket in baskets_for(user):
            mails = basket_mails(basket, user)
            count = mails.count()
            last_page = max(1, min(50, -(-count // PAGE_SIZE)))
            url = reverse("basket", args=[basket.code])
            for sort in SORTS if basket.code in ("entity_mail", "copies") else ("-arrival",):
                for number in sorted({1, last_page}):
                    query = f"?sort={sort}&per_page={PAGE_SIZE}&page={number}"
                    name = f"{role} {basket.code} ({count:,}) {sort} p{number}"
                    pages[name] = _get(client, url + query)
                    floors[name] = _floor(mails, sort, number)
        mail = visible_mail(user)
        pages[f"{role} mail page"] = _get(client, reverse("mail_detail", args=[mail]))
        if ARGS.search:
            for kind, query in _searches(user).items():
                pages[f"{role} search: {kind}"] = _get(client, f"{reverse('search')}?{query}")
                floors[f"{role} search: {kind}"] = _search_floor(query)
    if ARGS.only:
        pages = {k: v for k, v in pages.items() if ARGS.only in k}
    _report(pages, floors)


def _personas() -> dict[str, User]:
    """The clerk, an agent of the busiest unit, and the director above it."""
    busiest = (
        Mail.objects.exclude(destination_entity=None)
        .values("destination_entity")
        .order_by()
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n")
        .values_list("destination_entity", flat=True)
        .first()
    )
    agent = User.objects.filter(primary_entity_id=busiest).order_by("pk").first()
    assert agent is not None and agent.primary_entity is not None
    service = agent.primary_entity.parent
    assert service is not None and service.parent_id is not None
    manager = User.objects.filter(primary_entity_id=service.parent_id).get()
    return {"clerk": User.objects.get(username="bench-clerk"), "agent": agent, "manager": manager}


def visible_mail(user: User) -> int:
    from courrier.selectors import visible_mails

    pk = visible_mails(user).order_by("-arrival_date").values_list("pk", flat=True).first()
    assert pk is not None
    return pk


def _index_for_search() -> None:
    """The weighted tsvector of every mail, in SQL (the weights of postgres_backend._vector)."""
    from indexing.models import MailSearchEntry

    if MailSearchEntry.objects.exists():
        return
    started = time.perf_counter()
    build_search_index()
    print(f"search index built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _searches(user: User) -> dict[str, str]:
    """A common word, a phrase, and a word with an entity and three months of arrivals."""
    from urllib.parse import urlencode

    from courrier.selectors import visible_mails

    entity = (
        visible_mails(user)
        .exclude(destination_entity=None)
        .values_list("destination_entity__code", flat=True)
        .first()
    )
    today = timezone.localdate()
    return {
        "word": urlencode({"text": "demande"}),
        "phrase": urlencode({"text": '"éclairage public"'}),
        "word + entity + dates": urlencode(
            {
                "text": "travaux",
                "entity": entity or "",
                "arrival_from": (today - datetime.timedelta(days=90)).isoformat(),
                "arrival_to": today.isoformat(),
            }
        ),
    }


def _search_floor(query: str) -> Callable[[], object]:
    """PostgreSQL alone: the matches counted up to 1,001, without any perimeter."""
    from urllib.parse import parse_qs

    text = parse_qs(query)["text"][0]

    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM indexing_mailsearchentry WHERE vector @@ "
                "websearch_to_tsquery('bannette_fr', %s) LIMIT 1001) AS hits",
                [text],
            )
            return cursor.fetchone()

    return run


def _get(client: Client, url: str) -> Callable[[], None]:
    def request() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: unexpected answer {response.status_code}")

    return request


def _queries(page: Callable[[], None]) -> int:
    with CaptureQueriesContext(connection) as captured:
        page()
    return len(captured)


def _floor(mails: django.db.models.QuerySet[Mail], sort: str, number: int) -> Callable[[], object]:
    """The basket's count and its page of ids, by the ORM's own SQL, run straight on the cursor."""
    count_sql, count_params = mails.values("pk").query.sql_with_params()
    ids = mails.order_by(*(s for s in SORTS[sort] if "priority" not in s)).values_list("pk")
    page_sql, page_params = ids[
        (number - 1) * PAGE_SIZE : number * PAGE_SIZE
    ].query.sql_with_params()

    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({count_sql}) AS basket", count_params)
            cursor.execute(page_sql, page_params)
            return cursor.fetchall()

    return run


def _report(pages: dict[str, Callable[[], None]], floors: dict[str, Callable[[], object]]) -> None:
    queries = {name: _queries(page) for name, page in pages.items()}  # warms the caches too
    for floor in floors.values():
        floor()
    durations: dict[str, list[float]] = {name: [] for name in pages}
    floor_durations: dict[str, list[float]] = {name: [] for name in floors}
    for _round in tqdm(range(ARGS.runs), desc="timing", unit=" rounds"):
        for name, page in pages.items():
            start = time.perf_counter()
            page()
            durations[name].append(time.perf_counter() - start)
            if name in floors:
                start = time.perf_counter()
                floors[name]()
                floor_durations[name].append(time.perf_counter() - start)
    print(
        f"\n{connection.vendor}, {Mail.objects.count():,} mails; {ARGS.runs} rounds, "
        f"{os.cpu_count()} cores; goal p95 < 50 ms"
    )
    print(f"{'page':58} {'SQL':>4} {'p50 ms':>8} {'p95 ms':>8} {'floor p95':>10} {'ratio':>6}")
    for name, values in durations.items():
        floor_p95 = f"{p95(floor_durations[name]) * 1000:10.1f}" if name in floors else " " * 10
        ratio = f"{p95(values) / p95(floor_durations[name]):6.1f}" if name in floors else " " * 6
        print(
            f"{name:58} {queries[name]:4} {statistics.median(values) * 1000:8.1f} "
            f"{p95(values) * 1000:8.1f} {floor_p95} {ratio}"
        )


if __name__ == "__main__":
    main()
