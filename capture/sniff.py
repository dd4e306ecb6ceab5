"""What a file is, from its content (never from its name)."""

from __future__ import annotations

import re

PDF = "application/pdf"
TIFF = "image/tiff"
JPEG = "image/jpeg"
PNG = "image/png"
EMAIL = "message/rfc822"
IMAGES = {TIFF, JPEG, PNG}
_EMAIL_HEADER = re.compile(
    rb"^(Received|Return-Path|From|To|Subject|Date|Message-ID|MIME-Version|Delivered-To|"
    rb"X-[\w-]+|Content-Type|DKIM-Signature|ARC-[\w-]+):",
    re.IGNORECASE,
)


def sniff(head: bytes) -> str | None:
    """The MIME type of a supported file from its first KiB, None when unsupported."""
    if b"%PDF-" in head[:1024]:
        return PDF
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[:3] == b"\xff\xd8\xff":
        return JPEG
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if _EMAIL_HEADER.match(head.lstrip()):
        return EMAIL
    return None
