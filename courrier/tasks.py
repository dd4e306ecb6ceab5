"""Background tasks of the mail core (thin: they call services)."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from celery import shared_task
from django.utils.translation import gettext as _

from courrier.services.chaining import chain_journal
from courrier.services.journal import verify_journal
from courrier.services.operations import beat, journal_checked
from courrier.services.outgoing import deliver
from courrier.services.seals import SealFailed, seal_journal, write_copies

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(SealFailed,),
    retry_backoff=300,
    retry_backoff_max=3600,
    max_retries=24,
)
def seal_journal_task(self: Any) -> int | None:
    """Seal the journal's new events (hourly); retried while the timestamp authority is away."""
    write_copies()  # copies a previous run could not write
    seal = seal_journal()
    if seal is not None:
        beat(
            "journal-seal",
            _("seal no. %(n)s: events %(first)s to %(last)s")
            % {"n": seal.number, "first": seal.first_seq, "last": seal.last_seq},
        )
    else:
        beat("journal-seal", _("nothing new to seal"))
    return seal.number if seal else None


@shared_task
def chain_journal_task() -> int:
    """Link events left waiting (their process died between commit and chaining)."""
    return chain_journal()


@shared_task
def verify_journal_task() -> dict[str, Any]:
    """Verify the journal chain; log loudly when it is broken."""
    report = verify_journal()
    if not report.intact:
        logger.error("journal tampering detected: %s", "; ".join(report.problems))
    journal_checked(report.checked, report.seals, report.problems)
    return {"checked": report.checked, "problems": report.problems}


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=48,
)
def deliver_email(self: Any, email_id: int) -> bool:
    """Send one outgoing e-mail; retried with backoff while the server refuses it."""
    return deliver(email_id)
