"""PAdES signatures with pyHanko: a visible stamp where the template put its placeholder.

B-B without a timestamp authority, B-T when `BANNETTE_TSA_URL` is set. Keys come from a user's
PKCS#12 (its password is asked at signing and never kept) or from the organisation's seal.
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from courrier.trust import trust_roots
from templates_office.catalogue import SIGNATURE_MARKER

logger = logging.getLogger(__name__)

# Three lines of 11-point text (PDF's standard Courier: pyHanko's OpenType path spaced the
# letters apart when tried) beside a signature picture, without shrinking the date line.
STAMP_SIZE = (290.0, 74.0)  # points
STAMP_FONT_SIZE = 11  # as a letter's own text: the stamp reads without zooming
TEXT_SHARE = 0.6  # of the stamp's width for the text when a handwritten signature is beside it


class SigningFailed(ValueError):
    """The signature could not be made (wrong password, unusable key, timestamp authority down)."""


@dataclass(frozen=True)
class StampPlace:
    page: int  # 0-based
    box: tuple[float, float, float, float]  # PDF points, origin bottom-left


def _pages(pdf: bytes) -> list[tuple[float, float, str]]:
    """(width, height, bbox xml) per page, from poppler's pdftotext."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "in.pdf"
        source.write_bytes(pdf)
        xml = subprocess.run(  # noqa: S603 - poppler on our own temp file
            ["pdftotext", "-bbox", str(source), "-"],  # noqa: S607
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode("utf-8", "replace")
    found = []
    for match in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S):
        found.append((float(match.group(1)), float(match.group(2)), match.group(3)))
    return found


def stamp_place(pdf: bytes) -> StampPlace:
    """Where the template's signature placeholder is; else the bottom right of the last page."""
    pages = _pages(pdf)
    width, height = STAMP_SIZE
    marker = re.escape(SIGNATURE_MARKER)
    for number, (_w, page_height, words) in enumerate(pages):
        hit = re.search(
            rf'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">{marker}</word>',
            words,
        )
        if hit:
            x, top = float(hit.group(1)), float(hit.group(2))
            y = page_height - top  # pdftotext measures from the top
            return StampPlace(number, (x, y - height, x + width, y))
    page_width = pages[-1][0] if pages else 595.0
    return StampPlace(
        max(len(pages) - 1, 0), (page_width - width - 50, 60, page_width - 50, 60 + height)
    )


def _timestamper() -> timestamps.TimeStamper | None:
    url = settings.BANNETTE_TSA_URL
    return timestamps.HTTPTimeStamper(url, timeout=settings.BANNETTE_TSA_TIMEOUT) if url else None


def load_signer(pkcs12: bytes, password: str) -> signers.SimpleSigner:
    try:
        signer: signers.SimpleSigner | None = signers.SimpleSigner.load_pkcs12_data(
            pkcs12, other_certs=[], passphrase=password.encode()
        )
    except (ValueError, TypeError) as exc:
        raise SigningFailed(_("Wrong password, or not a PKCS#12 key file.")) from exc
    if signer is None:
        raise SigningFailed(_("Wrong password, or not a PKCS#12 key file."))
    return signer


def sign_pdf(
    pdf: bytes,
    *,
    signer: signers.SimpleSigner,
    name: str,
    role: str,
    place: StampPlace | None = None,
    reason: str = "",
    image: bytes = b"",
) -> bytes:
    """Sign with a PAdES signature and a visible stamp (name, role, date)."""
    place = place or stamp_place(pdf)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    field_name = f"Signature{len(PdfFileReader(io.BytesIO(pdf)).embedded_signatures) + 1}"
    fields.append_signature_field(
        writer, fields.SigFieldSpec(field_name, on_page=place.page, box=_whole(place.box))
    )
    style = TextStampStyle(
        stamp_text=f"{name}\n{role}\n" + "Signé le %(ts)s",
        timestamp_format="%d/%m/%Y %H:%M",
        text_box_style=TextBoxStyle(font_size=STAMP_FONT_SIZE),
        border_width=1,
        **(
            _handwritten(image, width=place.box[2] - place.box[0])
            if image
            else {"inner_content_layout": _text_layout(right=4)}
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or None,
        name=name,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, timestamper=_timestamper(), stamp_style=style
    )
    try:
        signed: bytes = pdf_signer.sign_pdf(writer).getvalue()
        return signed
    except Exception as exc:  # pyHanko wraps network and key errors in many types
        logger.warning("signature failed: %s", exc)
        raise SigningFailed(
            _("The signature could not be made; the administrators can read why in the log.")
        ) from exc


def _handwritten(image: bytes, *, width: float) -> dict[str, Any]:
    """The signatory's handwritten signature in the stamp's right part, the text in its left part
    (side by side: the picture never covers the name, role and date)."""
    picture = Image.open(io.BytesIO(image))
    picture.load()
    split = round(width * TEXT_SHARE)
    width = round(width)
    text = _text_layout(right=width - split + 2)
    signature = SimpleBoxLayoutRule(
        x_align=AxisAlignment.ALIGN_MID,
        y_align=AxisAlignment.ALIGN_MID,
        margins=Margins(left=split + 2, right=3, top=3, bottom=3),
        inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
    )
    return {
        "background": PdfImage(picture),
        "background_layout": signature,
        "background_opacity": 1.0,
        "inner_content_layout": text,
    }


def _text_layout(*, right: int) -> SimpleBoxLayoutRule:
    """The text at the left, centred in height; shrunk only if a long name would not fit."""
    return SimpleBoxLayoutRule(
        x_align=AxisAlignment.ALIGN_MIN,
        y_align=AxisAlignment.ALIGN_MID,
        margins=Margins(left=5, right=right, top=3, bottom=3),
        inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
    )


def _whole(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = (round(v) for v in box)
    return x1, y1, x2, y2


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    intact: bool
    valid: bool
    trusted: bool
    signer: str
    signed_at: datetime.datetime | None
    timestamped: bool

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted

    @property
    def verdict(self) -> str:
        """ "valid"; "unverified_signer" when the document is intact and the signature sound but
        the certificate is not from an authority Bannette trusts (not the same as altered);
        "altered" after signing; "invalid" otherwise."""
        if not self.intact:
            return "altered"
        if not self.valid:
            return "invalid"
        return "valid" if self.trusted else "unverified_signer"


def _signer_name(subject: asn1_x509.Name) -> str:
    """ "Jeanne Maire (Mairie de Villedieu)", not the certificate's field names."""
    fields = subject.native
    name = fields.get("common_name") or subject.human_friendly
    organisation = fields.get("organization_name")
    return f"{name} ({organisation})" if organisation and organisation != name else str(name)


def check_signatures(
    pdf: bytes, roots: list[asn1_x509.Certificate] | None = None
) -> list[SignatureCheck]:
    """Validate every signature of the PDF against the trusted roots."""
    reader = PdfFileReader(io.BytesIO(pdf))
    context = ValidationContext(trust_roots=roots if roots is not None else trust_roots())
    checks = []
    for embedded in reader.embedded_signatures:
        status = validate_pdf_signature(embedded, context)
        checks.append(
            SignatureCheck(
                field=embedded.field_name,
                intact=status.intact,
                valid=status.valid,
                trusted=status.trusted,
                signer=_signer_name(status.signing_cert.subject),
                signed_at=status.timestamp_validity.timestamp
                if status.timestamp_validity
                else status.signer_reported_dt,
                timestamped=status.timestamp_validity is not None,
            )
        )
    return checks
