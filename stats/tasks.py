"""Background work of statistics (thin: each calls a job)."""

from __future__ import annotations

from celery import shared_task

from notifications.jobs import digest_is_due
from stats import jobs


@shared_task
def send_monthly_reports() -> str:
    """Each manager's report of the month before, from the digest hour of the month's first
    days on (the job runs every hour; a report is never sent twice)."""
    if not digest_is_due():
        return "not yet"
    return str(jobs.send_monthly_reports())
