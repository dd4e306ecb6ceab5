"""The same task code runs on a real Celery worker through the Redis broker."""

from __future__ import annotations

import pytest
from celery import Celery, _state
from celery.contrib.testing.worker import start_worker

from config.celery import app as embedded_app
from courrier.services.mail import Registration, register_mail
from courrier.tasks import verify_journal_task


@pytest.fixture
def redis_app(redis_url):
    """A Celery app configured as in production (CELERY_BROKER_URL=redis://...); the current
    app is given back afterwards, so the shared tasks of the tests that follow in this process
    stay in-process (a current app left on Redis sent them there, where no worker took them)."""
    previous = _state.get_current_app()
    previous_default = getattr(_state, "default_app")  # noqa: B009 - not in celery's stubs
    app = Celery("bannette-redis-test", broker=redis_url, backend=redis_url)
    app.conf.update(task_serializer="json", accept_content=["json"], task_always_eager=False)
    app.loader.import_module("celery.contrib.testing.tasks")  # the worker's ping task
    app.loader.import_module("courrier.tasks")  # shared tasks register on every app
    yield app
    app.close()
    previous.set_current()  # this thread's current app,
    _state.set_default_app(previous_default)  # and every other thread's (the live server's)


@pytest.mark.django_db(transaction=True)
def test_a_worker_fed_by_redis_runs_the_journal_check(redis_app):
    register_mail(actor=None, registration=Registration(subject="Courrier pour le worker"))
    task = redis_app.tasks[verify_journal_task.name]
    with start_worker(redis_app, perform_ping_check=True, pool="solo", loglevel="WARNING"):
        result = task.delay()
        assert result.get(timeout=30) == {"checked": 1, "problems": []}
    assert result.backend.__class__.__name__ == "RedisBackend"


@pytest.mark.django_db
def test_without_a_broker_tasks_run_in_process_at_call_time():
    assert embedded_app.conf.task_always_eager  # embedded default: no CELERY_BROKER_URL
    register_mail(actor=None, registration=Registration(subject="Courrier"))
    assert verify_journal_task.delay().get(timeout=1) == {"checked": 1, "problems": []}


@pytest.mark.django_db(transaction=True)
def test_a_worker_fed_by_redis_runs_the_capture_pipeline_by_id(redis_app):
    from capture.models import CaptureInput, InputStatus, SourceKind
    from capture.services import receive_input
    from capture.tasks import process_capture_input
    from capture.tests.scans import born_digital_pdf

    capture_input = receive_input(
        source_kind=SourceKind.UPLOAD,
        name="lettre.pdf",
        content=born_digital_pdf(["Objet : dossier de subvention", "Club de judo"]),
    )
    task = redis_app.tasks[process_capture_input.name]
    with start_worker(redis_app, perform_ping_check=True, pool="solo", loglevel="WARNING"):
        chronos = task.delay(capture_input.pk).get(timeout=60)
        again = task.delay(capture_input.pk).get(timeout=60)  # safe to run twice
    assert len(chronos) == 1 and again == chronos
    assert CaptureInput.objects.get(pk=capture_input.pk).status == InputStatus.DONE
