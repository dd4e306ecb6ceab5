"""Stored files as the archives handle them: read whole; and the certificates' tables (files
are destroyed with a trace by courrier.personal_places.destroy_file)."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from reportlab.lib import colors
from reportlab.platypus import Table, TableStyle


def read(file: FieldFile) -> bytes | None:
    """The file's bytes; None when there is none, or it is gone from the storage."""
    if not file:
        return None
    try:
        with file.open("rb") as handle:
            data: bytes = handle.read()
            return data
    except FileNotFoundError:
        return None


def pdf_table(rows: list[list[object]], widths: list[float]) -> Table:
    """A table of a certificate: a bold header line, light rules, small print."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
