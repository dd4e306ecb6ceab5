"""Load the demo town hall (entities, personas, document types, mail)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from demo.organisation import DEMO_PASSWORD, PERSONAS, demo_hotfolder_path, load_demo


class Command(BaseCommand):
    help = "Load the demo organisation (a town hall) with one user per persona."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_demo()
        if created:
            self.stdout.write(self.style.SUCCESS("Demo organisation loaded."))
        else:
            self.stdout.write("Demo organisation already present: personas and passwords reset.")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for persona in PERSONAS:
            self.stdout.write(f"  {persona.username:<12} {persona.description}")
        self.stdout.write(f"\nScanner hot folder: {demo_hotfolder_path()}")
        self.stdout.write("Citizens' web form: /demarches/   (tracking: /demarches/suivi/)")
