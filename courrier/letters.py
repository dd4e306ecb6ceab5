"""Render a simple letter page to PDF and PNG thumbnail (demo data and test fixtures)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DPI = 150
A4_PIXELS = (1240, 1754)  # 210 x 297 mm at 150 dpi
_FONT_PATHS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_PATHS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def render_letter(lines: list[str], *, dpi: int = DPI) -> Image.Image:
    """One A4 page with the given paragraphs, wrapped, black on white, at `dpi`."""
    scale = dpi / DPI
    size = (round(A4_PIXELS[0] * scale), round(A4_PIXELS[1] * scale))
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = _font(round(26 * scale))
    y = round(140 * scale)
    for paragraph in lines:
        for line in textwrap.wrap(paragraph, width=70) or [""]:
            draw.text((round(130 * scale), y), line, fill=0, font=font)
            y += round(40 * scale)
        y += round(18 * scale)
    return page


def page_pdf(page: Image.Image, *, dpi: int = DPI) -> bytes:
    """A rendered page as a one-page PDF, as a scanner would save it."""
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=dpi)
    return buffer.getvalue()


def letter_pdf(lines: list[str]) -> bytes:
    return page_pdf(render_letter(lines))


def thumbnail_png(page: Image.Image, width: int = 240) -> bytes:
    thumb = page.copy()
    thumb.thumbnail((width, width * 2))
    buffer = io.BytesIO()
    thumb.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
