"""Receiving inputs, running the pipeline on them, and retrying failures."""

from __future__ import annotations

import datetime
import hashlib
import logging
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from capture import sources
from capture.classify import Classify
from capture.models import CaptureInput, InputStatus, SourceKind
from capture.options import CaptureOptions
from capture.pipeline import (
    CaptureContext,
    CaptureRejected,
    ExtractText,
    PageImages,
    Preflight,
    SplitOnSeparators,
    Step,
)
from capture.register import Register
from courrier.models import Mail, User
from courrier.services.journal import record_event
from courrier.services.mail import plain_file_name
from ocr.engine import ocr_pool

logger = logging.getLogger(__name__)


def default_steps() -> list[Step]:
    """The pipeline every source goes through, in order."""
    # Each segment is classified and registered as soon as its text is read (ExtractText).
    return [
        Preflight(),
        PageImages(),
        SplitOnSeparators(),
        ExtractText(then=[Classify(), Register()]),
    ]


@transaction.atomic
def receive_input(
    *,
    source_kind: SourceKind,
    name: str,
    content: bytes,
    source_name: str = "",
    source_ref: str = "",
    options: CaptureOptions | None = None,
    actor: User | None = None,
) -> CaptureInput:
    """Store the original as received (byte for byte) before anything else happens to it."""
    capture_input = CaptureInput(
        source_kind=source_kind,
        source_name=source_name,
        source_ref=source_ref,
        file_name=plain_file_name(name, "document")[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        options=options or CaptureOptions(),
        created_by=actor,
    )
    suffix = Path(name).suffix.lower()[:10]
    # Over the limit, the content is not kept (its size and SHA-256 are): capture refuses it.
    kept = content if len(content) <= settings.BANNETTE_CAPTURE_MAX_BYTES else b""
    capture_input.file.save(f"input{suffix}", ContentFile(kept), save=False)
    capture_input.save()
    record_event(
        action="capture.received",
        actor=actor,
        target=capture_input,
        details={"source": source_kind, "sha256": capture_input.sha256},
        personal={"file": capture_input.file_name},
    )
    return capture_input


def _mark(capture_input: CaptureInput, status: str, error: str = "") -> None:
    capture_input.status, capture_input.error = status, error
    capture_input.finished_at = timezone.now() if status != InputStatus.PROCESSING else None
    capture_input.save(update_fields=["status", "error", "finished_at", "attempts", "page_count"])


def run_pipeline(capture_input: CaptureInput, steps: list[Step] | None = None) -> list[Mail]:
    """Run every step; a failure marks the input in error with a reason and stops nothing else."""
    capture_input.attempts += 1
    return _run_steps(capture_input, steps)


def _run_steps(capture_input: CaptureInput, steps: list[Step] | None = None) -> list[Mail]:
    _mark(capture_input, InputStatus.PROCESSING)
    with tempfile.TemporaryDirectory(prefix="bannette-capture-") as tmp:
        workdir = Path(tmp)
        source = workdir / f"original{Path(capture_input.file_name).suffix.lower()[:10]}"
        with capture_input.file.open("rb") as stored:
            source.write_bytes(stored.read())
        with ocr_pool() as pool:
            ctx = CaptureContext(input=capture_input, workdir=workdir, source=source, pool=pool)
            try:
                for step in steps or default_steps():
                    if step.able_to_run(ctx):
                        started = time.perf_counter()
                        step.run(ctx)
                        ctx.beat()
                        logger.info(
                            "capture input %s: %s done in %.0f ms (%s pages)",
                            capture_input.pk,
                            step.name,
                            (time.perf_counter() - started) * 1000,
                            ctx.pages,
                        )
            except CaptureRejected as exc:
                pool.shutdown(cancel_futures=True)
                return _failed(capture_input, str(exc))
            except Exception as exc:
                pool.shutdown(cancel_futures=True)
                logger.exception("capture of input %s failed", capture_input.pk)
                return _failed(capture_input, f"internal error: {type(exc).__name__}: {exc}")
    capture_input.page_count = ctx.pages
    _mark(capture_input, InputStatus.DONE)
    mails = [m.mail for m in capture_input.mails.select_related("mail").order_by("segment")]
    transaction.on_commit(lambda: sources.acknowledge(capture_input))
    return mails


def give_up(capture_input: CaptureInput) -> None:
    """An input whose runs kept stopping goes to capture errors, where Retry starts it again."""
    _failed(
        capture_input,
        f"the capture stopped {capture_input.attempts} times before finishing "
        "(worker stopped or killed, database or storage unreachable); see the logs, then retry",
    )


def _failed(capture_input: CaptureInput, reason: str) -> list[Mail]:
    _mark(capture_input, InputStatus.ERROR, reason)
    with transaction.atomic():
        record_event(
            action="capture.failed",
            actor=None,
            target=capture_input,
            details={"reason": reason, "attempt": capture_input.attempts},
        )
    sources.set_aside(capture_input)
    return []


def silent_while_running() -> Q:
    """Inputs marked running whose worker gave no sign of life for too long (killed, lost)."""
    stale_before = timezone.now() - datetime.timedelta(
        seconds=settings.BANNETTE_CAPTURE_STALE_SECONDS
    )
    return Q(status=InputStatus.PROCESSING) & (
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True)
    )


