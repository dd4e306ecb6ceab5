"""Background work of the archives (thin: each calls a service)."""

from __future__ import annotations

from celery import shared_task

from archives import services


@shared_task
def build_export(pk: int) -> str:
    export = services.build_export(pk)
    return f"journal export {export.pk}: {export.status}"
