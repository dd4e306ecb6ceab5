"""Archivists' services: journal export packages, on the command line or built in the
background for the screen; each export is itself journaled."""

from __future__ import annotations

import datetime
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from archives.journal_package import (
    PackageSummary,
    PackageUnprovable,
    local_bounds,
    write_package,
)
from archives.models import ExportStatus, JournalExport
from courrier.models import User
from courrier.services.journal import record_event

logger = logging.getLogger(__name__)
__all__ = ["build_export", "export_journal", "local_bounds", "request_export"]


def check_may_export(user: User | None) -> None:
    if user is not None and not user.has_perm("courrier.export_journal"):
        raise PermissionDenied("Your role does not allow exporting the journal.")


def export_journal(
    output: Path,
    *,
    actor: User | None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PackageSummary:
    """Write the package, then journal who exported what."""
    check_may_export(actor)
    summary = write_package(output, since=since, until=until, exported_by=actor, progress=progress)
    with transaction.atomic():
        record_event(
            action="journal.exported",
            actor=actor,
            target=None,
            details={
                **({"since": since.isoformat()} if since else {}),
                **({"until": until.isoformat()} if until else {}),
                "first": summary.first_seq,
                "last": summary.last_seq,
                "events": summary.events,
            },
        )
    return summary


def request_export(
    *, actor: User, since: datetime.date | None, until: datetime.date | None
) -> JournalExport:
    check_may_export(actor)
    export = JournalExport.objects.create(requested_by=actor, since=since, until=until)
    transaction.on_commit(lambda: start_building(export.pk))
    return export


def start_building(pk: int) -> None:
    from archives.tasks import build_export

    build_export.delay(pk)


def build_export(pk: int) -> JournalExport:
    """Build a requested package (the worker, or this process in embedded mode)."""
    export = JournalExport.objects.select_related("requested_by").get(pk=pk)
    if export.status != ExportStatus.WAITING:
        return export
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"journal-{export.pk}.zip"
        requester = export.requested_by
        try:
            with translation.override(requester.language or settings.LANGUAGE_CODE):
                summary = export_journal(
                    path, actor=requester, since=export.since, until=export.until
                )
        except Exception as exc:  # the archivist sees why on the screen and may ask again
            logger.exception("journal export %s failed", export.pk)
            with translation.override(requester.language or settings.LANGUAGE_CODE):
                reason = (
                    str(exc)
                    if isinstance(exc, PackageUnprovable)
                    else _("The package could not be built; the reason is in the server's log.")
                )
            export.status, export.error = ExportStatus.FAILED, reason[:2000]
            export.finished_at = timezone.now()
            export.save(update_fields=["status", "error", "finished_at"])
            return export
        with path.open("rb") as handle:
            export.file.save(f"journal-{export.pk}.zip", File(handle), save=False)
    export.first_seq, export.last_seq = summary.first_seq, summary.last_seq
    export.events, export.size = summary.events, summary.size
    export.status, export.finished_at = ExportStatus.READY, timezone.now()
    export.save()
    return export
