"""Capture files now, through the whole pipeline, optionally with a hot folder's defaults."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from capture.models import InputStatus, SourceKind
from capture.options import CaptureOptions
from capture.services import receive_input, run_pipeline
from courrier.models import Channel
from scanner_hotfolders.models import HotFolder
from scanner_hotfolders.watcher import options_for


class Command(BaseCommand):
    help = "Run the capture pipeline on files and print the chrono numbers created."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--hotfolder", help="take this hot folder's defaults (entity, type...)")
        parser.add_argument("--no-split", action="store_true", help="ignore separator sheets")

    def handle(self, *args: Any, **options: Any) -> None:
        defaults: CaptureOptions = {"split": not options["no_split"], "channel": Channel.PAPER}
        if options["hotfolder"]:
            folder = HotFolder.objects.filter(name=options["hotfolder"]).first()
            if folder is None:
                raise CommandError(f"no hot folder named {options['hotfolder']!r}")
            defaults = options_for(folder)
        missing = [str(f) for f in options["files"] if not f.is_file()]
        if missing:
            raise CommandError(f"not a file: {', '.join(missing)}")
        failures = 0
        with tqdm(options["files"], unit="file", disable=None, file=sys.stderr) as bar:
            for path in bar:
                bar.set_postfix_str(path.name)
                capture_input = receive_input(
                    source_kind=SourceKind.COMMAND,
                    source_ref=str(path.resolve()),
                    name=path.name,
                    content=path.read_bytes(),
                    options=defaults,
                )
                mails = run_pipeline(capture_input)
                if capture_input.status == InputStatus.ERROR:
                    failures += 1
                    self.stderr.write(f"{path}: ERROR {capture_input.error}")
                for mail in mails:
                    self.stdout.write(f"{mail.chrono_number}	{path.name}	{mail.subject}")
        if failures:
            raise CommandError(f"{failures} file(s) failed: see the capture errors screen")
