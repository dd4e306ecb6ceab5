"""Print-ready replies for windowed envelopes: an address sheet, then the signed letter."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

# French DL window envelope (NF EN ISO 269 / La Poste): window 100 x 45 mm, its left edge
# 110 mm from the sheet's left and its top 50 mm from the sheet's top, letter folded in three.
WINDOW_LEFT, WINDOW_TOP, WINDOW_WIDTH, WINDOW_HEIGHT = 110 * mm, 50 * mm, 90 * mm, 40 * mm


def address_sheet(lines: list[str], *, sender_lines: list[str], reference: str) -> bytes:
    """One A4 page: the sender top left, the recipient's block inside the envelope's window."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    height = A4[1]
    page.setFont("Helvetica", 9)
    y = height - 20 * mm
    for line in sender_lines:
        page.drawString(20 * mm, y, line)
        y -= 4.2 * mm
    page.setFont("Helvetica", 11)
    y = height - WINDOW_TOP - 6 * mm
    block = lines[:6]  # La Poste: six lines at most, the town in capitals
    for number, line in enumerate(block, start=1):
        page.drawString(WINDOW_LEFT + 4 * mm, y, line.upper() if number == len(block) else line)
        y -= 5 * mm
    page.setFont("Helvetica", 8)
    page.drawString(20 * mm, 20 * mm, reference)
    page.showPage()
    page.save()
    return buffer.getvalue()


def print_ready(sheet: bytes, letter: bytes) -> bytes:
    """The address sheet followed by every page of the letter (qpdf; the letter is untouched)."""
    with tempfile.TemporaryDirectory() as work:
        first, second, out = Path(work, "a.pdf"), Path(work, "b.pdf"), Path(work, "out.pdf")
        first.write_bytes(sheet)
        second.write_bytes(letter)
        subprocess.run(  # noqa: S603 - fixed program on our own temp files
            ["qpdf", "--empty", "--pages", str(first), str(second), "--", str(out)],  # noqa: S607
            check=True,
            capture_output=True,
            timeout=60,
        )
        return out.read_bytes()
