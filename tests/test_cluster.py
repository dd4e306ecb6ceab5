"""`./dev cluster`: nginx in front of two gunicorn web processes, two Celery workers, beat, the
hot-folder watcher and a private Redis, on the test database. A clerk signs in through nginx, a
scanned letter dropped in the hot folder becomes mail, and a web host and a worker that die are
not noticed by the people using it."""

from __future__ import annotations

import re

import pytest
import requests
from django.db import connection

from capture.tests.scans import born_digital_pdf
from courrier.models import Mail, MailStatus
from deploy.cluster import WEB, Cluster, http_status, wait_until
from dropfolders import DONE

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def cluster(tmp_path, org):
    cluster = Cluster(
        root=tmp_path / "cluster",
        database_url=_database_url(),
        web_workers=1,
        settings={"BANNETTE_HOTFOLDER_STABLE_SECONDS": "1", "BANNETTE_LOG_LEVEL": "WARNING"},
    )
    cluster.prepare(migrate=False)  # the test database is migrated already
    with cluster.running():
        yield cluster


def _signed_in(cluster: Cluster, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{cluster.url}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "the sign-in form"
    signed = session.post(
        f"{cluster.url}/login/",
        data={"username": username, "password": "pw", "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{cluster.url}/login/"},
        timeout=30,
    )
    assert signed.status_code == 200 and "Bannette" in signed.text
    assert signed.url.rstrip("/") == cluster.url, "signed in, on the home page"
    return session


def _drop_letter(cluster: Cluster, name: str, words: str) -> None:
    target = cluster.hot_folder / name
    partial = target.with_suffix(".part")  # as a scanner writes: complete, then renamed
    partial.write_bytes(born_digital_pdf([f"Objet : {words}", "Madame, Monsieur,"]))
    partial.rename(target)


def _captured(words: str) -> bool:
    return Mail.objects.filter(text__contains=words, status=MailStatus.TO_QUALIFY).exists()


def test_a_clerk_works_through_nginx_and_a_dying_web_host_or_worker_goes_unnoticed(cluster, clerk):
    for name, port in cluster.web_ports.items():  # both web processes answer behind nginx
        assert http_status(f"http://127.0.0.1:{port}/healthz") == 200, name
    session = _signed_in(cluster, "clerk")

    _drop_letter(cluster, "lettre-1.pdf", "élagage des platanes")
    wait_until(lambda: _captured("élagage des platanes"), 120, "the first letter to be mail")
    done = cluster.hot_folder / DONE
    wait_until(lambda: any(done.glob("*lettre-1.pdf")), 30, "the letter to be moved to done/")
    assert not [p for p in cluster.hot_folder.iterdir() if p.is_file()]
    assert "élagage" in session.get(f"{cluster.url}/baskets/to_qualify/", timeout=30).text

    first = cluster.pid(WEB[0])
    cluster.kill(WEB[0])
    answers = [session.get(f"{cluster.url}/", timeout=30).status_code for _ in range(20)]
    assert answers == [200] * 20, "nginx sends every request to the web process still alive"
    wait_until(lambda: cluster.pid(WEB[0]) != first, 30, "the dead web process to be replaced")
    port = cluster.web_ports[WEB[0]]
    wait_until(lambda: http_status(f"http://127.0.0.1:{port}/healthz") == 200, 60, "web1 back")

    cluster.kill("worker1")
    _drop_letter(cluster, "lettre-2.pdf", "ramassage des encombrants")
    wait_until(lambda: _captured("ramassage des encombrants"), 120, "the second letter to be mail")
    assert {r.name for r in cluster.restarts} == {WEB[0], "worker1"}
    assert Mail.objects.filter(text__contains="ramassage des encombrants").count() == 1
