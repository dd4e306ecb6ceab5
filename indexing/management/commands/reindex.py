"""Rebuild the search index from the database."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from courrier.models import Mail
from indexing.services import rebuild


class Command(BaseCommand):
    help = "Empty the search index and index every mail again (progress bar on stderr)."

    def handle(self, *args: Any, **options: Any) -> None:
        with tqdm(total=Mail.objects.count(), unit="mail", disable=None, file=sys.stderr) as bar:

            def advance(count: int) -> None:
                bar.update(count)

            indexed = rebuild(progress=advance)
        self.stdout.write(f"{indexed} mail(s) indexed.")
