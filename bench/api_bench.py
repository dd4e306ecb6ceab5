"""API benchmark: listing a basket and reading a mail through the REST API, side by side with
the HTML pages that show the same data, over the lived-in demo, in one run.

    ./dev bench-api [--runs 200]      (PostgreSQL when DATABASE_URL points to it)

Each round asks, in turn, the API basket page, the HTML basket page, the API mail and the HTML
mail page (Django's test client: middleware, authentication, queries, serialisation or
templates), as the demo's Voirie agent. Prints p50/p95 and requests per second (one process,
one after another) for each, and the API as a ratio to its HTML page. Uses its own database
(test_bannette_api on PostgreSQL, or SQLite); nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BANNETTE_DATA_DIR", tempfile.mkdtemp(prefix="bannette-api-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("BANNETTE_LOG_LEVEL", "WARNING")
os.environ.setdefault("BANNETTE_API_RATE", "1000000/minute")  # measure, do not throttle


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="rounds of the four requests")
    parser.add_argument("--keep", action="store_true", help="keep the database between runs")
    return parser.parse_args()


ARGS = parse_args()

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, setup_test_environment
from django.urls import reverse
from timing import p95


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    assert isinstance(test_settings, dict)
    if connection.vendor == "postgresql":
        test_settings["NAME"] = "test_bannette_api"
    setup_databases(verbosity=0, interactive=False, keepdb=ARGS.keep, serialized_aliases=set())
    from api.models import ApiToken
    from courrier.baskets import basket_mails, baskets_for
    from courrier.models import Mail, User

    if not Mail.objects.exists():
        from demo.organisation import load_demo

        started = time.perf_counter()
        load_demo()
        print(f"demo loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    agent = User.objects.get(username="a.durand")
    basket = baskets_for(agent).get(code="entity_mail")
    in_basket = basket_mails(basket, agent).count()
    mail = basket_mails(basket, agent).order_by("due_date", "pk").first()
    assert mail is not None
    _token, secret = ApiToken.issue(user=agent, name="bench")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    html = Client()
    html.force_login(agent)
    requests: dict[str, Callable[[], object]] = {
        "API  basket page (JSON)": lambda: _ok(api.get(f"/api/v1/baskets/{basket.code}/")),
        "HTML basket page": lambda: _ok(html.get(reverse("basket", args=[basket.code]))),
        "API  mail (JSON)": lambda: _ok(api.get(f"/api/v1/mails/{mail.pk}/")),
        "HTML mail page": lambda: _ok(html.get(reverse("mail_detail", args=[mail.pk]))),
    }
    for request in requests.values():  # warm the caches once
        request()
    durations: dict[str, list[float]] = {name: [] for name in requests}
    for _round in range(ARGS.runs):
        for name, request in requests.items():
            start = time.perf_counter()
            request()
            durations[name].append(time.perf_counter() - start)
    print(
        f"\n{connection.vendor}, demo ({Mail.objects.count():,} mails), basket "
        f"{basket.code} holds {in_basket} mails for {agent.username}; {ARGS.runs} rounds, "
        f"{os.cpu_count()} cores"
    )
    print(f"{'':26} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'p95 / HTML':>11}")
    for name, values in durations.items():
        html_name = "HTML basket page" if "basket" in name else "HTML mail page"
        ratio = p95(values) / p95(durations[html_name])
        print(
            f"{name:26} {statistics.median(values) * 1000:8.1f} {p95(values) * 1000:8.1f} "
            f"{len(values) / sum(values):7.0f} {ratio:11.2f}"
        )


def _ok(response: object) -> object:
    status = getattr(response, "status_code", 0)
    if status != 200:
        raise SystemExit(f"unexpected answer {status}")
    return response


if __name__ == "__main__":
    main()
