"""Watch every active hot folder and capture what scanners drop there."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from courrier.services.operations import exit_cleanly_on_sigterm
from scanner_hotfolders.watcher import sync_folders_from_environment, watch_cycle, watches


class Command(BaseCommand):
    help = "Poll the active hot folders (files present at start are taken too); Ctrl+C stops."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--once", action="store_true", help="resume and poll once, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        exit_cleanly_on_sigterm()
        sync_folders_from_environment()
        # --once takes what is there now: the files are assumed complete.
        folders = watches(stable_seconds=0 if options["once"] else None)
        for watch in folders:
            self.stdout.write(f"watching {watch.folder.name}: {watch.root}")
            for capture_input in watch.resume():
                self.stdout.write(f"  resumed {capture_input.file_name}")
        try:
            while True:
                for capture_input in watch_cycle(folders):
                    capture_input.refresh_from_db()  # captured in the meantime (embedded mode)
                    status = capture_input.get_status_display()
                    error = f" ({capture_input.error})" if capture_input.error else ""
                    self.stdout.write(
                        f"{capture_input.source_name}: {capture_input.file_name} → {status}{error}"
                    )
                if options["once"] and all(not w.seen for w in folders):
                    return
                time.sleep(options["interval"])
        except KeyboardInterrupt:
            self.stdout.write("stopped")
