"""Watch the parapheur's return folder and take each signed or refused reply."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from visa.parapheur import poll_inbox


class Command(BaseCommand):
    help = "Take the parapheur's returns from BANNETTE_PARAPHEUR_INBOX (signed PDFs, refusals)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between scans")
        parser.add_argument("--once", action="store_true", help="scan once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            for outcome in poll_inbox():
                self.stdout.write(f"return filed in {outcome}/")
            if options["once"]:
                return
            time.sleep(options["interval"])
