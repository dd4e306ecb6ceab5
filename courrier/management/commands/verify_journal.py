"""Verify the hash chain of the probative journal."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from courrier.services.journal import verify_journal


class Command(BaseCommand):
    help = "Check every journal event against its hash and its predecessor; exit 1 on tampering."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_journal()
        if report.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Journal intact: {report.checked} events checked. Seals: {report.seals}."
                )
            )
            return
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(
            f"Journal TAMPERED: {len(report.problems)} problem(s) in {report.checked} events."
        )
