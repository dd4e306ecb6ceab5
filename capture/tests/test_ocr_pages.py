"""Per-page OCR decisions on real tesseract: which pages to read, how, and when to warn.

Each case was a silent loss before: a text layer of 20+ characters hid a scan, short
born-digital text was replaced by OCR, a page turned a quarter was read at high confidence
and left sideways, a shaded paragraph vanished from the text with nothing said.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from capture.tests import scans
from capture.tests.test_pipeline import capture, pdf_text
from ocr.engine import PageOcr, needs_ocr, ocr_page

LETTER = [
    "Objet : demande de permis de construire pour une extension de la maison familiale.",
    "Madame, Monsieur, je sollicite par la présente l'autorisation d'agrandir ma maison"
    " de vingt mètres carrés sur le jardin arrière.",
    "Vous trouverez ci-joint les plans établis par l'architecte ainsi que les photographies"
    " du terrain et de la façade.",
    "Je reste à votre disposition pour tout renseignement complémentaire.",
    "Jean Dupont, 12 rue des Lilas, 75011 Paris",
]
SHADED_BAND = (100, 560, 2400, 1500)  # the second and third paragraphs


def dark_shade(page: Image.Image) -> Image.Image:
    return scans.shaded(page, step=5, dot=3)


def read(page: Image.Image, tmp_path: Path) -> PageOcr:
    image = tmp_path / "page.jpg"
    page.save(image, quality=75, dpi=(scans.DPI, scans.DPI))
    return ocr_page(image, tmp_path)


def words_of(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


def shown_text(page_pdf: bytes, tmp_path: Path) -> str:
    """What a reader sees: the page rendered as displayed, read without orientation help."""
    source = tmp_path / "shown.pdf"
    source.write_bytes(page_pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(source), str(tmp_path / "s")])
    (png,) = tmp_path.glob("s-*.png")
    return subprocess.run(
        ["tesseract", str(png), "-", "-l", "fra", "--psm", "3"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize("turned", [90, 180, 270])
def test_a_turned_page_is_read_and_shown_upright_whatever_the_confidence(turned, tmp_path):
    # At 270 tesseract alone read the text at confidence 96, so the page stayed sideways.
    result = read(scans.letter_page(LETTER).rotate(turned, expand=True), tmp_path)
    assert "permis de construire" in result.text
    assert result.rotation == turned
    assert "permis de construire" in shown_text(result.pdf, tmp_path)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda page: scans.shaded(page, SHADED_BAND), id="shaded-paragraphs"),
        pytest.param(lambda page: scans.speckled(page, 0.10), id="speckled"),
    ],
)
def test_text_dropped_by_layout_analysis_is_read_again_on_a_despeckled_copy(damage, tmp_path):
    # The first reading lost the shaded paragraphs (or every word of the speckled page) at
    # confidence 96: nothing in its own figures said so.
    result = read(damage(scans.letter_page(LETTER)), tmp_path)
    assert result.second_pass
    assert {"sollicite", "autorisation", "architecte", "photographies"} <= words_of(result.text)
    assert not result.incomplete


def test_a_page_even_the_second_pass_cannot_read_is_flagged_incomplete(tmp_path):
    result = read(dark_shade(scans.letter_page(LETTER)), tmp_path)
    assert result.incomplete
    assert result.signals["missed_cells"] > 30


def test_a_page_tesseract_cannot_finish_comes_back_empty_and_flagged(settings, tmp_path):
    settings.BANNETTE_OCR_TIMEOUT = 1  # heavy grain keeps tesseract busy for ~25 s
    result = read(scans.grainy(scans.letter_page(LETTER), sigma=90), tmp_path)
    assert result.incomplete
    assert result.text == ""


def test_a_clean_letter_with_a_logo_and_a_signature_is_read_once_and_not_flagged(tmp_path):
    result = read(scans.signed(scans.letter_page(LETTER)), tmp_path)
    assert "permis de construire" in result.text
    assert not result.second_pass
    assert not result.incomplete
    assert result.rotation == 0


def test_a_blank_page_is_not_flagged(tmp_path):
    result = read(Image.new("L", scans.SIZE, 255), tmp_path)
    assert result.text.strip() == ""
    assert not result.incomplete


@pytest.mark.parametrize(
    ("text_layer", "image_share", "expected"),
    [
        ("", 0.0, True),  # text drawn as outlines
        ("", 1.0, True),  # a scan
        ("عقد إيجار", 0.0, False),  # short born-digital text stays
        ("FAX 01 23 45 67 89 02/12/2026 10:14 P.1", 1.0, True),  # a header over a scan
        ("x" * 1500, 1.0, False),  # a scanner's own OCR layer
        ("x" * 1500, 0.0, False),
    ],
)
def test_which_pages_are_ocrd(text_layer, image_share, expected):
    assert needs_ocr(text_layer, image_share) is expected


@pytest.mark.django_db
def test_a_scan_under_a_fax_header_is_ocrd_and_keeps_the_header(org, tmp_path):
    header = "FAX +33 1 23 45 67 89 - 02/12/2026 10:14 - P.1/1"
    pdf = scans.scan_with_text_header(scans.letter_page(LETTER), header)
    _, (mail,) = capture(pdf, name="fax.pdf", split=False)
    assert "architecte" in mail.text  # the scan under the header was read
    assert "02/12/2026" in mail.text  # and the header's own text kept
    shown = pdf_text(mail.searchable_pdf.read(), tmp_path)
    assert "architecte" in shown
    assert "FAX" in shown  # the header is still on the searchable page


@pytest.mark.django_db
def test_short_born_digital_text_is_kept_not_replaced_by_ocr(org, monkeypatch):
    from capture import pipeline

    monkeypatch.setattr(pipeline, "ocr_page", lambda *a, **k: pytest.fail("OCR must not run"))
    pdf = scans.born_digital_pdf(["عقد إيجار"])  # "lease contract": 9 characters
    _, (mail,) = capture(pdf, name="arabe.pdf", split=False)
    # reportlab draws Arabic unshaped, so poppler hands it back in visual order: the same
    # letters, and no OCR guess among them
    assert set("عقد إيجار") <= set(mail.text)
    assert mail.text.strip("\u202b\u202c") == mail.text.strip("\u202b\u202c").strip()


@pytest.mark.django_db
def test_a_mail_with_a_hard_page_says_its_text_may_be_incomplete(org, clerk, client):
    batch = scans.scanned_pdf([scans.letter_page(LETTER), dark_shade(scans.letter_page(LETTER))])
    _, (mail,) = capture(batch, name="lot.pdf", split=False)
    assert mail.incomplete_text_pages == [2]
    client.force_login(clerk)
    page = client.get(f"/mails/{mail.pk}/?tab=document").content.decode()
    assert "la page 2 peut être incomplet" in page
