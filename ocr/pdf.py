"""PDF plumbing with poppler and qpdf: page count, text layer, page images, page extraction."""

from __future__ import annotations

import logging
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from pdf2image import convert_from_path

logger = logging.getLogger(__name__)

TIMEOUT = 300  # seconds for one external tool call; a hung tool must not block the pipeline
MIN_SCAN_PPI = 150


class PdfError(Exception):
    """The file is not a readable PDF; the message is meant for the operator."""


class PdfProtected(PdfError):
    pass


def _run(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(  # noqa: S603 (fixed tool names, file paths as arguments)
            args, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise PdfError(_("reading the PDF took more than %(s)s s") % {"s": TIMEOUT}) from None
    if check and result.returncode != 0:
        logger.info("%s failed: %s", args[0], result.stderr.strip()[:300])
        raise PdfError(_("the PDF cannot be read: it is damaged or not a PDF"))
    return result


def page_count(path: Path) -> int:
    """Number of pages; PdfProtected for password-protected files, PdfError for broken ones."""
    result = _run(["pdfinfo", str(path)], check=False)
    message = result.stderr.strip()
    if result.returncode != 0:
        if "password" in message.lower():
            raise PdfProtected(_("the PDF is protected by a password"))
        logger.info("pdfinfo: %s", message[:300])
        raise PdfError(_("the PDF cannot be read: it is damaged or not a PDF"))
    match = re.search(r"^Pages:\s+(\d+)", result.stdout, re.MULTILINE)
    if not match or int(match.group(1)) == 0:
        raise PdfError(_("the PDF has no page"))
    return int(match.group(1))


def page_sizes(path: Path) -> list[tuple[float, float]]:
    """Each page's width and height in points (1/72 inch), read without rendering anything."""
    result = _run(["pdfinfo", "-f", "1", "-l", "100000", str(path)])
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", result.stdout, re.MULTILINE)
    return [(float(width), float(height)) for width, height in sizes]


def page_texts(path: Path) -> list[str]:
    """The born-digital text of each page (empty strings for scanned pages)."""
    result = _run(["pdftotext", "-enc", "UTF-8", str(path), "-"])
    pages = result.stdout.split("\f")
    return pages[:-1] if pages and pages[-1] == "" else pages


def extract_pages(source: Path, pages: list[int], dest: Path) -> Path:
    """Write the given 1-based pages of `source` to `dest`, in order, without re-encoding."""
    ranges = ",".join(str(p) for p in pages)
    _run(["qpdf", "--empty", "--pages", str(source), ranges, "--", str(dest)])
    return dest


def merge(parts: list[Path], dest: Path) -> Path:
    if len(parts) == 1:
        dest.write_bytes(parts[0].read_bytes())
        return dest
    _run(["qpdf", "--empty", "--pages", *[str(p) for p in parts], "--", str(dest)])
    return dest


@dataclass(frozen=True)
class _ListedImage:
    page: int
    encoding: str
    ppi: int
    square_inches: float  # the area the image covers on its page


def _listed_images(path: Path) -> list[_ListedImage]:
    listed = []
    for line in _run(["pdfimages", "-list", str(path)]).stdout.splitlines()[2:]:
        cols = line.split()
        if len(cols) >= 14 and cols[2] == "image":
            width, height, x_ppi, y_ppi = int(cols[3]), int(cols[4]), int(cols[12]), int(cols[13])
            area = (width / x_ppi) * (height / y_ppi) if x_ppi and y_ppi else 0.0
            listed.append(_ListedImage(int(cols[0]), cols[8], x_ppi, area))
    return listed


def image_coverage(path: Path, pages: int) -> list[float]:
    """For each page, the share of its area painted by images (0 = only text and drawings,
    1 = a scan), read from the file's structure without rendering anything."""
    covered = [0.0] * pages
    for image in _listed_images(path):
        if 1 <= image.page <= pages:
            covered[image.page - 1] += image.square_inches
    for index, (width, height) in enumerate(page_sizes(path)[:pages]):
        page_area = (width / 72) * (height / 72)
        covered[index] = min(1.0, covered[index] / page_area) if page_area else 0.0
    return covered


def rotate_page(page_pdf: bytes, degrees: int, workdir: Path) -> bytes:
    """Turn a one-page PDF clockwise by setting its /Rotate: the page is shown upright, the image
    and its text layer stay as they are."""
    source, dest = workdir / f"turn-{id(page_pdf)}.pdf", workdir / f"turned-{id(page_pdf)}.pdf"
    source.write_bytes(page_pdf)
    _run(["qpdf", f"--rotate=+{degrees}:1", str(source), str(dest)])
    return dest.read_bytes()


def scan_images(path: Path, workdir: Path, pages: int) -> list[Path] | None:
    """The scanner's own JPEG of each page, when every page is exactly one such image.

    Extracting costs ~5 ms a page where rendering costs ~100 ms, and tesseract then embeds the
    same JPEG in the searchable PDF without recompressing it.
    """
    listed = _listed_images(path)
    if [i.page for i in listed] != list(range(1, pages + 1)):
        return None
    if any(i.encoding != "jpeg" or i.ppi < MIN_SCAN_PPI for i in listed):
        return None
    if re.search(r"rot:\s+[1-9]", _run(["pdfinfo", "-f", "1", "-l", str(pages), str(path)]).stdout):
        return None  # rotated pages: render them as displayed
    _run(["pdfimages", "-j", str(path), str(workdir / "scan")])
    found = sorted(workdir.glob("scan-*.jpg"))
    if len(found) != pages:
        return None
    for image, listed_image in zip(found, listed, strict=True):
        _set_jfif_density(image, listed_image.ppi)
    return found


def _set_jfif_density(image: Path, ppi: int) -> None:
    """Write the page's resolution into the JPEG's JFIF header, without recompressing: the
    JPEG a PDF embeds often says 72 dpi or nothing, and tesseract sizes the searchable page
    from it (a 300 dpi A4 scan became a page 35 inches wide)."""
    data = bytearray(image.read_bytes())
    if data[2:4] != b"\xff\xe0" or data[6:11] != b"JFIF\x00":
        return  # no JFIF header to correct: tesseract falls back on its own guess
    data[13] = 1  # densities in dots per inch
    data[14:16] = data[16:18] = ppi.to_bytes(2, "big")
    image.write_bytes(bytes(data))


def render(
    path: Path, workdir: Path, *, dpi: int = 300, first: int = 1, last: int = 0
) -> list[Path]:
    """Render pages to greyscale JPEG files (one pdftoppm process per call)."""
    rendered: list[Any] = convert_from_path(
        str(path),
        dpi=dpi,
        grayscale=True,
        fmt="jpeg",
        output_folder=str(workdir),
        paths_only=True,
        first_page=first,
        last_page=last or page_count(path),
        output_file="page",
        jpegopt={"quality": 85, "progressive": False, "optimize": False},
        timeout=TIMEOUT,
    )
    return [Path(p) for p in rendered]  # paths_only=True gives paths, not images


def page_images(path: Path, workdir: Path, pages: int, *, has_text: bool = False) -> list[Path]:
    """One image file per page: the scan itself when possible, a 300 dpi rendering otherwise.

    A file with a text layer is rendered: text drawn over a scan (a fax header, a stamp) is not
    in the scanner's JPEG, and the OCR'd page must still show it.
    """
    return (None if has_text else scan_images(path, workdir, pages)) or render(path, workdir)
