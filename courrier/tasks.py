"""Background tasks of the mail core (thin: they call services)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from courrier.services.journal import verify_journal

logger = logging.getLogger(__name__)


@shared_task
def verify_journal_task() -> dict[str, Any]:
    """Verify the journal chain; log loudly when it is broken."""
    report = verify_journal()
    if not report.intact:
        logger.error("journal tampering detected: %s", "; ".join(report.problems))
    return {"checked": report.checked, "problems": report.problems}
