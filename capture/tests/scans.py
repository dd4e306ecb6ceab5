"""Scanned-looking test material made on the fly: letters, separator sheets, damaged scans."""

from __future__ import annotations

import io
import math
import random
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
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


def shaded(
    page: Image.Image, box: tuple[int, int, int, int] | None = None, step: int = 6, dot: int = 1
) -> Image.Image:
    """A band (or the whole page) printed on a dotted halftone background, as a form's shaded
    field scans; bigger, closer dots make a darker shade."""
    page = page.copy()
    draw = ImageDraw.Draw(page)
    left, top, right, bottom = box or (0, 0, page.width, page.height)
    for y in range(top, bottom, step):
        for x in range(left + (y // step % 2) * step // 2, right, step):
            draw.ellipse((x, y, x + dot, y + dot), fill=0)
    return page


def speckled(page: Image.Image, share: float, seed: int = 2) -> Image.Image:
    """Salt-and-pepper noise over `share` of the pixels: a dirty glass, a bad photocopy."""
    rng = random.Random(seed)
    page = page.copy()
    pixels = page.load()
    assert pixels is not None
    for _ in range(int(page.width * page.height * share)):
        pixels[rng.randrange(page.width), rng.randrange(page.height)] = rng.choice((0, 255))
    return page


def grainy(page: Image.Image, sigma: float) -> Image.Image:
    """Gaussian grain over the whole page: a photo in poor light, a grey recycled paper."""
    noise = Image.effect_noise(page.size, sigma)  # centred on 128
    return ImageChops.add(page.convert("L"), noise, scale=1.0, offset=-128)


def signed(page: Image.Image) -> Image.Image:
    """A clean letter with a logo (solid ink) and a handwritten-like signature."""
    page = page.copy()
    draw = ImageDraw.Draw(page)
    draw.rectangle((1900, 120, 2300, 420), fill=0)
    draw.ellipse((1950, 160, 2250, 380), fill=255)
    stroke = [(1500 + i * 3, 2900 + int(60 * math.sin(i / 7))) for i in range(200)]
    draw.line(stroke, fill=0, width=6)
    return page


def scan_with_text_header(page: Image.Image, header: str) -> bytes:
    """A scanned page (JPEG) under a line of real text, as a fax server stamps its header."""
    buffer = io.BytesIO()
    image = io.BytesIO()
    page.save(image, "JPEG", quality=75, dpi=(DPI, DPI))
    canvas = Canvas(buffer, pagesize=A4)
    canvas.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    canvas.setFont("Helvetica", 8)
    canvas.drawString(10 * mm, A4[1] - 6 * mm, header)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
