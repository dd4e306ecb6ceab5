"""Tesseract OCR of page images, decided page by page from measured signals.

Which pages to read: a page is OCR'd when it has no text layer, or when it is mostly an image
and its text layer is too short to be the page's text (a fax header, a stamp). A page without
images keeps its born-digital text however short it is (one Arabic line is not OCR garbage).

How to read one: tesseract's automatic layout (`--psm 3`), then three checks on what it read:

- **orientation**: most words taller than wide mean the page lies sideways (tesseract then
  reads it at high confidence, and the page would stay sideways); an upside-down page shows
  as a low confidence;
- **missed regions**: the page is cut into quarter-inch cells; cells holding text-like ink
  that no recognised word covers show that layout analysis dropped a region (tesseract takes
  a shaded or speckled paragraph for a picture);
- **confidence**: the mean word confidence, low on a noisy scan.

Any of them sends the page to a second reading of a despeckled copy (a 3-pixel median filter)
with orientation detection (`--psm 1`), whose rotation turns the searchable page upright, then,
if regions are still missed, to a reading as one block (`--psm 6`); the reading with the most
confidently read characters wins. Orientation detection costs ~40 % more per page, so clean
upright pages (nearly all of them) are read once without it. A page that still shows missed regions or a low confidence
is reported as "text may be incomplete", so the mail says so rather than silently missing in
searches.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytesseract
from django.conf import settings
from PIL import Image, ImageDraw, ImageFilter

from ocr import pdf as pdftools

logger = logging.getLogger(__name__)
LOW_CONFIDENCE = 70.0  # clean letters score ~95; a page with 7 % speckle noise ~69
SHORT_TEXT_LAYER = 200  # characters: less than a real page's text
MOSTLY_IMAGE = 0.5  # share of the page painted by images
MIN_TEXT_CHARS = 1  # a page without images keeps any text layer at all
CELL_INCHES = 0.25
MISSED_CELLS = 30  # about two lines of text across the page
MISSED_SHARE = 0.25
CONFIDENT_WORD = 60.0
SECOND_PASS_MIN_SECONDS = 20
SCALE = 4  # the ink is measured at a quarter of the scan's resolution


def needs_ocr(text_layer: str, image_coverage: float) -> bool:
    """Whether a page must be OCR'd, from its text layer and the share of it that is image."""
    chars = len(text_layer.strip())
    if chars < MIN_TEXT_CHARS:
        return True  # a scan, or text drawn as outlines
    return image_coverage >= MOSTLY_IMAGE and chars < SHORT_TEXT_LAYER


@dataclass(frozen=True)
class Word:
    box: tuple[int, int, int, int]  # left, top, right, bottom in image pixels
    confidence: float
    text: str

    @property
    def upright(self) -> bool:
        left, top, right, bottom = self.box
        return right - left >= bottom - top


@dataclass(frozen=True)
class _Pass:
    text: str
    pdf: bytes
    words: list[Word]
    rotation: int

    @property
    def confidence(self) -> float:
        return sum(w.confidence for w in self.words) / len(self.words) if self.words else 0.0

    @property
    def confident_chars(self) -> int:
        return sum(len(w.text) for w in self.words if w.confidence >= CONFIDENT_WORD)

    @property
    def sideways(self) -> bool:
        """Most words of four letters or more stand taller than wide."""
        long_words = [w for w in self.words if len(w.text) >= 4]
        return sum(not w.upright for w in long_words) > len(long_words) / 2


@dataclass(frozen=True)
class Coverage:
    """Quarter-inch cells of the page holding text-like ink, and those no word covers."""

    inked: int
    missed: int

    @property
    def dropped_regions(self) -> bool:
        return self.missed >= MISSED_CELLS and self.missed > MISSED_SHARE * self.inked


@dataclass(frozen=True)
class PageOcr:
    text: str
    pdf: bytes
    confidence: float
    rotation: int = 0  # clockwise degrees applied to show the page upright
    second_pass: bool = False
    incomplete: bool = False  # the text may miss part of the page
    signals: dict[str, float] = field(default_factory=dict)


