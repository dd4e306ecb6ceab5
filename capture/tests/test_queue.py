"""The capture input row is the durable queue: every input not yet registered is queued,
running with a heartbeat, or in capture errors with Retry; the sweeper sees to it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from capture.models import CaptureInput, InputStatus, SourceKind
from capture.selectors import failed_inputs
from capture.services import claim, receive_input
from capture.tasks import sweep_inputs
from capture.tests import scans
from courrier.models import Mail

pytestmark = pytest.mark.django_db
LETTER = scans.born_digital_pdf(["Objet : trottoir", "Le trottoir est défoncé rue Haute."])


def received(minutes_ago: int = 10, **fields) -> CaptureInput:
    """An input stored as the source handed it over, then left as a failure would leave it."""
    capture_input = receive_input(source_kind=SourceKind.UPLOAD, name="lettre.pdf", content=LETTER)
    past = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    CaptureInput.objects.filter(pk=capture_input.pk).update(received_at=past, **fields)
    return CaptureInput.objects.get(pk=capture_input.pk)


def test_an_input_the_broker_never_got_is_queued_by_the_sweeper(org):
    capture_input = received()  # stored, but the dispatch never reached a worker
    sweep = sweep_inputs()  # embedded mode: the task runs at once
    capture_input.refresh_from_db()
    assert sweep.queued == 1 and capture_input.status == InputStatus.DONE
    assert Mail.objects.filter(capture__input=capture_input).count() == 1


def test_an_input_whose_worker_was_killed_runs_again_and_registers_once(org, settings):
    settings.BANNETTE_CAPTURE_STALE_SECONDS = 60
    old = timezone.now() - datetime.timedelta(minutes=5)
    capture_input = received(status=InputStatus.PROCESSING, heartbeat_at=old, attempts=1)
    sweep = sweep_inputs()
    capture_input.refresh_from_db()
    assert (sweep.restarted, capture_input.status, capture_input.attempts) == (
        1,
        InputStatus.DONE,
        2,
    )
    assert sweep_inputs().restarted == 0  # done: left alone
    assert Mail.objects.filter(capture__input=capture_input).count() == 1


def test_taking_an_input_counts_the_attempt_before_any_step_runs(org):
    # A worker killed right after taking the input (before the first step) still used a run.
    capture_input = received()
    assert claim(capture_input.pk)
    capture_input.refresh_from_db()
    assert (capture_input.status, capture_input.attempts) == (InputStatus.PROCESSING, 1)


def test_a_running_input_that_beats_is_left_alone_and_cannot_be_taken_twice(org):
    capture_input = received(status=InputStatus.PROCESSING, heartbeat_at=timezone.now())
    assert sweep_inputs().restarted == 0
    assert not claim(capture_input.pk)  # a second worker handed the same input does nothing
    capture_input.refresh_from_db()
    assert capture_input.status == InputStatus.PROCESSING


def test_an_input_that_keeps_stopping_goes_to_capture_errors(org, clerk, settings):
    settings.BANNETTE_CAPTURE_MAX_ATTEMPTS = 3
    old = timezone.now() - datetime.timedelta(hours=1)
    capture_input = received(status=InputStatus.PROCESSING, heartbeat_at=old, attempts=3)
    assert sweep_inputs().given_up == 1
    capture_input.refresh_from_db()
    assert capture_input.status == InputStatus.ERROR
    assert "stopped 3 times" in capture_input.error
    assert list(failed_inputs(clerk)) == [capture_input]  # where Retry is


def test_a_waiting_input_just_received_is_left_to_its_own_dispatch(org):
    capture_input = received(minutes_ago=0)
    assert sweep_inputs().queued == 0
    capture_input.refresh_from_db()
    assert capture_input.status == InputStatus.RECEIVED


def test_each_step_logs_its_duration_with_the_input_id(org, caplog):
    capture_input = received()
    with caplog.at_level("INFO", logger="capture"):
        sweep_inputs()
    steps = ("capture.services", "capture.pipeline")  # segment steps log as each segment is read
    lines = [r.getMessage() for r in caplog.records if r.name in steps]
    for step in ("preflight", "text", "classify", "register"):
        assert any(
            line.startswith(f"capture input {capture_input.pk}: {step} done in ") for line in lines
        ), lines
