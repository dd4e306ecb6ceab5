"""The certificates the organisation trusts (signatures, timestamp authorities)."""

from __future__ import annotations

from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings


def trust_roots() -> list[asn1_x509.Certificate]:
    """The organisation's trusted CA certificates (PEM bundle in BANNETTE_TRUST_ROOTS_FILE)."""
    path = settings.BANNETTE_TRUST_ROOTS_FILE
    if not path:
        return []
    text = Path(path).read_bytes()
    return [asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(text, multiple=True)]
