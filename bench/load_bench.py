"""Load test: people at work on a year of mail through production's processes (./dev cluster),
while a scanned batch is captured; then a web host and a worker die in the middle.

    ./dev bench-load [--users 50] [--mails 100000] [--minutes 4] [--kill-at 150]

Each action is timed first by one person alone (the baseline), then by --users people at once
(clerks qualifying, agents opening baskets and mails, writing notes and redirecting, managers
giving visas, everyone searching), through nginx, with think time between clicks. Prints
throughput, p50/p95 per action and their ratio to the baseline, errors, whether any mail of the
batch or any note was lost or doubled, and how long the loss of web1 and worker1 was felt.
Loopback only; the database is test_bannette_load_<mails> on the local PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bannette-bench"  # organisation_year's people
WORDS = ["demande", "travaux", "stationnement", "subvention", "éclairage", "voirie"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--mails", type=int, default=100_000)
    parser.add_argument("--minutes", type=float, default=4.0, help="length of the loaded run")
    parser.add_argument("--kill-at", type=float, default=150, help="seconds into the loaded run")
    parser.add_argument("--baseline-seconds", type=float, default=40)
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 6.0), metavar=("MIN", "MAX"))
    parser.add_argument("--letters", type=int, default=10, help="letters in the scanned batch")
    parser.add_argument("--prepare", metavar="DIR", help=argparse.SUPPRESS)  # the Django side
    parser.add_argument("--run", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


ARGS = parse_args()
RUN = ARGS.run or f"{random.randrange(10**6):06d}"  # marks this run's letters in the database
DATABASE_URL = os.environ.get(
    "BANNETTE_LOAD_DATABASE_URL",
    f"postgres://postgres@127.0.0.1:5432/test_bannette_load_{ARGS.mails}",
)


# -- the Django side, in its own process (locust's gevent is not for Django's setup) ----------
def prepare(out: Path) -> None:
    """Generate the year of mail when the database is empty, index it, write the batch; print
    who is who as JSON."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from organisation_year import build_search_index, generate

    from capture.tests import scans
    from courrier.models import Mail, User
    from visa.models import VisaStep, VisaStepRole, VisaStepState

    if not Mail.objects.exists():
        started = time.perf_counter()
        generate(ARGS.mails)
        build_search_index()
        print(f"generated and indexed in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    pages = []
    for n in range(ARGS.letters):
        pages.append(scans.separator_page())
        pages.append(
            scans.letter_page(
                [f"Objet : lettre de charge {RUN} numéro {n + 1}", "Madame, Monsieur,"]
            )
        )
    (out / "batch.pdf").write_bytes(scans.scanned_pdf(pages))
    busiest = (
        Mail.objects.filter(status="in_progress")
        .values("destination_entity")
        .order_by()
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n")
        .values_list("destination_entity", flat=True)[:12]
    )
    visa_people = (
        VisaStep.objects.filter(state=VisaStepState.CURRENT, role=VisaStepRole.VISA)
        .values_list("user__username", flat=True)
        .distinct()
    )
    people = {
        "clerks": list(
            User.objects.filter(username__startswith="bench-clerk").values_list(
                "username", flat=True
            )
        ),
        "agents": list(
            User.objects.filter(primary_entity_id__in=list(busiest)).values_list(
                "username", flat=True
            )
        ),
        "managers": sorted(visa_people)[:20],
    }
    (out / "people.json").write_text(json.dumps(people))


if ARGS.prepare:
    prepare(Path(ARGS.prepare))
    raise SystemExit(0)

# -- the load side ----------------------------------------------------------------------------
import gevent  # type: ignore[import-untyped]  # (locust patches the standard library on import)
import lxml.html
import psycopg
from locust import HttpUser, User, between, task
from locust.env import Environment
from locust.event import Events
from locust.stats import RequestStats, StatsEntry

from deploy.cluster import WEB, WORKERS, Cluster, http_status

PEOPLE: dict[str, list[str]] = {}
FAILURES: list[tuple[float, str, str]] = []  # (time, action, reason)
NOTES_SAVED: list[str] = []  # the marks of notes whose post answered "saved"
REFUSED: dict[str, Counter[str]] = {}  # business refusals and their reasons, by action
_LINK = re.compile(r'href="/mails/(\d+)/(?:qualify/)?"')
_REFUSAL = re.compile(r'<ul class="messages">.*?<li class="error">([^<]*)<', re.S)


class Person(HttpUser):
    abstract = True
    kind = ""
    wait_time = between(*ARGS.think)

    def on_start(self) -> None:
        self.username = random.choice(PEOPLE[self.kind])
        page = self.client.get("/login/", name="sign-in page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post(
            "/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
            if token
            else {},
            headers={"Referer": f"{self.host}/login/"},
            name="sign in",
        )

    def open(self, url: str, name: str) -> str:
        return str(self.client.get(url, name=name).text)

    def mails_of(self, basket: str) -> list[int]:
        sort = random.choice(["-arrival", "arrival", "due", "-priority"])
        page = self.open(f"/baskets/{basket}/?sort={sort}", f"basket {basket}")
        return [int(pk) for pk in dict.fromkeys(_LINK.findall(page))]

    def submit(self, url: str, page: str, form: str, name: str, **values: str) -> str | None:
        """Post the form of `page` whose action ends with `form` (or whose id it is), as the
        browser would: what the page filled in, a choice in each select left empty."""
        forms = [
            f
            for f in lxml.html.fromstring(page).forms
            if f.get("id") == form or (f.action or "").endswith(form)
        ]
        if not forms:
            return None
        data = dict(forms[0].form_values())
        for select in forms[0].xpath(".//select[@name]"):  # a choice the person must make
            if not data.get(select.name):
                options = [o for o in select.value_options if o]
                if options:
                    data[select.name] = random.choice(options)
        data.update(values)
        answer = self.client.post(url, data, headers={"Referer": f"{self.host}{url}"}, name=name)
        refused = _REFUSAL.search(answer.text)
        if refused:
            REFUSED.setdefault(name, Counter())[refused[1].strip()] += 1
        return str(answer.text)

    @task(1)
    def search(self) -> None:
        self.open(f"/search/?text={random.choice(WORDS)}", "search")

    @task(1)
    def home(self) -> None:
        self.open("/", "home")


class Clerk(Person):
    kind = "clerks"

    @task(4)
    def qualify(self) -> None:
        mails = self.mails_of("to_qualify")
        if not mails:
            return
        pk = random.choice(mails[:10])
        url = f"/mails/{pk}/qualify/"
        page = self.open(url, "qualify page")
        self.submit(url, page, "qualify-form", "qualify", subject=f"Courrier qualifié {pk}")


class Agent(Person):
    kind = "agents"

    @task(4)
    def basket(self) -> None:
        self.mails_of(random.choice(["my_mail", "entity_mail", "entity_mail", "copies", "late"]))

    @task(4)
    def mail(self) -> None:
        mails = self.mails_of(random.choice(["my_mail", "entity_mail"]))
        if mails:
            self.open(f"/mails/{random.choice(mails)}/", "mail page")

    @task(1)
    def note(self) -> None:
        mails = self.mails_of("entity_mail")
        if not mails:
            return
        pk = random.choice(mails)
        page = self.open(f"/mails/{pk}/?tab=notes", "mail page (notes)")
        mark = f"[charge {random.getrandbits(48):012x}]"
        answer = self.submit(f"/mails/{pk}/notes/", page, "/notes/", "add a note", note=mark)
        if answer is not None and mark in answer:
            NOTES_SAVED.append(mark)

    @task(1)
    def redirect(self) -> None:
        mails = self.mails_of("my_mail")
        if not mails:
            return
        pk = random.choice(mails)
        page = self.open(f"/mails/{pk}/", "mail page")
        self.submit(  # to another office, whose head will assign it
            f"/mails/{pk}/actions/redirect/", page, "/actions/redirect/", "redirect", user=""
        )


class Manager(Person):
    kind = "managers"

    @task(3)
    def visa(self) -> None:
        mails = self.mails_of("to_visa")
        if not mails:
            return
        pk = random.choice(mails)
        page = self.open(f"/mails/{pk}/?tab=reply", "mail page (reply)")
        self.submit(f"/visa/mails/{pk}/reply/approve/", page, "/reply/approve/", "give a visa")

    @task(2)
    def baskets(self) -> None:
        self.mails_of(random.choice(["to_sign", "late", "entity_mail"]))


def _on_request(name: str, exception: object, response: object, **_: object) -> None:
    if exception is not None:
        FAILURES.append((time.monotonic(), name, str(exception)[:120]))


@dataclass
class Run:
    stats: RequestStats
    elapsed: float
    killed_at: float | None
    worker: str = ""  # the worker killed


def run(
    cluster: Cluster, users: int, seconds: float, kill_at: float | None, *, alone: bool = False
) -> Run:
    """`alone`: one clerk, one agent and one manager (the baseline); else people by weight."""
    classes: list[type[User]] = [Clerk, Agent, Manager]
    for cls, weight in zip((Clerk, Agent, Manager), (1, 6, 1), strict=True):
        cls.weight, cls.fixed_count = weight, 1 if alone else 0
    env = Environment(user_classes=classes, host=cluster.url, events=Events())
    env.events.request.add_listener(_on_request)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=min(users, 10))
    started = time.monotonic()
    killed_at, worker = None, ""
    if kill_at is not None:
        gevent.sleep(kill_at)
        killed_at = time.monotonic()
        worker = _busy_worker(cluster)
        cluster.kill(WEB[0])
        cluster.kill(worker)
        print(f"  {kill_at:.0f} s: web1 and {worker} killed", file=sys.stderr)
        gevent.sleep(max(0.0, seconds - kill_at))
    else:
        gevent.sleep(seconds)
    runner.quit()
    elapsed = time.monotonic() - started
    return Run(env.stats, elapsed, killed_at, worker)


