"""Synchronise the accounts with the LDAP / Active Directory: a report first (nothing changes),
then --apply to create, update and deactivate."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sso.ldap import synchronise


class Command(BaseCommand):
    help = "Synchronise users with the directory (a dry run unless --apply)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="apply the changes")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.BANNETTE_LDAP_URI:
            raise CommandError("BANNETTE_LDAP_URI n'est pas défini : aucun annuaire configuré.")
        report = synchronise(apply=options["apply"])
        write = self.stdout.write
        write(
            "Synchronisation appliquée." if report.applied else "Simulation : rien n'est modifié."
        )
        for name in report.created:
            write(f"  + à créer : {name}" if not report.applied else f"  + créé : {name}")
        for name, changes in report.updated:
            detail = ", ".join(f"{k} : {a or '∅'} → {b or '∅'}" for k, (a, b) in changes.items())
            write(f"  ~ {name} : {detail}")
        for name in report.deactivated:
            write(f"  - {'désactivé' if report.applied else 'à désactiver'} : {name}")
        for name, why in report.refused:
            write(f"  ! refusé : {name} ({why})")
        write(
            f"{len(report.created)} création(s), {len(report.updated)} mise(s) à jour, "
            f"{len(report.deactivated)} désactivation(s), {len(report.refused)} refus, "
            f"{report.unchanged} inchangé(s)."
        )
        if not report.applied:
            write("Relancez avec --apply pour appliquer.")
