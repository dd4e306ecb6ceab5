"""Seal the journal's events since the last seal (Merkle root, chained, RFC 3161 timestamp)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from courrier.services.seals import SealFailed, seal_dir, seal_journal, write_copies


class Command(BaseCommand):
    help = "Seal the journal's new events now, and write the seals' copies outside the database."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seal = seal_journal()
        except SealFailed as exc:
            raise CommandError(str(exc)) from exc
        write_copies()
        if seal is None:
            self.stdout.write("Nothing new to seal.")
            return
        stamped = "timestamped" if seal.timestamp_token else "NOT timestamped (no BANNETTE_TSA_URL)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Seal #{seal.number}: events #{seal.first_seq}..#{seal.last_seq}, {stamped}; "
                f"copy in {seal_dir()}"
            )
        )