def _words(tsv: str) -> list[Word]:
    words = []
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) != 12 or cols[0] != "5" or not cols[11].strip():
            continue
        try:
            left, top, width, height = (int(c) for c in cols[6:10])
            confidence = float(cols[10])
        except ValueError:
            continue
        if confidence >= 0:
            words.append(Word((left, top, left + width, top + height), confidence, cols[11]))
    return words


def _rotation(hocr: str) -> int:
    """The page's clockwise rotation to upright: the lines' most common text angle."""
    angles = Counter(int(a) for a in re.findall(r"textangle (\d+)", hocr))
    lines = hocr.count("class='ocr_line'") + hocr.count('class="ocr_line"')
    angles[0] += max(0, lines - sum(angles.values()))
    angle, _count = angles.most_common(1)[0] if angles else (0, 0)
    return angle % 360 if angle in (90, 180, 270) else 0


class _TooLong(Exception):
    pass


def _read(image: Path, languages: str, psm: int, workdir: Path, timeout: float) -> _Pass:
    """One tesseract run writing the searchable page, its text, word boxes and, with
    orientation detection, the lines' angles."""
    base = workdir / f"{image.stem}-psm{psm}"
    outputs = ["pdf", "txt", "tsv"] + (["hocr"] if psm == 1 else [])
    try:
        pytesseract.pytesseract.run_tesseract(
            str(image),
            str(base),
            extension=" ".join(o for o in outputs if o != "tsv"),
            lang=languages,
            config=f"--psm {psm} -c tessedit_create_tsv=1",
            timeout=max(1, round(timeout)),
        )
    except RuntimeError as exc:  # pytesseract's way of saying it killed tesseract
        raise _TooLong(str(exc)) from exc
    files = {ext: base.with_name(f"{base.name}.{ext}") for ext in outputs}
    try:
        return _Pass(
            text=files["txt"].read_text(encoding="utf-8"),
            pdf=files["pdf"].read_bytes(),
            words=_words(files["tsv"].read_text(encoding="utf-8")),
            rotation=_rotation(files["hocr"].read_text(encoding="utf-8")) if psm == 1 else 0,
        )
    finally:
        for output in files.values():
            output.unlink(missing_ok=True)