def _busy_worker(cluster: Cluster) -> str:
    """The worker whose process group runs tesseract (the batch), else worker1."""
    for name in WORKERS:
        group = str(cluster.pid(name))
        if subprocess.run(["pgrep", "-g", group, "tesseract"], capture_output=True).returncode == 0:
            return name
    return WORKERS[0]


def percentiles(entry: StatsEntry) -> tuple[float, float]:
    return entry.get_response_time_percentile(0.5), entry.get_response_time_percentile(0.95)


def main() -> None:
    root = ROOT / "var" / f"load-bench-{ARGS.mails}"
    shutil.rmtree(root, ignore_errors=True)
    cluster = Cluster(
        root=root,
        database_url=DATABASE_URL,
        settings={
            "BANNETTE_LOG_LEVEL": "WARNING",
            "BANNETTE_CAPTURE_STALE_SECONDS": "60",  # a killed worker's batch is run again soon
        },
    )
    print(f"==> Database {DATABASE_URL}: migrating", file=sys.stderr)
    cluster.prepare()
    subprocess.run(
        [
            sys.executable,
            __file__,
            *("--run", RUN),
            "--mails",
            str(ARGS.mails),
            "--letters",
            str(ARGS.letters),
            "--prepare",
            str(root),
        ],
        env=cluster.one_off_env(),
        check=True,
    )
    PEOPLE.update(json.loads((root / "people.json").read_text()))
    with cluster.running():
        print("==> Baseline: one person alone", file=sys.stderr)
        baseline = run(cluster, 3, ARGS.baseline_seconds, None, alone=True)
        FAILURES.clear()
        REFUSED.clear()
        print(
            f"==> {ARGS.users} people, a scanned batch, then web1 and worker1 killed",
            file=sys.stderr,
        )
        batch = cluster.hot_folder / f"lot-de-charge-{RUN}.pdf"
        # dropped shortly before the kill, so that the kill may hit its capture
        dropped = max(10.0, ARGS.kill_at - 6)
        gevent.spawn_later(dropped, lambda: shutil.copy(root / "batch.pdf", batch))
        loaded = run(cluster, ARGS.users, ARGS.minutes * 60, ARGS.kill_at)
        report(cluster, baseline, loaded)


