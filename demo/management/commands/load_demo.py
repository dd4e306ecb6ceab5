"""Load the demo town hall (entities, personas, document types and a year of mail)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.test.utils import override_settings
from tqdm import tqdm

from demo.organisation import DEMO_PASSWORD, PERSONAS, demo_hotfolder_path, load_demo
from demo.year import DEFAULT_MAILS


class Command(BaseCommand):
    help = "Load the demo organisation (a town hall) with one user per persona and a year of mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mails",
            type=int,
            default=DEFAULT_MAILS,
            help=f"mails in the year of history (default {DEFAULT_MAILS}; 0 for none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with tqdm(unit="step", desc="Une année de courrier", disable=None, file=sys.stderr) as bar:

            def advance(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            # The year is written in one go: e-mails and captures it sets off run in this thread,
            # not beside it (on SQLite a second writer would wait on the load, then fail).
            with override_settings(
                BANNETTE_NOTIFY_IN_BACKGROUND=False, BANNETTE_CAPTURE_IN_BACKGROUND=False
            ):
                created = load_demo(year_mails=options["mails"], progress=advance)
        if created:
            self.stdout.write(self.style.SUCCESS("Demo organisation loaded."))
        else:
            self.stdout.write("Demo organisation already present: personas and passwords reset.")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for persona in PERSONAS:
            self.stdout.write(f"  {persona.username:<12} {persona.description}")
        self.stdout.write(f"\nScanner hot folder: {demo_hotfolder_path()}")
        self.stdout.write("Citizens' web form: /demarches/   (tracking: /demarches/suivi/)")
