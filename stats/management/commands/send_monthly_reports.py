"""Send the managers' monthly statistics reports now."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications.services import send_pending_emails
from stats import jobs
from stats.indicators import Period


class Command(BaseCommand):
    help = (
        "Make each manager's statistics report (PDF) of a month for each of their entities, "
        "tell them in Bannette and send it by e-mail (the month before unless --month YYYY-MM; "
        "nothing is sent twice)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="the month to report, as YYYY-MM")
        parser.add_argument(
            "--no-send", action="store_true", help="queue the e-mails without sending them"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        month = None
        if options["month"]:
            try:
                day = datetime.date.fromisoformat(f"{options['month']}-01")
            except ValueError as exc:
                raise CommandError("--month takes a month as YYYY-MM, e.g. 2026-10") from exc
            month = Period.of("month", day)
        run = jobs.send_monthly_reports(month)
        sent = 0 if options["no_send"] else send_pending_emails(limit=100_000)
        self.stdout.write(f"{run}; e-mails sent: {sent}")
