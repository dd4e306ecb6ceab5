"""Tesseract OCR of page images: one pass per page giving text and a searchable PDF page."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from django.conf import settings
from PIL import Image

LOW_CONFIDENCE = 70.0  # upright French letters score ~95; an upside-down page ~55


@dataclass(frozen=True)
class PageOcr:
    text: str
    pdf: bytes
    confidence: float
    rotation: int = 0


def _mean_confidence(tsv: str) -> tuple[float, int]:
    scores = []
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) == 12 and cols[11].strip():
            try:
                score = float(cols[10])
            except ValueError:
                continue
            if score >= 0:
                scores.append(score)
    return (sum(scores) / len(scores) if scores else 0.0), len(scores)


def _tesseract(image: str, languages: str) -> PageOcr:
    pdf, text, tsv = pytesseract.run_and_get_multiple_output(
        image,
        extensions=["pdf", "txt", "tsv"],
        lang=languages,
        timeout=settings.BANNETTE_OCR_TIMEOUT,
    )
    confidence, _words = _mean_confidence(tsv)
    return PageOcr(text=text, pdf=pdf, confidence=confidence)


def _orientation(image: Path) -> int:
    """Clockwise rotation that makes the page upright, from tesseract's OSD on a small copy."""
    with Image.open(image) as page:
        page.draft("L", (page.width // 3, page.height // 3))
        small = page.convert("L")
    try:
        osd = pytesseract.image_to_osd(small, output_type=pytesseract.Output.DICT, config="--psm 0")
    except pytesseract.TesseractError:
        return 0  # too little text to tell: keep the page as it is
    return int(osd.get("rotate", 0)) % 360


def ocr_page(image: Path, workdir: Path, *, languages: str | None = None) -> PageOcr:
    """OCR one page; pages read with low confidence are checked for rotation and redone upright."""
    languages = languages or settings.BANNETTE_OCR_LANGUAGES
    result = _tesseract(str(image), languages)
    if result.confidence >= LOW_CONFIDENCE:
        return result
    rotation = _orientation(image)
    if rotation == 0:
        return result
    upright = workdir / f"{image.stem}-upright.jpg"
    with Image.open(image) as page:
        dpi = page.info.get("dpi", (300, 300))
        page.rotate(-rotation, expand=True).save(upright, quality=85, dpi=dpi)
    turned = _tesseract(str(upright), languages)
    if turned.confidence <= result.confidence:
        return result
    return PageOcr(turned.text, turned.pdf, turned.confidence, rotation)


def ocr_pool() -> ThreadPoolExecutor:
    """Threads that each drive one tesseract process: pages are OCRed on every core at once."""
    return ThreadPoolExecutor(
        max_workers=settings.BANNETTE_OCR_PROCESSES or os.cpu_count() or 1, thread_name_prefix="ocr"
    )
