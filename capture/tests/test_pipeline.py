"""The capture pipeline on real scans: real pdftoppm/qpdf, real zbar, real tesseract."""

from __future__ import annotations

import subprocess
from typing import Unpack

import pytest

from capture.models import CapturedMail, InputStatus, SourceKind
from capture.options import CaptureOptions
from capture.services import receive_input, run_pipeline
from capture.tests import scans
from courrier.models import JournalEvent, MailStatus

pytestmark = pytest.mark.django_db

NIDS = ["Objet : nid-de-poule rue des Lilas", "Un nid-de-poule profond menace les cyclistes."]
BRUIT = ["Objet : bruit du chantier de la place", "Les travaux commencent avant sept heures."]
ECOLE = ["Objet : stationnement devant l'école", "Des voitures bloquent le trottoir chaque matin."]


def capture(content: bytes, name: str = "lot.pdf", **options: Unpack[CaptureOptions]):
    capture_input = receive_input(
        source_kind=SourceKind.HOTFOLDER,
        name=name,
        content=content,
        options=CaptureOptions(split=True, channel="paper") | options,
    )
    return capture_input, run_pipeline(capture_input)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_batch_is_split_on_sheets_into_mails_of_the_right_entity_and_type(
    org, doctypes, tmp_path
):
    batch = scans.scanned_pdf(
        [
            scans.separator_page("VOIR", "signalement"),
            scans.letter_page(NIDS),
            scans.skewed(scans.separator_page("URBA", "reclamation")),
            scans.letter_page(BRUIT),
            scans.upside_down(
                scans.letter_page(
                    ["Suite de la lettre", "Le bruit est insupportable pour les riverains."]
                )
            ),
            scans.small_foreign_code_page("PATCHT"),
            scans.blurred(scans.skewed(scans.letter_page(ECOLE), -1.5)),
            scans.upside_down(scans.separator_page("VOIR")),
            scans.separator_page("URBA"),  # two sheets in a row: the empty segment is dropped
        ]
    )
    capture_input, mails = capture(batch, entity="COUR")
    assert capture_input.status == InputStatus.DONE, capture_input.error
    assert [
        (m.destination_entity.code, m.document_type and m.document_type.code) for m in mails
    ] == [
        ("VOIR", "signalement"),
        ("URBA", "reclamation"),
        ("COUR", None),
    ]
    assert [m.page_count for m in mails] == [1, 2, 1]
    assert [m.subject for m in mails] == [
        "nid-de-poule rue des Lilas",
        "bruit du chantier de la place",
        "stationnement devant l'école",
    ]
    assert all(m.status == MailStatus.TO_QUALIFY and m.chrono_number for m in mails)
    assert "insupportable" in mails[1].text  # the upside-down page was turned and read
    assert "trottoir" in mails[2].text  # skewed and blurred
    searchable = mails[1].searchable_pdf.read()
    assert "riverains" in pdf_text(searchable, tmp_path)
    assert [c.pages for c in CapturedMail.objects.order_by("segment")] == [[2], [4, 5], [7]]
    assert JournalEvent.objects.filter(action="mail.registered").count() == 3


def test_a_batch_without_sheets_is_one_mail_with_the_original_byte_identical(org, doctypes):
    batch = scans.scanned_pdf([scans.letter_page(NIDS), scans.letter_page(BRUIT)])
    _, (mail,) = capture(batch, entity="VOIR", document_type="signalement")
    assert mail.original.read() == batch
    assert mail.page_count == 2
    assert (mail.destination_entity.code, mail.document_type.code) == ("VOIR", "signalement")
    assert mail.thumbnail.read().startswith(b"\x89PNG")


def test_a_fax_quality_ccitt_tiff_is_split_and_read(org, doctypes):
    tiff = scans.fax_tiff([scans.separator_page("VOIR", "signalement"), scans.letter_page(NIDS)])
    capture_input, mails = capture(tiff, name="fax.tif")
    assert capture_input.status == InputStatus.DONE, capture_input.error
    (mail,) = mails
    assert mail.destination_entity.code == "VOIR"
    assert "cyclistes" in mail.text


def test_a_born_digital_pdf_keeps_its_text_and_is_not_ocred(org, monkeypatch):
    from capture import pipeline

    monkeypatch.setattr(pipeline, "ocr_page", lambda *a, **k: pytest.fail("OCR must not run"))
    pdf = scans.born_digital_pdf(["Objet : demande de subvention", "Association des Lilas"])
    _, (mail,) = capture(pdf, split=False)
    assert mail.subject == "demande de subvention"
    assert "Association des Lilas" in mail.text
    assert not mail.searchable_pdf  # the original is already searchable
    assert mail.original.read() == pdf


def test_a_jpeg_photo_becomes_a_mail_with_a_searchable_pdf(org, tmp_path):
    import io

    buffer = io.BytesIO()
    scans.letter_page(ECOLE).save(buffer, "JPEG", quality=80, dpi=(300, 300))
    _, (mail,) = capture(buffer.getvalue(), name="photo.jpg", split=False)
    assert mail.original.read() == buffer.getvalue()
    assert "trottoir" in pdf_text(mail.searchable_pdf.read(), tmp_path)


def test_the_same_file_twice_is_flagged_and_linked_not_dropped(org):
    pdf = scans.born_digital_pdf(["Objet : facture 2026-118", "Montant : 1 250 euros"])
    _, (first,) = capture(pdf, name="facture.pdf", split=False)
    _, (second,) = capture(pdf, name="facture-bis.pdf", split=False)
    assert second.capture.duplicate_of == first
    assert first in second.linked_mails.all()
    assert JournalEvent.objects.filter(action="mail.duplicate_flagged", mail=second).exists()


@pytest.mark.parametrize("split", [True, False])
def test_an_email_dropped_or_uploaded_keeps_its_attachments_and_original(org, split):
    """An e-mail is one mail whatever the split option: its files and the .eml come along."""
    from capture.tests.test_imap import ACCENTS

    _input, mails = capture(ACCENTS, name="reclamation.eml", split=split)
    (mail,) = mails
    assert sorted(a.title for a in mail.attachments.all()) == [
        "facture n° 1.pdf",
        "message-origine.eml",
    ]


def test_the_rendered_email_shows_its_copies(org, tmp_path):
    from capture.tests.test_imap import ACCENTS

    with_copies = ACCENTS.replace(
        b"To: courrier@villedieu.example\r\n",
        b"To: courrier@villedieu.example\r\nCc: maire@villedieu.example\r\n"
        b"Bcc: dgs@villedieu.example\r\n",
    )
    _input, (mail,) = capture(with_copies, name="copie.eml", split=False)
    text = pdf_text(
        mail.searchable_pdf.read() if mail.searchable_pdf else mail.original.read(), tmp_path
    )
    assert "Cc : maire@villedieu.example" in text and "Cci : dgs@villedieu.example" in text
