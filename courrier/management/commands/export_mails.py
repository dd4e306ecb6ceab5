"""Export mail as JSON lines on standard output."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courrier.exports import mail_records


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since expects a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Print one JSON object per mail (optionally only mail arrived since a date)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="only mail arrived on or after this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        since = _date(options["since"]) if options["since"] else None
        for record in mail_records(since):
            self.stdout.write(json.dumps(record, ensure_ascii=False))
