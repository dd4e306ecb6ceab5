"""Take new messages from the active IMAP mailboxes."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, InterfaceError, close_old_connections, connection

from capture.models import ImapAccount
from capture.sources.imap.poller import poll_and_report


class Command(BaseCommand):
    help = "Poll every active IMAP mailbox (once, or every --interval seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                accounts = list(ImapAccount.objects.filter(active=True))
            except (DatabaseError, InterfaceError) as exc:  # keep polling once it is back
                self.stderr.write(f"database unreachable: {exc}")
                close_old_connections()
                connection.close()
                accounts = []
            for account in accounts:
                try:
                    taken = poll_and_report(account)
                except Exception as exc:
                    self.stderr.write(f"{account.name}: {type(exc).__name__}: {exc}")
                    continue
                self.stdout.write(f"{account.name}: {taken} new message(s)")
            if not options["interval"]:
                return
            time.sleep(options["interval"])
