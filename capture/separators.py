"""Barcode separator sheets: the payload, the printable A4 sheet, and detection on scanned pages."""

from __future__ import annotations

import io
from ctypes import string_at
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image
from pyzbar import wrapper as zbar
from pyzbar.pyzbar import ZBarSymbol
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

PREFIX = "BNT1"
FADED_PAGE_BLACK = 0.002  # below this share of black pixels after thresholding, read in grey too
SYMBOLS = [ZBarSymbol.QRCODE, ZBarSymbol.CODE128, ZBarSymbol.CODE39]
# zbar reads every other line and column of the half-resolution page: 40 % less time, and the
# small re-scanned code of the tests is still read (every third line misses it).
SCAN_DENSITY = 2
Y800 = 0x30303859  # zbar's 8-bit greyscale format ("Y800")
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Separator:
    """What a sheet says about the following pages; empty codes mean 'no default'."""

    entity_code: str = ""
    doctype_code: str = ""

    @property
    def payload(self) -> str:
        return f"{PREFIX}|{self.entity_code}|{self.doctype_code}"


def parse(value: str) -> Separator | None:
    """A Bannette payload, or one of the site's foreign separator values (e.g. PATCHT)."""
    value = value.strip()
    if value.startswith(PREFIX + "|"):
        parts = value.split("|")
        return Separator(parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "")
    if value.upper() in {v.upper() for v in settings.BANNETTE_FOREIGN_SEPARATORS}:
        return Separator()
    return None


def _scan(image: Image.Image) -> list[bytes]:
    """The values of the codes zbar reads on a greyscale image, at SCAN_DENSITY (pyzbar's
    decode() does not let the scan density be set)."""
    pixels = image.tobytes()  # kept alive until the scan is over
    scanner = zbar.zbar_image_scanner_create()
    try:
        for symbol in ZBarSymbol:
            enabled = 1 if symbol in SYMBOLS else 0
            zbar.zbar_image_scanner_set_config(scanner, symbol, zbar.ZBarConfig.CFG_ENABLE, enabled)
        for axis in (zbar.ZBarConfig.CFG_X_DENSITY, zbar.ZBarConfig.CFG_Y_DENSITY):
            zbar.zbar_image_scanner_set_config(scanner, ZBarSymbol.NONE, axis, SCAN_DENSITY)
        page = zbar.zbar_image_create()
        try:
            zbar.zbar_image_set_format(page, Y800)
            zbar.zbar_image_set_size(page, image.width, image.height)
            zbar.zbar_image_set_data(page, pixels, len(pixels), None)
            zbar.zbar_scan_image(scanner, page)
            values = []
            symbol = zbar.zbar_image_first_symbol(page)
            while symbol:
                data = zbar.zbar_symbol_get_data(symbol)
                values.append(string_at(data, zbar.zbar_symbol_get_data_length(symbol)))
                symbol = zbar.zbar_symbol_next(symbol)
            return values
        finally:
            zbar.zbar_image_destroy(page)
    finally:
        zbar.zbar_image_scanner_destroy(scanner)


def _decode(image: Image.Image) -> Separator | None:
    for value in _scan(image):
        found = parse(value.decode("utf-8", "replace"))
        if found is not None:
            return found
    return None


def _binarised(image: Image.Image) -> Image.Image:
    return image.point(lambda v: 255 if v > 128 else 0)


def detect(page: Path) -> Separator | None:
    """The separator on this page image, if any (~20 ms a page).

    One zbar pass at half resolution (JPEG decodes at 1/2 directly) on the binarised page: the
    hard threshold restores small, blurred, re-scanned codes that zbar misses in grey. A page the
    threshold turns almost white (faded print) is also read in grey.
    """
    with Image.open(page) as image:
        image.draft("L", (image.width // 2, image.height // 2))
        half = image.convert("L")
    binary = _binarised(half)
    found = _decode(binary)
    if found is None and binary.histogram()[0] < FADED_PAGE_BLACK * half.width * half.height:
        found = _decode(half)
    return found


def _register_fonts() -> tuple[str, str]:
    if Path(_FONT).exists() and Path(_FONT_BOLD).exists():
        registered = pdfmetrics.getRegisteredFontNames()
        for name, path in (("DejaVu", _FONT), ("DejaVu-Bold", _FONT_BOLD)):
            if name not in registered:
                pdfmetrics.registerFont(TTFont(name, path))
        return "DejaVu", "DejaVu-Bold"
    return "Helvetica", "Helvetica-Bold"


def _draw_sheet(canvas: Canvas, separator: Separator, title: str, lines: list[str]) -> None:
    regular, bold = _register_fonts()
    width, height = A4
    canvas.setFont(bold, 30)
    canvas.drawCentredString(width / 2, height - 40 * mm, "SÉPARATEUR — BANNETTE")
    widget = QrCodeWidget(separator.payload, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    size = 110 * mm
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, (width - size) / 2, height / 2 - 40 * mm)
    canvas.setFont(bold, 24)
    canvas.drawCentredString(width / 2, height / 2 - 60 * mm, title)
    canvas.setFont(regular, 15)
    for i, line in enumerate(lines):
        canvas.drawCentredString(width / 2, height / 2 - (72 + 9 * i) * mm, line)
    canvas.setFont(regular, 9)
    canvas.drawCentredString(width / 2, 15 * mm, f"{separator.payload} — ne pas numériser seul")
    canvas.showPage()


def sheets_pdf(sheets: list[tuple[Separator, str, list[str]]]) -> bytes:
    """A4 separator sheets: (separator, title, lines in clear) for each sheet."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle("Feuilles de séparation Bannette")
    for separator, title, lines in sheets:
        _draw_sheet(canvas, separator, title, lines)
    canvas.save()
    return buffer.getvalue()
