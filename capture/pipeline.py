"""The capture pipeline: ordered, idempotent steps sharing one context.

preflight → page images → split on separators → text (born-digital or OCR) → classify →
register (chrono, due date, "to qualify") → renditions (searchable PDF, thumbnail)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from capture import sniff
from capture.models import CaptureInput
from capture.options import CaptureOptions, Suggestions
from capture.separators import Separator, detect
from capture.sources.imap.message import email_to_pdf
from courrier.models import DocumentType, Entity
from courrier.services.mail import IncomingFile
from ocr import pdf as pdftools
from ocr.engine import PageOcr, needs_ocr, ocr_page

logger = logging.getLogger(__name__)


class CaptureRejected(Exception):
    """The input cannot become mail; the message tells the operator why, in plain words."""


@dataclass
class Segment:
    index: int
    pages: list[int]  # 1-based pages of the normalised PDF
    separator: Separator | None = None
    original: Path | None = None
    searchable: Path | None = None
    text: str = ""
    incomplete_pages: list[int] = field(default_factory=list)  # 1-based, within the segment
    subject: str = ""
    suggestions: Suggestions = field(default_factory=lambda: Suggestions())
    attachments: list[IncomingFile] = field(default_factory=list)


@dataclass
class CaptureContext:
    input: CaptureInput
    workdir: Path
    source: Path
    pool: ThreadPoolExecutor  # OCR starts while separators are still being looked for
    mime: str = ""
    pdf: Path | None = None
    pages: int = 0
    texts: list[str] = field(default_factory=list)
    image_coverage: list[float] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)
    separators: dict[int, Separator] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    ocr: dict[int, PageOcr] = field(default_factory=dict)
    attachments: list[IncomingFile] = field(default_factory=list)  # e.g. an e-mail's files
    pending_ocr: dict[int, Future[PageOcr]] = field(default_factory=dict)

    @property
    def options(self) -> CaptureOptions:
        return cast(CaptureOptions, self.input.options)

    def beat(self) -> None:
        """A sign of life: the sweeper leaves a running input alone while it beats."""
        CaptureInput.objects.filter(pk=self.input.pk).update(heartbeat_at=timezone.now())

    def needs_ocr(self, page: int) -> bool:
        return needs_ocr(self.texts[page - 1], self.image_coverage[page - 1])

    def start_ocr(self, page: int) -> None:
        """Queue the page for OCR now, so tesseract works while the next steps run."""
        if page not in self.pending_ocr and self.needs_ocr(page):
            self.pending_ocr[page] = self.pool.submit(ocr_page, self.images[page - 1], self.workdir)


class Step(Protocol):
    name: str

    def able_to_run(self, ctx: CaptureContext) -> bool: ...

    def run(self, ctx: CaptureContext) -> None: ...


class SegmentStep(Protocol):
    """Work on one segment once its text is read (classify it, register it)."""

    name: str

    def run_segment(self, ctx: CaptureContext, segment: Segment) -> None: ...


A4_INCHES = (8.27, 11.69)
A0_POINTS = 2384 * 3370  # the largest page read as mail: plans and posters above it are not


def _images_to_pdf(source: Path, dest: Path) -> Path:
    try:
        with Image.open(source) as image:
            frames = []
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                frame = image.convert("L") if image.mode not in ("1", "L", "RGB") else image.copy()
                frames.append(frame)
    except (OSError, SyntaxError) as exc:
        logger.info("image %s cannot be read: %s", source.name, exc)
        raise CaptureRejected(
            _("the image cannot be read: the file is damaged or not an image")
        ) from exc
    dpi = _sane_dpi(frames[0])
    for frame in frames:  # the page images inside carry it too (OCR reads them as they are)
        frame.info["dpi"] = (dpi, dpi)
    frames[0].save(dest, "PDF", resolution=dpi, save_all=True, append_images=frames[1:])
    return dest


def _sane_dpi(image: Image.Image) -> float:
    """The image's resolution, unless it is missing or implausible (a TIFF without resolution
    tags reads as 1 dpi, a phone photo says 72 dpi): then as if the picture were an A4 page,
    so that the PDF page is paper-sized and no page image is blown up several times."""
    claimed = float(image.info.get("dpi", (0, 0))[0] or 0)
    if 150 <= claimed <= 1200:
        return claimed
    width, height = image.size
    return max(100.0, min(600.0, max(width / A4_INCHES[0], height / A4_INCHES[1])))


class Preflight:
    """Refuse empty, oversized, unsupported, corrupt or protected files; normalise to PDF."""

    name = "preflight"

    def able_to_run(self, ctx: CaptureContext) -> bool:
        return True

    def run(self, ctx: CaptureContext) -> None:
        size = ctx.input.size  # what the source handed over (an oversized file is not kept)
        if size == 0:
            raise CaptureRejected(_("the file is empty (0 bytes)"))
        if size > settings.BANNETTE_CAPTURE_MAX_BYTES:
            limit = settings.BANNETTE_CAPTURE_MAX_BYTES // (1024 * 1024)
            raise CaptureRejected(
                _(
                    "the file is larger than the %(limit)s MiB limit (it was not kept: send it split)"
                )
                % {"limit": limit}
            )
        with ctx.source.open("rb") as handle:
            ctx.mime = sniff.sniff(handle.read(1024)) or ""
        if ctx.mime == sniff.PDF:
            ctx.pdf = ctx.source
        elif ctx.mime in sniff.IMAGES:
            ctx.pdf = _images_to_pdf(ctx.source, ctx.workdir / "images.pdf")
        elif ctx.mime == sniff.EMAIL:
            ctx.pdf = email_to_pdf(ctx)
        else:
            raise CaptureRejected(
                _("unsupported file type (accepted: PDF, TIFF, JPEG, PNG, e-mail messages)")
            )
        try:
            ctx.pages = pdftools.page_count(ctx.pdf)
            ctx.texts = pdftools.page_texts(ctx.pdf)
            ctx.image_coverage = pdftools.image_coverage(ctx.pdf, ctx.pages)
        except pdftools.PdfProtected as exc:
            raise CaptureRejected(
                _("the PDF is protected by a password: remove the protection and retry")
            ) from exc
        except pdftools.PdfError as exc:
            raise CaptureRejected(str(exc)) from exc
        ctx.texts += [""] * (ctx.pages - len(ctx.texts))
        _check_dimensions(ctx.pdf, ctx.pages)


def _check_dimensions(pdf: Path, pages: int) -> None:
    """Before any page is rendered: a bounded number of pages, none of them a huge sheet."""
    if pages > settings.BANNETTE_CAPTURE_MAX_PAGES:
        raise CaptureRejected(
            _(
                "the file has %(pages)s pages, more than the %(limit)s-page limit: scan it as"
                " several batches"
            )
            % {"pages": pages, "limit": settings.BANNETTE_CAPTURE_MAX_PAGES}
        )
    for page, (width, height) in enumerate(pdftools.page_sizes(pdf), start=1):
        if width * height > A0_POINTS * 1.05:
            raise CaptureRejected(
                _(
                    "page %(page)s measures %(width).0f by %(height).0f cm, larger than A0: it"
                    " cannot be read as mail"
                )
                % {"page": page, "width": width / 72 * 2.54, "height": height / 72 * 2.54}
            )


class PageImages:
    """Page images, needed to find separators and to OCR scanned pages."""

    name = "page-images"

    def able_to_run(self, ctx: CaptureContext) -> bool:
        assert ctx.pdf is not None
        split = ctx.options.get("split", False)
        return bool(split) or any(ctx.needs_ocr(p) for p in range(1, ctx.pages + 1))

    def run(self, ctx: CaptureContext) -> None:
        assert ctx.pdf is not None
        has_text = any(t.strip() for t in ctx.texts)
        ctx.images = pdftools.page_images(ctx.pdf, ctx.workdir, ctx.pages, has_text=has_text)


class SplitOnSeparators:
    """Cut the batch at separator sheets; sheets are dropped, empty segments too."""

    name = "split"

    def able_to_run(self, ctx: CaptureContext) -> bool:
        # An e-mail is one mail with its files, whatever the source's split option.
        email = ctx.mime == sniff.EMAIL
        return bool(ctx.options.get("split")) and bool(ctx.images) and not email

    def run(self, ctx: CaptureContext) -> None:
        current: Segment | None = None
        segments: list[Segment] = []
        for page, image in enumerate(ctx.images, start=1):
            separator = detect(image)
            if separator is not None:
                check_separator(separator, page)
                ctx.separators[page] = separator
                current = Segment(index=len(segments), pages=[], separator=separator)
                segments.append(current)
                continue
            if current is None:
                current = Segment(index=0, pages=[])
                segments.append(current)
            current.pages.append(page)
            ctx.start_ocr(page)
        kept = [s for s in segments if s.pages]
        for index, segment in enumerate(kept):
            segment.index = index
        ctx.segments = kept
        if not kept:
            raise CaptureRejected(_("the batch holds only separator sheets"))


def check_separator(separator: Separator, page: int) -> None:
    """A sheet naming an entity or type Bannette does not know stops the batch, loudly."""
    named = (
        (
            _(
                "the separator sheet on page %(page)s names an unknown entity “%(code)s”: print a"
                " new sheet or add the entity"
            ),
            Entity,
            separator.entity_code,
        ),
        (
            _(
                "the separator sheet on page %(page)s names an unknown document type “%(code)s”:"
                " print a new sheet or add the document type"
            ),
            DocumentType,
            separator.doctype_code,
        ),
    )
    for message, model, code in named:
        if code and not model.objects.filter(code=code, active=True).exists():
            raise CaptureRejected(message % {"page": page, "code": code})


class ExtractText:
    """Born-digital text where present, tesseract OCR (in parallel) for the other pages; each
    segment then goes through the `then` steps as soon as its pages are read, so that it is
    classified and registered while tesseract still reads the following ones."""

    name = "text"

    def __init__(self, then: Sequence[SegmentStep] = ()) -> None:
        self.then = then

    def able_to_run(self, ctx: CaptureContext) -> bool:
        return True

    def run(self, ctx: CaptureContext) -> None:
        if not ctx.segments:
            ctx.segments = [
                Segment(index=0, pages=list(range(1, ctx.pages + 1)), attachments=ctx.attachments)
            ]
        wanted = [p for s in ctx.segments for p in s.pages if ctx.needs_ocr(p)]
        for page in wanted:
            ctx.start_ocr(page)
        # Segments are finished in order as soon as their own pages are read: assembling one
        # overlaps with tesseract still reading the next ones.
        for segment in ctx.segments:
            for page in segment.pages:
                if page in ctx.pending_ocr:
                    ctx.ocr[page] = ctx.pending_ocr[page].result()
                    ctx.beat()
            self._finish_segment(ctx, segment)
            for step in self.then:
                started = time.perf_counter()
                step.run_segment(ctx, segment)
                logger.info(
                    "capture input %s: %s done in %.0f ms (segment %s)",
                    ctx.input.pk,
                    step.name,
                    (time.perf_counter() - started) * 1000,
                    segment.index + 1,
                )
        read = ctx.ocr.values()
        logger.info(
            "capture input %s: %d page(s) OCR'd (%d turned upright, %d read again as one block,"
            " %d possibly incomplete), %d with their own text",
            ctx.input.pk,
            len(read),
            sum(1 for r in read if r.rotation),
            sum(1 for r in read if r.second_pass),
            sum(1 for r in read if r.incomplete),
            ctx.pages - len(read),
        )

    def _finish_segment(self, ctx: CaptureContext, segment: Segment) -> None:
        assert ctx.pdf is not None
        whole = segment.pages == list(range(1, ctx.pages + 1))
        if whole:
            segment.original = ctx.pdf if ctx.mime == sniff.EMAIL else ctx.source
        else:
            segment.original = pdftools.extract_pages(
                ctx.pdf, segment.pages, ctx.workdir / f"segment-{segment.index}.pdf"
            )
        texts = [_page_text(ctx, p) for p in segment.pages]
        segment.text = "\n\f".join(texts).strip()
        segment.incomplete_pages = [
            position
            for position, page in enumerate(segment.pages, start=1)
            if page in ctx.ocr and ctx.ocr[page].incomplete
        ]
        if not any(p in ctx.ocr for p in segment.pages):
            return  # born-digital: the original already carries its text
        parts = []
        for page in segment.pages:
            part = ctx.workdir / f"part-{page}.pdf"
            if page in ctx.ocr and ctx.ocr[page].pdf:
                part.write_bytes(ctx.ocr[page].pdf)
            else:
                pdftools.extract_pages(ctx.pdf, [page], part)
            parts.append(part)
        segment.searchable = pdftools.merge(parts, ctx.workdir / f"searchable-{segment.index}.pdf")


def _page_text(ctx: CaptureContext, page: int) -> str:
    """The born-digital text, then what OCR read: a header typed over a scan keeps its words."""
    layer = ctx.texts[page - 1].strip()
    read = ctx.ocr[page].text.strip() if page in ctx.ocr else ""
    return "\n".join(t for t in (layer, read) if t)
