"""The search index follows the mail core's domain events."""

from __future__ import annotations

from courrier.events import MailChanged, MailDeleted, subscribe
from indexing.services import schedule_indexing


def reindex_changed_mail(event: MailChanged) -> None:
    schedule_indexing(event.mail_id)


def forget_deleted_mail(event: MailDeleted) -> None:
    """A deleted mail leaves the index too (PostgreSQL's entry goes with it by cascade)."""
    schedule_indexing(event.mail_id)


def connect() -> None:
    # In the change's transaction: PostgreSQL's index is written with the change, and whoosh's
    # task is queued on commit by schedule_indexing itself.
    subscribe(MailChanged, reindex_changed_mail, in_transaction=True, best_effort=True)
    subscribe(MailDeleted, forget_deleted_mail, in_transaction=True, best_effort=True)
