"""Export the probative journal of a period as a package an archivist verifies on her own."""

from __future__ import annotations

import datetime
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from archives.services import export_journal
from courrier.models import User


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = (
        "Write the journal's events of a period (widened to whole seals), their seals and "
        "timestamp tokens, the authority's certificates, a README in French and the standalone "
        "verifier (verify.py) to a ZIP; the export is journaled."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="first day, YYYY-MM-DD (default: the beginning)")
        parser.add_argument("--until", help="last day, YYYY-MM-DD (default: today)")
        parser.add_argument("--output", required=True, help="the ZIP file to write")
        parser.add_argument("--user", help="the archivist exporting (journaled; default: system)")

    def handle(self, *args: Any, **options: Any) -> None:
        since = _date(options["since"]) if options["since"] else None
        until = _date(options["until"]) if options["until"] else None
        if since and until and since > until:
            raise CommandError("--since comes after --until")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no such user: {options['user']}")
        output = Path(options["output"])
        started = time.perf_counter()
        with tqdm(unit="event", desc="Journal", disable=None, file=sys.stderr) as bar:

            def advance(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            summary = export_journal(
                output, actor=actor, since=since, until=until, progress=advance
            )
        span = (
            f"events #{summary.first_seq} to #{summary.last_seq}" if summary.events else "no event"
        )
        self.stdout.write(
            f"{output}: {span} ({summary.events}), {summary.seals} seals, "
            f"{summary.size / 1_000_000:.1f} MB in {time.perf_counter() - started:.1f} s"
        )
        self.stdout.write(f"Check it with: python3 verify.py {output.name}  (inside the ZIP)")
