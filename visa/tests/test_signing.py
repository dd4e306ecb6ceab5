"""PAdES signatures with a throw-away CA and an in-process timestamp authority (no mock)."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw

from templates_office.catalogue import sample_context
from templates_office.convert import to_pdf
from templates_office.merge import merge
from visa.services import register_signing_key
from visa.signing import SigningFailed, check_signatures, load_signer, sign_pdf, stamp_place
from visa.tests.pki import TimestampAuthority, make_pki


@pytest.fixture(scope="module")
def pki():
    return make_pki()


@pytest.fixture(scope="module")
def reply_pdf() -> bytes:
    """A reply merged from a .docx template and converted by LibreOffice, placeholder included."""
    document = docx.Document()
    for text in (
        "{{ recipient.address }}",
        "Objet : {{ mail.subject }}",
        "Madame,",
        "Bien à vous.",
        "{{ signature }}",
    ):
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return to_pdf(merge(buffer.getvalue(), sample_context()), ".docx")


def test_the_stamp_goes_where_the_template_put_its_placeholder(reply_pdf):
    place = stamp_place(reply_pdf)
    assert place.page == 0
    x1, _y1, _x2, y2 = place.box
    assert 50 < x1 < 120 and 300 < y2 < 800  # left margin, below the body text


def test_a_b_b_signature_validates_and_one_altered_byte_breaks_it(pki, reply_pdf, settings):
    settings.BANNETTE_TSA_URL = ""
    signed = sign_pdf(
        reply_pdf,
        signer=load_signer(pki.signer_p12, pki.password),
        name="Marc Bernard",
        role="Directeur des services techniques",
    )
    (check,) = check_signatures(signed, [pki.ca])
    assert (check.intact, check.valid, check.trusted, check.timestamped) == (
        True,
        True,
        True,
        False,
    )
    assert "Marc Bernard" in check.signer
    altered = bytearray(signed)
    altered[12] ^= 0x01  # inside the signed byte range (the header's binary comment)
    (broken,) = check_signatures(bytes(altered), [pki.ca])
    assert broken.intact is False and broken.ok is False
    assert broken.verdict == "altered"


def test_a_b_t_signature_carries_the_timestamp_of_the_authority(pki, reply_pdf, settings):
    with TimestampAuthority(pki) as tsa:
        settings.BANNETTE_TSA_URL = tsa.url
        signed = sign_pdf(
            reply_pdf,
            signer=load_signer(pki.signer_p12, pki.password),
            name="Marc Bernard",
            role="DST",
        )
    (check,) = check_signatures(signed, [pki.ca])
    assert check.ok and check.timestamped


def test_an_unknown_ca_is_not_trusted(pki, reply_pdf, settings):
    settings.BANNETTE_TSA_URL = ""
    signed = sign_pdf(
        reply_pdf, signer=load_signer(pki.signer_p12, pki.password), name="M", role="R"
    )
    (check,) = check_signatures(signed, [make_pki().ca])
    assert check.intact and not check.trusted
    # intact, signer not verified: not the same verdict as a document altered after signing
    assert check.verdict == "unverified_signer"


def test_the_signer_reads_as_a_name_not_certificate_fields(pki, reply_pdf, settings):
    settings.BANNETTE_TSA_URL = ""
    signed = sign_pdf(
        reply_pdf, signer=load_signer(pki.signer_p12, pki.password), name="M", role="R"
    )
    (check,) = check_signatures(signed, [pki.ca])
    assert check.verdict == "valid"
    assert "Common Name" not in check.signer and "Organization" not in check.signer


def test_a_wrong_password_is_refused_clearly(pki):
    with pytest.raises(SigningFailed, match="Mot de passe erroné"):
        load_signer(pki.signer_p12, "wrong")


def handwriting() -> bytes:
    picture = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(picture).line(
        [(10, 80), (80, 20), (150, 85), (290, 15)], fill=(20, 40, 160, 255), width=6
    )
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_handwritten_signature_image_goes_into_the_stamp(pki, reply_pdf, settings):
    settings.BANNETTE_TSA_URL = ""
    signer = load_signer(pki.signer_p12, pki.password)
    plain = sign_pdf(reply_pdf, signer=signer, name="M", role="R")
    pictured = sign_pdf(reply_pdf, signer=signer, name="M", role="R", image=handwriting())
    added = pictured[len(reply_pdf) :]
    assert b"/Image" in added and b"/Image" not in plain[len(reply_pdf) :]
    (check,) = check_signatures(pictured, [pki.ca])
    assert check.ok


@pytest.mark.django_db
def test_only_small_png_or_jpeg_images_are_kept(pki, manager):
    with pytest.raises(ValidationError):
        register_signing_key(
            user=manager,
            pkcs12=pki.signer_p12,
            password=pki.password,
            signature_image=b"<svg onload=alert(1)>",
        )
    key = register_signing_key(
        user=manager, pkcs12=pki.signer_p12, password=pki.password, signature_image=handwriting()
    )
    assert bytes(key.signature_image).startswith(b"\x89PNG")


def test_the_handwritten_signature_sits_beside_the_stamp_text_not_over_it(pki, reply_pdf, settings):
    """Rendered by poppler: the picture's ink is in the stamp's right half, the text's in the left."""
    settings.BANNETTE_TSA_URL = ""
    solid = Image.new("RGB", (400, 120), (220, 0, 0))  # a wide picture, all red
    buffer = io.BytesIO()
    solid.save(buffer, "PNG")
    place = stamp_place(reply_pdf)
    signer = load_signer(pki.signer_p12, pki.password)
    signed = sign_pdf(
        reply_pdf,
        signer=signer,
        name="Jeanne Maire",
        role="Maire",
        image=buffer.getvalue(),
        place=place,
    )
    stamp = rendered_stamp(signed, place)
    middle = stamp.width // 2

    def red(part: Image.Image) -> int:
        pixels: list[tuple[int, int, int]] = list(part.getdata())
        return sum(1 for r, g, b in pixels if r > 180 and g < 80 and b < 80)

    def dark(part: Image.Image) -> int:
        pixels: list[tuple[int, int, int]] = list(part.getdata())
        return sum(1 for r, g, b in pixels if r < 120 and g < 120 and b < 120)

    left, right = (
        stamp.crop((2, 2, middle - 1, stamp.height - 2)),
        stamp.crop((middle + 1, 2, stamp.width - 2, stamp.height - 2)),
    )
    assert red(left) == 0, "the picture spills over the text"
    assert red(right) > 500
    assert dark(left) > 50  # the name, role and date are there, readable


