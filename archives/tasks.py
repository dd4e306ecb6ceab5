"""Background work of the archives (thin: each calls a service)."""

from __future__ import annotations

from celery import shared_task

from archives import retention, services


@shared_task
def build_export(pk: int) -> str:
    export = services.build_export(pk)
    return f"journal export {export.pk}: {export.status}"


@shared_task
def propose_eliminations() -> str:
    """Propose the mail whose retention period ended (the job runs every hour; a mail is
    proposed once)."""
    return str(retention.propose_eliminations())
