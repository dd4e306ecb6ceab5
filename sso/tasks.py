"""The scheduled directory synchronisation."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from courrier.services.operations import beat
from sso.ldap import synchronise


@shared_task
def sync_directory() -> dict[str, int]:
    if not settings.BANNETTE_LDAP_URI or not settings.BANNETTE_LDAP_SYNC_HOURS:
        return {}
    report = synchronise(apply=True)
    beat(
        "directory-sync",
        f"{len(report.created)} créé(s), {len(report.updated)} mis à jour, "
        f"{len(report.deactivated)} désactivé(s)",
    )
    return {
        "created": len(report.created),
        "updated": len(report.updated),
        "deactivated": len(report.deactivated),
    }
