"""Nothing lost when parts fail for real: the broker goes away (a private redis-server is
stopped), or a Celery worker process is killed with SIGKILL in the middle of OCR.

PostgreSQL (worker processes share the test database with this process; CI runs on it)."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from capture.models import CaptureInput, InputStatus, SourceKind, WebFormRequest, WebFormTopic
from capture.services import receive_input
from capture.tasks import dispatch, sweep_inputs
from capture.tests import scans
from capture.tests.test_webform import request_data
from config.celery import app
from courrier.models import Mail
from courrier.tests.factories import DocumentTypeFactory
from deploy.cluster import wait_until
from scanner_hotfolders import watcher
from scanner_hotfolders.models import HotFolder
from scanner_hotfolders.watcher import FolderWatch, watch_cycle
from tests.outages import PrivateRedis, WorkerProcess

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="worker processes need a server database"
    ),
]
LETTER = scans.born_digital_pdf(["Objet : trottoir", "Le trottoir est défoncé rue Haute."])


@pytest.fixture
def broker(tmp_path) -> Iterator[PrivateRedis]:
    """The project's Celery app on a private Redis, as in production (not in-process)."""
    redis = PrivateRedis(tmp_path)
    redis.start()
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=redis.url, result_backend=None, task_always_eager=False)
    _forget_connections()
    yield redis
    redis.stop()
    app.conf.update(saved)
    _forget_connections()


def _forget_connections() -> None:
    # What Celery itself does after a fork: connect anew.
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


def status_of(capture_input: CaptureInput) -> str:
    return CaptureInput.objects.get(pk=capture_input.pk).status


def hours_later(capture_input: CaptureInput) -> None:
    """Time passes: the input's dispatch and last sign of life are an hour old."""
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    CaptureInput.objects.filter(pk=capture_input.pk).update(
        received_at=hour_ago, dispatched_at=hour_ago, heartbeat_at=hour_ago
    )


def test_with_the_broker_down_senders_are_answered_and_nothing_is_lost(client, agent, org, broker):
    broker.stop()
    client.force_login(agent)
    upload = SimpleUploadedFile("lettre.pdf", LETTER, "application/pdf")
    response = client.post(reverse("capture_upload"), {"documents": upload})
    assert response.status_code == 302  # not a 500: the file is safe
    doctype = DocumentTypeFactory.create(code="signalement")
    topic = WebFormTopic.objects.create(label="Voirie", document_type=doctype, entity=org.voirie)
    cache.clear()
    citizen = client.post(
        reverse("citizen_form"),
        request_data(topic),
        follow=True,
    )
    request = WebFormRequest.objects.get()
    assert citizen.status_code == 200 and request.tracking_code in citizen.content.decode()
    inputs = list(CaptureInput.objects.order_by("pk"))
    assert [(i.status, i.dispatched_at) for i in inputs] == [(InputStatus.RECEIVED, None)] * 2

    broker.start()  # back; the sweeper hands the waiting inputs over
    for capture_input in inputs:
        hours_later(capture_input)
    assert sweep_inputs().queued == 2
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        wait_until(
            lambda: all(status_of(i) == InputStatus.DONE for i in inputs), 60, "both captured"
        )
    assert Mail.objects.count() == 2


def test_a_worker_killed_mid_ocr_is_taken_over_and_registers_once(broker, org, tmp_path):
    pages = [scans.letter_page([f"Objet : page {n}", "Texte lu par tesseract."]) for n in range(4)]
    capture_input = receive_input(
        source_kind=SourceKind.UPLOAD, name="lot.pdf", content=scans.scanned_pdf(pages)
    )
    first = WorkerProcess(broker.url, tmp_path)
    try:
        assert dispatch(capture_input.pk)
        wait_until(lambda: status_of(capture_input) == InputStatus.PROCESSING, 60, "work to start")
        first.kill()
    finally:
        first.stop()
    assert status_of(capture_input) == InputStatus.PROCESSING  # left as it was, mid-OCR
    assert not Mail.objects.exists()

    hours_later(capture_input)  # no sign of life since
    assert sweep_inputs().restarted == 1
    second = WorkerProcess(broker.url, tmp_path)
    try:
        wait_until(lambda: status_of(capture_input) == InputStatus.DONE, 120, "the second run")
    finally:
        second.stop()
    capture_input.refresh_from_db()
    assert capture_input.attempts == 2
    assert Mail.objects.filter(capture__input=capture_input).count() == 1


def test_the_hot_folder_watcher_outlives_a_lost_database_connection(org, tmp_path, monkeypatch):
    # The watcher's heartbeat is not due: the capture itself meets the lost connection.
    monkeypatch.setattr(watcher, "_last_beat", [time.monotonic()])
    folder = HotFolder.objects.create(
        name="scanner", path=str(tmp_path / "scan"), entity=org.voirie
    )
    (tmp_path / "scan").mkdir()
    (tmp_path / "scan" / "courrier.pdf").write_bytes(LETTER)
    folders = [FolderWatch(folder, stable_seconds=0)]
    folders[0].poll(now=0)  # seen once: stable on the next pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with psycopg.connect(conninfo(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])  # as a database restart would

    assert watch_cycle(folders) == []  # claimed, then the database was gone: no crash
    (claimed,) = (tmp_path / "scan" / "processing").iterdir()
    assert claimed.name.endswith("courrier.pdf")  # kept where a later pass finds it
    (taken,) = watch_cycle(folders)  # reconnects and takes up the claimed file
    assert status_of(taken) == InputStatus.DONE
    assert Mail.objects.filter(capture__input=taken).count() == 1
    assert not list((tmp_path / "scan" / "processing").iterdir())
    (done,) = (tmp_path / "scan" / "done").iterdir()
    assert done.name.endswith("courrier.pdf")


def conninfo() -> str:
    db = connection.settings_dict
    return f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