def _ink_threshold(histogram: list[int]) -> int:
    """Halfway between the darkest 1 % of the page and its paper: faded or blurred ink still
    counts, and a blank page has none."""
    total, seen, darkest, paper = sum(histogram), 0, None, 255
    for level, count in enumerate(histogram):
        seen += count
        if darkest is None and seen >= total * 0.01:
            darkest = level
        if seen >= total * 0.5:
            paper = level
            break
    darkest = paper if darkest is None else darkest
    return min(200, (darkest + paper) // 2) if paper - darkest > 40 else 0


def coverage(image: Path, words: list[Word]) -> Coverage:
    """Compare the page's ink with the recognised words' boxes, cell by cell.

    The page is looked at in quarter resolution (a JPEG decodes so directly), where speckles
    and halftone dots fade into the paper, then a median filter takes what is left of them; a
    cell is text-like when 2 to 40 % of it is ink, so scanner borders, punch holes and photos
    (solid ink) do not count. About 10 ms a page.
    """
    with Image.open(image) as page:
        dpi = float(page.info.get("dpi", (300, 300))[0] or 300)
        full_width = page.width
        page.draft("L", (page.width // SCALE, page.height // SCALE))
        grey = page.convert("L")
    if grey.width > full_width // SCALE + 1:  # not a JPEG: reduce it ourselves
        grey = grey.reduce(SCALE)
    grey = grey.filter(ImageFilter.MedianFilter(3))
    threshold = _ink_threshold(grey.histogram())
    ink = grey.point(lambda v: 255 if v < threshold else 0)
    covered = Image.new("L", ink.size, 0)
    draw = ImageDraw.Draw(covered)
    for word in words:
        left, top, right, bottom = (c // SCALE for c in word.box)
        draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=255)
    cell = max(4, round(dpi / SCALE * CELL_INCHES))
    columns, rows = ink.width // cell, ink.height // cell
    area = (0, 0, columns * cell, rows * cell)
    ink_cells = ink.crop(area).reduce(cell).tobytes()  # mean ink per cell, 0-255
    word_cells = covered.crop(area).reduce(cell).tobytes()
    inked = missed = 0
    for ink_level, word_level in zip(ink_cells, word_cells, strict=True):
        if 0.02 * 255 <= ink_level <= 0.4 * 255:
            inked += 1
            missed += word_level == 0
    return Coverage(inked=inked, missed=missed)


def _despeckled(image: Path, workdir: Path) -> Path:
    """A copy without isolated dots: speckle noise and halftone shading, which make layout
    analysis take text for a picture, go; strokes of text are wider and stay."""
    cleaned = workdir / f"{image.stem}-clean.jpg"
    with Image.open(image) as page:
        dpi = page.info.get("dpi", (300, 300))
        page.convert("L").filter(ImageFilter.MedianFilter(3)).save(cleaned, quality=85, dpi=dpi)
    return cleaned


def _looks_incomplete(result: _Pass, seen: Coverage) -> bool:
    noisy = bool(result.words) and result.confidence < LOW_CONFIDENCE
    return seen.dropped_regions or noisy


def ocr_page(image: Path, workdir: Path, *, languages: str | None = None) -> PageOcr:
    """OCR one page as the module's docstring says; a page tesseract cannot finish in
    BANNETTE_OCR_TIMEOUT seconds comes back empty and flagged, it does not fail the batch."""
    languages = languages or settings.BANNETTE_OCR_LANGUAGES
    limit = settings.BANNETTE_OCR_TIMEOUT
    started = time.monotonic()
    try:
        chosen = _read(image, languages, 3, workdir, limit)
    except _TooLong:
        logger.warning("OCR of %s stopped after %s s: its text is left empty", image.name, limit)
        return PageOcr(text="", pdf=b"", confidence=0.0, incomplete=True)
    # A second pass may take a few times the first one: heavy noise can keep tesseract busy
    # for minutes for nothing.
    budget = min(limit, max(SECOND_PASS_MIN_SECONDS, 3 * (time.monotonic() - started)))
    seen = coverage(image, chosen.words)
    second_pass = False
    if chosen.sideways or _looks_incomplete(chosen, seen):
        cleaned = _despeckled(image, workdir)
        for psm in (1, 6):
            try:
                attempt = _read(cleaned, languages, psm, workdir, budget)
            except _TooLong:
                break
            attempt_seen = coverage(cleaned, attempt.words)
            turned = attempt.rotation and attempt.confident_chars >= 0.9 * chosen.confident_chars
            if turned or attempt.confident_chars > chosen.confident_chars:
                chosen, seen, second_pass = attempt, attempt_seen, True
            # one block has no orientation detection: only for a page already upright
            if not attempt_seen.dropped_regions or attempt.rotation:
                break
        cleaned.unlink()
    pdf = chosen.pdf
    if chosen.rotation:
        pdf = pdftools.rotate_page(pdf, chosen.rotation, workdir)
    return PageOcr(
        text=chosen.text,
        pdf=pdf,
        confidence=chosen.confidence,
        rotation=chosen.rotation,
        second_pass=second_pass,
        incomplete=_looks_incomplete(chosen, seen),
        signals={"inked_cells": seen.inked, "missed_cells": seen.missed},
    )


def ocr_pool() -> ThreadPoolExecutor:
    """Threads that each drive one tesseract process: pages are OCRed on every core at once."""
    return ThreadPoolExecutor(
        max_workers=settings.BANNETTE_OCR_PROCESSES or os.cpu_count() or 1, thread_name_prefix="ocr"
    )
