"""Background tasks of the mail core (thin: they call services)."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from celery import shared_task

from courrier.services.journal import verify_journal
from courrier.services.outgoing import deliver

logger = logging.getLogger(__name__)


@shared_task
def verify_journal_task() -> dict[str, Any]:
    """Verify the journal chain; log loudly when it is broken."""
    report = verify_journal()
    if not report.intact:
        logger.error("journal tampering detected: %s", "; ".join(report.problems))
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
