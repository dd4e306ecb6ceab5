"""Building .docx templates for tests with python-docx, as an administrator would in Word."""

from __future__ import annotations

import io

import docx

REPLY_LINES = [
    "{{ entity.label }}",
    "{{ recipient.address }}",
    "Villedieu, le {{ today }}",
    "Objet : {{ mail.subject }} (réf. {{ mail.chrono }})",
    "{{ recipient.civility }} {{ recipient.last_name }},",
    "Nous avons bien reçu votre courrier du {{ mail.arrival_date }}.",
    "{{ signatory.name }}",
    "{{ signature }}",
]


def docx_bytes(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
