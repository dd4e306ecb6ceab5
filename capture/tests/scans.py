"""Scanned-looking test material made on the fly: letters, separator sheets, damaged scans."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from capture.separators import Separator, sheets_pdf
from courrier.letters import render_letter

DPI = 300
SIZE = (2480, 3508)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def letter_page(lines: list[str]) -> Image.Image:
    return render_letter(lines, dpi=DPI)


def _render_pdf(data: bytes) -> list[Image.Image]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", str(DPI), "-gray", "-png", str(source), f"{tmp}/p"], check=True
        )
        return [Image.open(p).convert("L") for p in sorted(Path(tmp).glob("p-*.png"))]


def separator_page(entity: str = "", doctype: str = "") -> Image.Image:
    sheet = sheets_pdf([(Separator(entity, doctype), entity or "Générique", [doctype])])
    return _render_pdf(sheet)[0]


def small_foreign_code_page(value: str = "PATCHT", size_mm: float = 14) -> Image.Image:
    """A site's own sheet: a small QR code, printed then scanned again (blurred, resampled)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    widget = QrCodeWidget(value, barLevel="L")
    x1, y1, x2, y2 = widget.getBounds()
    size = size_mm * mm
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 30 * mm, 250 * mm)
    canvas.showPage()
    canvas.save()
    page = _render_pdf(buffer.getvalue())[0]
    rescanned = page.resize((SIZE[0] // 2, SIZE[1] // 2)).resize(SIZE)  # 150 dpi copy scanned again
    return rescanned.filter(ImageFilter.GaussianBlur(1.2))


def linear_code_page(value: str = "PATCHT", symbology: str = "code128") -> Image.Image:
    """A site's own sheet with a 1D barcode (Code 128 or Code 39), printed and scanned."""
    from reportlab.graphics.barcode import code39, code128

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    if symbology == "code39":
        barcode = code39.Standard39(value, barWidth=0.5 * mm, barHeight=18 * mm, checksum=False)
    else:
        barcode = code128.Code128(value, barWidth=0.5 * mm, barHeight=18 * mm)
    barcode.drawOn(canvas, 40 * mm, 200 * mm)
    canvas.showPage()
    canvas.save()
    return blurred(_render_pdf(buffer.getvalue())[0], 0.8)


def skewed(page: Image.Image, degrees: float = 2.5) -> Image.Image:
    return page.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)


def upside_down(page: Image.Image) -> Image.Image:
    return page.rotate(180)


def blurred(page: Image.Image, radius: float = 1.6) -> Image.Image:
    return page.filter(ImageFilter.GaussianBlur(radius))


def fax(page: Image.Image) -> Image.Image:
    """Fax quality: 204 x 98 dpi, black and white."""
    small = page.resize((int(SIZE[0] * 204 / DPI), int(SIZE[1] * 98 / DPI)))
    return small.point(lambda v: 255 if v > 150 else 0).convert("1")


def scanned_pdf(pages: list[Image.Image]) -> bytes:
    """A scanner's PDF: one greyscale JPEG per page at 300 dpi."""
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", resolution=DPI, save_all=True, append_images=pages[1:], quality=75)
    return buffer.getvalue()


def fax_tiff(pages: list[Image.Image]) -> bytes:
    """A multi-page CCITT group 4 TIFF as fax servers produce."""
    frames = [fax(p) for p in pages]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "TIFF", compression="group4", save_all=True, append_images=frames[1:], dpi=(204, 98)
    )
    return buffer.getvalue()


def born_digital_pdf(lines: list[str]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setFont("DejaVu", 12)
    y = 260 * mm
    for line in lines:
        canvas.drawString(25 * mm, y, line)
        y -= 8 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
