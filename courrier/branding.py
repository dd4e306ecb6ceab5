"""The organisation's identity on every page: its name, logo and colour (from settings)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest

LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on this #rrggbb colour (4.5 is the minimum)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)
    return 1.05 / (luminance + 0.05)


def logo_path() -> Path | None:
    name = settings.BANNETTE_ORGANISATION_LOGO
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() in LOGO_TYPES and path.is_file() else None


def organisation_logo(request: HttpRequest) -> FileResponse:
    """The configured logo file (public: the login page shows it too)."""
    path = logo_path()
    if path is None:
        raise Http404("No logo")
    response = FileResponse(path.open("rb"), content_type=LOGO_TYPES[path.suffix.lower()])
    # An SVG opened on its own must not run scripts it might carry.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "public, max-age=3600"
    return response
