"""Background work of the archives (thin: each calls a service)."""

from __future__ import annotations

from celery import shared_task

from archives import personal_data, retention, services, transfers
from archives.models import ArchiveAgreement


@shared_task
def build_export(pk: int) -> str:
    export = services.build_export(pk)
    return f"journal export {export.pk}: {export.status}"


@shared_task
def propose_eliminations() -> str:
    """Propose the mail whose retention period ended (the job runs every hour; a mail is
    proposed once)."""
    return str(retention.propose_eliminations())


@shared_task
def read_transfer_replies() -> str:
    """Take the archive services' acknowledgements and replies from the agreements' inboxes."""
    return "; ".join(
        f"{agreement}: {transfers.read_replies(agreement)}"
        for agreement in ArchiveAgreement.objects.filter(active=True)
    )


@shared_task
def anonymise_personal_data() -> str:
    """Anonymise the citizens' mail whose delay after closing has passed (hourly, idempotent)."""
    return str(personal_data.anonymise_due())
