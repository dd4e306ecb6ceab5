"""Background work of the API (thin)."""

from __future__ import annotations

from celery import shared_task

from api import webhooks


@shared_task
def send_webhooks() -> int:
    """POST the webhook deliveries due now (retries come back with their backoff)."""
    return webhooks.send_due()
