"""Stored files as the archives handle them: read whole, fingerprinted, destroyed with a trace."""

from __future__ import annotations

import hashlib

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


def destroy(file: FieldFile, name: str, destroyed: dict[str, str]) -> None:
    """Delete the stored file, noting its SHA-256 under `name` (the journal keeps it)."""
    data = read(file)
    if data is not None:
        destroyed[name] = hashlib.sha256(data).hexdigest()
    if file:
        file.delete(save=False)


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
