"""Background work of office templates (thin: calls the service)."""

from __future__ import annotations

from celery import shared_task

from templates_office.services import convert


@shared_task(acks_late=True)
def convert_version(version_id: int) -> str:
    """Convert one attachment version to PDF with LibreOffice."""
    return convert(version_id).pdf_status
