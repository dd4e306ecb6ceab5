"""Run the periodic jobs in this process, on the beat's own schedule (embedded mode)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from courrier.services.operations import beat, exit_cleanly_on_sigterm


class Command(BaseCommand):
    help = (
        "Without a broker there is no Celery beat: run its jobs here (journal seals and checks, "
        "capture sweeper, IMAP polling, acknowledgments) at their intervals. Ctrl+C stops."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every job once, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        exit_cleanly_on_sigterm()
        schedule: dict[str, tuple[str, float]] = {
            name: (str(entry["task"]), float(str(entry["schedule"])))
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        due = dict.fromkeys(schedule, time.monotonic())
        try:
            while True:
                beat("scheduler", _("in this process (no broker)"))
                for name, (task, every) in schedule.items():
                    if time.monotonic() >= due[name]:
                        self._run(name, task)
                        due[name] = time.monotonic() + every
                if options["once"]:
                    return
                time.sleep(max(0.0, min(due.values()) - time.monotonic()))
                close_old_connections()  # outside requests nobody else replaces dead ones
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def _run(self, name: str, task: str) -> None:
        """One job; a failing one is reported and tried again at its next time."""
        try:
            # The schedule names its tasks as the beat does (settings, not imports).
            result = import_string(task).apply().get(propagate=True)
        except Exception as exc:
            self.stderr.write(f"{name}: {type(exc).__name__}: {exc}")
            return
        self.stdout.write(f"{name}: {result}")
