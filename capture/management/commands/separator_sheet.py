"""Print separator sheets to a PDF file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capture.sheets import separator_sheets
from courrier.models import DocumentType, Entity


class Command(BaseCommand):
    help = "Write A4 separator sheets (QR code + labels); without --entity, a generic sheet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entity", help="entity code the following pages go to")
        parser.add_argument("--doctype", help="document type code of the following pages")
        parser.add_argument("--copies", type=int, default=1)
        parser.add_argument("--output", type=Path, required=True, help="PDF file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        entity = document_type = None
        if options["entity"]:
            entity = Entity.objects.filter(code=options["entity"]).first()
            if entity is None:
                raise CommandError(f"unknown entity code {options['entity']!r}")
        if options["doctype"]:
            document_type = DocumentType.objects.filter(code=options["doctype"]).first()
            if document_type is None:
                raise CommandError(f"unknown document type code {options['doctype']!r}")
        pdf = separator_sheets(entity=entity, document_type=document_type, copies=options["copies"])
        options["output"].write_bytes(pdf)
        self.stdout.write(f"{options['copies']} sheet(s) written to {options['output']}")
