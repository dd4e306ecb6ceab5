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


# An acknowledgment with every mention of CRPA R112-5.
ACKNOWLEDGMENT_LINES = [
    "{{ legal.service_name }}",
    "{{ legal.service_address }}",
    "Tél. {{ legal.service_phone }} — {{ legal.service_email }}",
    "{{ recipient.name }}",
    "{{ recipient.address }}",
    "Objet : accusé de réception de votre demande {{ mail.chrono }}",
    "Nous avons reçu votre demande « {{ mail.subject }} » le {{ legal.received_on }}.",
    "Délai : {{ legal.delay }}. Date de décision implicite : {{ legal.implicit_decision_date }}.",
    "{{ legal.consequence }}",
    "{{ legal.appeal }}",
    "{{ legal.attestation }}",
    "{{ legal.completeness }}",
]

ATTESTATION_LINES = [
    "{{ legal.organisation }} — {{ entity.label }}",
    "Attestation de décision implicite d'acceptation (article L232-3 du CRPA)",
    "La demande « {{ mail.subject }} » ({{ mail.chrono }}) de {{ sender.name }},",
    "reçue le {{ legal.received_on }}, a fait l'objet d'une décision implicite d'acceptation",
    "née le {{ legal.implicit_decision_date }}.",
]