def _settled(cluster: Cluster) -> bool:
    return all(
        http_status(f"http://127.0.0.1:{p}/healthz") == 200 for p in cluster.web_ports.values()
    )


def _row(db: psycopg.Connection[tuple[int, ...]], sql: str, *params: str) -> tuple[int, ...]:
    row = db.execute(sql, params).fetchone()
    assert row is not None
    return row


def report(cluster: Cluster, baseline: Run, loaded: Run) -> None:
    deadline = time.monotonic() + 300
    with psycopg.connect(DATABASE_URL, autocommit=True) as db:
        while time.monotonic() < deadline:
            state = db.execute(
                "SELECT status, attempts, finished_at - received_at "
                "FROM capture_captureinput WHERE file_name LIKE %s",
                [f"%lot-de-charge-{RUN}%"],
            ).fetchall()
            if state and all(s in ("done", "error") for s, _, _ in state):
                break
            time.sleep(1)
        letters = _row(
            db,
            "SELECT count(*), count(DISTINCT chrono_number) FROM courrier_mail WHERE text LIKE %s",
            f"%de charge {RUN}%",
        )
        (numbers,) = _row(
            db,
            "SELECT count(DISTINCT substring(text from 'num[^0-9]*([0-9]+)')) "
            "FROM courrier_mail WHERE text LIKE %s",
            f"%de charge {RUN}%",
        )
        notes: dict[str, int] = dict(
            db.execute(
                "SELECT substring(text from '\\[charge [0-9a-f]+\\]'), count(*) FROM courrier_note "
                "WHERE text LIKE '[charge %%' GROUP BY 1"
            ).fetchall()
        )
    stats, base = loaded.stats, baseline.stats
    total = stats.total
    print(
        f"\n{ARGS.users} people for {loaded.elapsed:.0f} s on {ARGS.mails:,} mails, "
        f"{os.cpu_count()} cores, think time {ARGS.think[0]:.0f}-{ARGS.think[1]:.0f} s"
    )
    print(
        f"throughput: {total.num_requests / loaded.elapsed:.1f} requests/s "
        f"({total.num_requests:,} requests), errors: {total.num_failures}"
    )
    print(
        f"{'action':<22} {'requests':>8} {'errors':>6} {'refused':>7} {'p50 ms':>7} {'p95 ms':>7}"
        f"   {'alone p50/p95':>13}   {'ratio p95':>9}"
    )
    for name in sorted(stats.entries):
        entry = stats.entries[name]
        p50, p95 = percentiles(entry)
        alone = base.entries.get(name)
        b50, b95 = percentiles(alone) if alone and alone.num_requests else (0, 0)
        ratio = f"{p95 / b95:.1f}x" if b95 else "-"
        print(
            f"{name[0]:<22} {entry.num_requests:>8} {entry.num_failures:>6} "
            f"{sum(REFUSED.get(name[0], Counter()).values()):>7} {p50:>7.0f} {p95:>7.0f}   {b50:>5.0f}/{b95:<6.0f}   {ratio:>9}"
        )
    for action, reasons in sorted(REFUSED.items()):
        print(f"refused {action}: " + "; ".join(f"{n} x {r}" for r, n in reasons.most_common(3)))
    killed = loaded.killed_at
    if killed is not None:
        after = [f for f in FAILURES if f[0] >= killed]
        felt = (max(f[0] for f in after) - killed) if after else 0.0
        back = [r for r in cluster.restarts if r.died_at >= killed - 1]
        print(
            f"web1 and {loaded.worker} killed at {ARGS.kill_at:.0f} s: {len(after)} failed requests "
            f"after the kill, the last {felt:.1f} s after it; restarted: "
            + ", ".join(f"{r.name} in {r.started_at - r.died_at:.1f} s" for r in back)
            + f"; both web processes healthy now: {_settled(cluster)}"
        )
        for when, action, reason in after[:5]:
            print(f"   +{when - killed:.1f} s {action}: {reason}")
    for status, attempts, took in state:
        print(f"scanned batch: {status} after {attempts} run(s), {took} after it was received")
    print(
        f"scanned batch: {ARGS.letters} letters -> {letters[0]} mails, {letters[1]} numbers, "
        f"{numbers} distinct letters (lost: {ARGS.letters - numbers}, doubled: {letters[0] - numbers})"
    )
    saved = set(NOTES_SAVED)
    print(
        f"notes: {len(saved)} answered saved, {sum(1 for m in saved if m in notes)} in the "
        f"database, lost {sum(1 for m in saved if m not in notes)}, doubled "
        f"{sum(1 for n in notes.values() if n > 1)}"
    )


if __name__ == "__main__":
    main()
