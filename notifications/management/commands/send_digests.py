"""Run the morning's notification work now: deadline watch, daily digest, e-mails."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from courrier.services.legal import record_implicit_decisions
from notifications import jobs
from notifications.services import send_pending_emails


class Command(BaseCommand):
    help = (
        "Record implicit decisions born, tell of reminders, late mail and escalations, queue "
        "today's digest for everyone with something to read, and send the e-mails due "
        "(what the beat does each morning; nothing is sent twice on one day)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-send", action="store_true", help="queue the e-mails without sending them"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        born = record_implicit_decisions()
        watch = jobs.watch_deadlines()
        watched = time.perf_counter()
        digests = jobs.send_digests()
        digested = time.perf_counter()
        sent = 0 if options["no_send"] else send_pending_emails(limit=100_000)
        done = time.perf_counter()
        self.stdout.write(f"implicit decisions born: {born}")
        self.stdout.write(f"deadline watch: {watch} ({watched - started:.1f} s)")
        self.stdout.write(f"digests: {digests} ({digested - watched:.1f} s)")
        self.stdout.write(f"e-mails sent: {sent} ({done - digested:.1f} s)")
