"""Capture tasks: they take ids and are safe to run again."""

from __future__ import annotations

import contextlib
import datetime
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from celery import shared_task
from django import db
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnreachable

from capture.models import CaptureInput, ImapAccount, InputStatus
from capture.services import give_up, process_input, silent_while_running
from courrier.services.operations import beat

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def process_capture_input(input_id: int) -> list[str]:
    """Run the capture pipeline on one input; returns the chrono numbers registered."""
    return [mail.chrono_number or "" for mail in process_input(input_id)]


_embedded: ThreadPoolExecutor | None = None


def embedded_worker() -> ThreadPoolExecutor:
    """The web process's own capture worker when there is no broker: one thread, in order."""
    global _embedded
    if _embedded is None:
        _embedded = ThreadPoolExecutor(max_workers=1, thread_name_prefix="capture")
    return _embedded


def _run_in_thread(input_id: int) -> None:
    try:
        process_input(input_id)
    except Exception:  # the input is in capture errors or left for the sweeper; keep the thread
        logger.exception("capture input %s failed in the embedded worker", input_id)
    finally:
        db.connection.close()  # this thread's own connection


def dispatch(input_id: int) -> bool:
    """Hand an input to the workers. When the broker is away the input stays safe in the
    database and the sweeper hands it over later: no error reaches the person who sent it."""
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.BANNETTE_CAPTURE_IN_BACKGROUND:
        embedded_worker().submit(_run_in_thread, input_id)
        CaptureInput.objects.filter(pk=input_id).update(dispatched_at=timezone.now())
        return True
    try:
        process_capture_input.apply_async((input_id,), retry=False)
    except (BrokerUnreachable, OSError):
        logger.warning("capture input %s: broker unreachable, the sweeper will queue it", input_id)
        return False
    CaptureInput.objects.filter(pk=input_id).update(dispatched_at=timezone.now())
    return True


@dataclass
class Sweep:
    queued: int = 0  # waiting inputs handed (again) to the workers
    restarted: int = 0  # running inputs whose worker stopped giving signs of life
    given_up: int = 0  # inputs that stopped too many times: now in capture errors


def _ago(seconds: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def sweep_inputs() -> Sweep:
    """Every input not yet registered is queued, running with a heartbeat, or in errors."""
    sweep = Sweep()
    waiting = CaptureInput.objects.filter(
        Q(dispatched_at__isnull=True)
        | Q(dispatched_at__lt=_ago(settings.BANNETTE_CAPTURE_REQUEUE_SECONDS)),
        status=InputStatus.RECEIVED,
        received_at__lt=_ago(30),  # just received: its own dispatch is under way
    )
    for input_id in waiting.values_list("pk", flat=True):
        sweep.queued += dispatch(input_id)
    stale = CaptureInput.objects.filter(silent_while_running())
    for capture_input in stale:
        if capture_input.attempts >= settings.BANNETTE_CAPTURE_MAX_ATTEMPTS:
            give_up(capture_input)
            sweep.given_up += 1
        else:
            sweep.restarted += dispatch(capture_input.pk)
    beat(
        "capture-sweeper",
        _("%(queued)s queued, %(restarted)s run again, %(given_up)s set aside")
        % {"queued": sweep.queued, "restarted": sweep.restarted, "given_up": sweep.given_up},
    )
    return sweep


@shared_task
def sweep_capture_inputs() -> dict[str, int]:
    """Queue again what the broker lost or a stopped worker left (every minute)."""
    sweep = sweep_inputs()
    return {"queued": sweep.queued, "restarted": sweep.restarted, "given_up": sweep.given_up}


@shared_task
def send_pending_acknowledgments() -> int:
    """Send the acknowledgments that could not leave when their mail was registered."""
    from capture.sources.imap.acknowledgments import acknowledge_pending  # idem
    from capture.sources.webform.services import send_pending_acknowledgments as send

    return send() + acknowledge_pending()


@shared_task
def poll_mailboxes() -> int:
    """Take new messages from every active IMAP mailbox; one failing mailbox skips only itself."""
    from capture.sources.imap.poller import poll_and_report  # the poller queues tasks of ours

    taken = 0
    for account in ImapAccount.objects.filter(active=True):
        with contextlib.suppress(Exception):  # logged and on the system page; others go on
            taken += poll_and_report(account)
    return taken
