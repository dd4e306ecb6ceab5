"""Capture tasks: they take ids and are safe to run again."""

from __future__ import annotations

import logging

from celery import shared_task

from capture.models import ImapAccount
from capture.services import process_input

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def process_capture_input(input_id: int) -> list[str]:
    """Run the capture pipeline on one input; returns the chrono numbers registered."""
    return [mail.chrono_number or "" for mail in process_input(input_id)]


@shared_task
def send_pending_acknowledgments() -> int:
    """Send the acknowledgments that could not leave when their mail was registered."""
    from capture.sources.webform.services import send_pending_acknowledgments as send  # idem

    return send()


@shared_task
def poll_mailboxes() -> int:
    """Take new messages from every active IMAP mailbox; one failing mailbox skips only itself."""
    from capture.sources.imap.poller import poll_account  # the poller queues tasks of ours

    taken = 0
    for account in ImapAccount.objects.filter(active=True):
        try:
            taken += len(poll_account(account))
        except Exception:
            logger.exception("IMAP mailbox %s could not be polled", account.name)
    return taken
