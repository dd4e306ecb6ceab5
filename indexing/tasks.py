"""Indexing tasks: take ids, safe to run again."""

from __future__ import annotations

from celery import shared_task

from indexing.services import index_mails
from indexing.whoosh_backend import IndexBusy


@shared_task(autoretry_for=(IndexBusy,), retry_backoff=True, max_retries=10)
def index_mail(mail_id: int) -> int:
    """Bring one mail's index entry up to date (or remove it if the mail is gone). Bannette now
    queues index_mail_batch; this one stays for the tasks an earlier version left in the broker."""
    return index_mails([mail_id])


@shared_task(autoretry_for=(IndexBusy,), retry_backoff=True, max_retries=10)
def index_mail_batch(mail_ids: list[int]) -> int:
    """Bring the entries of the mails one transaction changed up to date, in one commit."""
    return index_mails(mail_ids)
