"""Separator sheets for entities and document types of this organisation."""

from __future__ import annotations

from capture.separators import Separator, sheets_pdf
from courrier.models import DocumentType, Entity


def separator_sheets(
    *, entity: Entity | None, document_type: DocumentType | None, copies: int = 1
) -> bytes:
    separator = Separator(
        entity.code if entity else "", document_type.code if document_type else ""
    )
    title = entity.label if entity else "Séparateur générique"
    lines = [f"Type : {document_type.label}" if document_type else "Type : à qualifier"]
    if entity:
        lines.append(f"Code entité : {entity.code}")
    return sheets_pdf([(separator, title, lines)] * copies)
