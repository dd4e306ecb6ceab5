"""Background work of notifications (thin: each calls a service or a job)."""

from __future__ import annotations

from celery import shared_task

from courrier.services.legal import record_implicit_decisions
from notifications import jobs
from notifications.services import send_pending_emails


@shared_task
def send_emails() -> int:
    """Send the notification e-mails due now (retries come back here with their backoff)."""
    return send_pending_emails()


@shared_task
def watch_deadlines() -> str:
    """Record implicit decisions born, then tell of reminders, late mail and escalations."""
    born = record_implicit_decisions()
    return f"implicit decisions {born}, {jobs.watch_deadlines()}"


@shared_task
def send_digests() -> str:
    """The daily digest, once the digest hour has come (the job runs every hour)."""
    if not jobs.digest_is_due():
        return "not yet"
    return str(jobs.send_digests())