def rendered_stamp(signed: bytes, place) -> Image.Image:
    """The stamp as poppler renders the signed page, at 144 dpi (two pixels per point)."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "signed.pdf"
        source.write_bytes(signed)
        first = str(place.page + 1)
        subprocess.run(
            ["pdftoppm", "-r", "144", "-f", first, "-l", first, "-png", str(source), f"{work}/p"],
            check=True,
        )
        page = Image.open(next(Path(work).glob("p*.png"))).convert("RGB")
    x1, y1, x2, y2 = (2 * v for v in place.box)
    top = page.height - y2
    return page.crop((round(x1), round(top), round(x2), round(top + y2 - y1)))


def _stamp_lines(signed: bytes, place) -> list[int]:
    """The heights, in points, of the stamp's text lines as poppler renders them (its left
    part: the text's), from the rows of dark pixels."""
    stamp = rendered_stamp(signed, place).convert("L")
    text_part = stamp.crop((4, 4, round(stamp.width * 0.55), stamp.height - 4))
    grey: list[int] = list(text_part.getdata())
    width = text_part.width
    inked = [min(grey[y * width : (y + 1) * width]) < 110 for y in range(text_part.height)]
    runs, length = [], 0
    for row in [*inked, False]:
        if row:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    return [round(run / 2) for run in runs]


@pytest.mark.parametrize("pictured", [False, True])
def test_the_signed_stamp_is_readable_with_or_without_a_handwritten_signature(
    pki, reply_pdf, settings, pictured
):
    """Issue 31: the stamp's name, role and date read at letter size, not shrunk to fit beside
    the picture. In 11-point Courier capitals are 6 pt tall and the date line, with its accent
    and descender, 9; the former 8-point stamp measured [4, 5, 6], and [3, 3, 6] beside a
    picture."""
    settings.BANNETTE_TSA_URL = ""
    place = stamp_place(reply_pdf)
    signed = sign_pdf(
        reply_pdf,
        signer=load_signer(pki.signer_p12, pki.password),
        name="Jeanne Moreau",
        role="Maire de Villedieu",
        image=handwriting() if pictured else b"",
        place=place,
    )
    lines = _stamp_lines(signed, place)
    assert len(lines) == 3, lines  # name, role, date
    assert min(lines) >= 6 and max(lines) >= 8, f"stamp lines {lines} pt tall: too small to read"