def claim(input_id: int) -> bool:
    """Take the input for this worker: waiting, or running elsewhere with no sign of life.

    One atomic UPDATE, so of two workers handed the same input only one runs it; the attempt
    is counted in it too, so a worker killed at any later instant has its run counted."""
    runnable = Q(status=InputStatus.RECEIVED) | silent_while_running()
    taken = CaptureInput.objects.filter(runnable, pk=input_id).update(
        status=InputStatus.PROCESSING, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    return taken == 1


def process_input(input_id: int) -> list[Mail]:
    """The task's work: run the input if this worker may take it (safe to receive twice)."""
    capture_input = CaptureInput.objects.get(pk=input_id)
    if capture_input.status == InputStatus.DONE:
        return [m.mail for m in capture_input.mails.select_related("mail").order_by("segment")]
    if not claim(input_id):
        logger.info("capture input %s is running elsewhere or set aside", input_id)
        return []
    capture_input.refresh_from_db()
    return _run_steps(capture_input)


def set_aside_input(*, actor: User, capture_input: CaptureInput, reason: str) -> None:
    """An operator decides a failed input will not become mail (a blank page, a duplicate, an
    advertisement): it leaves the errors to wait, with the reason, and may still be retried."""
    if not actor.has_perm("capture.retry_captureinput"):
        raise PermissionDenied(_("Your role does not allow handling capture errors."))
    if capture_input.status != InputStatus.ERROR:
        raise PermissionDenied(_("Only failed inputs can be set aside."))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("Say why it is set aside."))
    with transaction.atomic():
        capture_input.status = InputStatus.SET_ASIDE
        capture_input.set_aside_reason = reason
        capture_input.save(update_fields=["status", "set_aside_reason"])
        record_event(
            action="capture.set_aside",
            actor=actor,
            target=capture_input,
            details={
                "reason": reason,
                "error": capture_input.error,
                "file": capture_input.file_name,
            },
        )


def retry_input(*, actor: User, capture_input: CaptureInput) -> None:
    """Queue a failed input again; segments already registered are not registered twice."""
    if not actor.has_perm("capture.retry_captureinput"):
        raise PermissionDenied(_("Your role does not allow retrying captures."))
    if capture_input.status not in (InputStatus.ERROR, InputStatus.SET_ASIDE):
        raise PermissionDenied(_("Only failed inputs can be retried."))
    with transaction.atomic():
        capture_input.status = InputStatus.RECEIVED
        capture_input.save(update_fields=["status"])
        record_event(
            action="capture.retried",
            actor=actor,
            target=capture_input,
            details={"previous_error": capture_input.error},
        )
    from capture.tasks import dispatch  # the tasks run this module's services

    transaction.on_commit(lambda: dispatch(capture_input.pk))
