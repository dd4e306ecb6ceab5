"""Verify the hash chain of the probative journal."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from courrier.services.journal import verify_journal


class Command(BaseCommand):
    help = "Check every journal event against its hash and its predecessor; exit 1 on tampering."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_journal()
        if report.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Journal intact: %(n)s events checked, %(s)s seals.")
                    % {"n": report.checked, "s": report.seals}
                )
            )
            return
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(
            _("Journal TAMPERED: %(p)s problem(s) in %(n)s events.")
            % {"p": len(report.problems), "n": report.checked}
        )
