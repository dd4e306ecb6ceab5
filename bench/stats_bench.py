"""Statistics benchmark: the dashboard, the tables, a drill-down, an export and the monthly
report, timed as their users open them, over generated mail or over the lived-in demo.

    ./dev bench-stats --mails 1000000     (PostgreSQL when DATABASE_URL points to it)
    ./dev bench-stats --demo              (the demo town hall and its year of mail)

Prints p50/p95 per page (through Django's test client: middleware, queries, templates, SVG),
each also as a ratio to a baseline timed in the same process: one indexed count of the
month's arrivals, the least any dashboard must do. Uses its own database (test_bannette_stats
on PostgreSQL, or SQLite in memory); nothing is asserted.
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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BANNETTE_DATA_DIR", tempfile.mkdtemp(prefix="bannette-stats-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("BANNETTE_LOG_LEVEL", "WARNING")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=100_000, help="generated mails")
    parser.add_argument("--demo", action="store_true", help="the lived-in demo instead")
    parser.add_argument("--runs", type=int, default=20, help="runs of each page")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database; a later run reuses its mails"
    )
    return parser.parse_args()


ARGS = parse_args()

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, setup_test_environment
from django.urls import reverse
from django.utils import timezone
from timing import p95

# The generated organisation: a town hall's tree of services.
TREE = {
    "MAIRIE": None,
    "DGS": "MAIRIE",
    "CAB": "MAIRIE",
    "ST": "DGS",
    "VOIR": "ST",
    "ESPV": "ST",
    "BAT": "ST",
    "URBA": "DGS",
    "FIN": "DGS",
    "ETCIV": "DGS",
    "VASSO": "DGS",
    "RH": "DGS",
}
# code, delay in days, working days?, implicit decision
TYPES = [
    ("reclamation", 30, False, ""),
    ("signalement", 8, True, ""),
    ("acte", 10, True, ""),
    ("subvention", 60, False, ""),
    ("occupation", 30, False, "sva"),
    ("rapo", 60, False, "svr"),
    ("facture", 30, False, ""),
]


def generate(count: int) -> None:
    from courrier.models import (
        Category,
        Channel,
        DelayUnit,
        DocumentType,
        Entity,
        Mail,
        MailStatus,
        ProcessingMode,
    )

    entities: dict[str, Entity] = {}
    for code, parent in TREE.items():
        entities[code] = Entity.objects.create(
            code=code, label=f"Service {code}", parent=entities.get(parent or "")
        )
    types = [
        DocumentType.objects.create(
            code=code,
            label=code.capitalize(),
            delay_days=delay,
            delay_unit=DelayUnit.WORKING_DAYS if working else DelayUnit.CALENDAR_DAYS,
            processing_mode=mode or ProcessingMode.NORMAL,
        )
        for code, delay, working, mode in TYPES
    ]
    rng = random.Random(42)
    today = timezone.localdate()
    first = today - datetime.timedelta(days=4 * 365)
    codes = list(entities)[3:]
    open_statuses = [MailStatus.IN_PROGRESS, MailStatus.TO_VISA, MailStatus.TO_SIGN]
    categories = [Category.INCOMING] * 85 + [Category.OUTGOING] * 12 + [Category.INTERNAL] * 3
    channels = [Channel.PAPER] * 45 + [Channel.EMAIL] * 35 + [Channel.WEB_FORM] * 15
    channels += [Channel.COUNTER] * 5
    zone = timezone.get_current_timezone()
    made = 0
    started = time.perf_counter()
    while made < count:
        size = min(ARGS.batch, count - made)
        batch = []
        for i in range(size):
            number = made + i + 1
            arrival = first + datetime.timedelta(days=rng.randrange((today - first).days + 1))
            kind = rng.choice(types)
            age = (today - arrival).days
            closed = rng.random() < (0.97 if age > 90 else 0.6 * age / 90)
            took = min(int(rng.expovariate(1 / 18)), max(age, 0))
            closing = (
                datetime.datetime.combine(
                    arrival + datetime.timedelta(days=took), datetime.time(15), tzinfo=zone
                )
                if closed
                else None
            )
            born = None
            if kind.processing_mode != ProcessingMode.NORMAL and rng.random() < 0.05:
                born = arrival + datetime.timedelta(days=kind.delay_days)
            batch.append(
                Mail(
                    category=rng.choice(categories),
                    chrono_number=f"B/{arrival.year}/{number:08d}",
                    subject=f"Courrier {number}",
                    document_type=kind,
                    status=MailStatus.CLOSED if closed else rng.choice(open_statuses),
                    channel=rng.choice(channels),
                    arrival_date=arrival,
                    due_date=arrival + datetime.timedelta(days=kind.delay_days),
                    closing_date=closing,
                    processing_days=took if closed else None,
                    implicit_decision_born_on=born if born and born <= today else None,
                    destination_entity=entities[rng.choice(codes)],
                    confidential=rng.random() < 0.02,
                )
            )
        Mail.objects.bulk_create(batch, batch_size=size)
        made += size
        rate = made / (time.perf_counter() - started)
        print(f"\rgenerated {made}/{count} ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)


def personas(demo: bool) -> dict[str, object]:
    from django.contrib.auth.models import Group

    from courrier.models import Entity, Role, User

    if demo:
        return {
            "organisation": User.objects.get(username="admin"),
            "manager": User.objects.get(username="m.bernard"),
            "elected": User.objects.get(username="p.dubois"),
            "service": Entity.objects.get(code="VOIR"),
        }
    made: dict[str, object] = {"service": Entity.objects.get(code="VOIR")}
    for name, role, entity in (
        ("organisation", Role.ADMINISTRATOR, "DGS"),
        ("manager", Role.MANAGER, "ST"),
        ("elected", Role.ELECTED, "MAIRIE"),
    ):
        user, _created = User.objects.get_or_create(
            username=f"bench-{name}", defaults={"primary_entity": Entity.objects.get(code=entity)}
        )
        user.groups.add(*Group.objects.filter(name=role))
        made[name] = user
    return made


def timed(runs: int, action: Callable[[], object]) -> list[float]:
    action()  # warm the caches once
    durations = []
    for _i in range(runs):
        start = time.perf_counter()
        action()
        durations.append(time.perf_counter() - start)
    return durations


def pages(people: dict[str, object]) -> dict[str, Callable[[], object]]:
    month = f"?month={timezone.localdate():%Y-%m}"
    service = people["service"]
    clients = {}
    for name in ("organisation", "manager", "elected"):
        client = Client()
        client.force_login(people[name])  # type: ignore[arg-type]
        clients[name] = client

    def get(name: str, url: str) -> Callable[[], object]:
        def fetch() -> object:
            response = clients[name].get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return fetch

    stats, tables = reverse("statistics"), reverse("statistics_tables")
    return {
        "dashboard, organisation": get("organisation", stats + month),
        "dashboard, elected official": get("elected", stats + month),
        "dashboard, manager (her services)": get("manager", stats + month),
        "dashboard, manager, one service": get(
            "manager",
            stats + f"{month}&entity={service.pk}",  # type: ignore[attr-defined]
        ),
        "dashboard, organisation, a year": get("organisation", stats + f"{month}&period=year"),
        "tables, organisation": get("organisation", tables + month),
        "tables, manager": get("manager", tables + month),
        "drill-down: late mail, manager": get(
            "manager", reverse("statistics_mails", args=["late"]) + month
        ),
        "export CSV per entity, organisation": get(
            "organisation", reverse("statistics_export", args=["entities", "csv"]) + month
        ),
        "monthly report PDF, manager": get("manager", reverse("statistics_report") + month),
    }


def main() -> None:
    setup_test_environment()
    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    assert isinstance(test_settings, dict)
    if connection.vendor == "postgresql":
        test_settings["NAME"] = "test_bannette_stats" + ("_demo" if ARGS.demo else "")
    setup_databases(verbosity=0, interactive=False, keepdb=ARGS.keep, serialized_aliases=set())
    from courrier.models import Category, Mail

    if ARGS.demo:
        from demo.organisation import load_demo

        started = time.perf_counter()
        load_demo()
        print(f"demo loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    elif not Mail.objects.exists():
        generate(ARGS.mails)
    if connection.vendor == "postgresql":  # as autovacuum leaves a table that has settled
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE courrier_mail")
    people = personas(ARGS.demo)
    total = Mail.objects.count()
    print(f"\n{connection.vendor}, {total:,} mails, {os.cpu_count()} cores, {ARGS.runs} runs each")
    today = timezone.localdate()
    first = today.replace(day=1)
    baseline = timed(
        ARGS.runs,
        lambda: Mail.objects.filter(
            category=Category.INCOMING, arrival_date__range=(first, today)
        ).count(),
    )
    base = statistics.median(baseline)
    print(f"{'':38} {'p50 ms':>8} {'p95 ms':>8} {'p95/baseline':>13}")
    print(
        f"{'baseline: one count of the month':38} {base * 1000:8.1f} "
        f"{p95(baseline) * 1000:8.1f} {'1':>13}"
    )
    for name, action in pages(people).items():
        durations = timed(ARGS.runs, action)
        print(
            f"{name:38} {statistics.median(durations) * 1000:8.1f} "
            f"{p95(durations) * 1000:8.1f} {p95(durations) / base:13.0f}"
        )


if __name__ == "__main__":
    main()
