"""Issue scenario: a clerk prints separator sheets, drops a 40-page scanned batch of 10 letters
into a hot folder, and finds 10 mails with the right entity and type, readable OCR text and
searchable PDFs in "to qualify"."""

from __future__ import annotations

import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from capture.classify import fold
from capture.tests import scans
from courrier.models import Mail, MailStatus
from courrier.tests.factories import DocumentTypeFactory
from scanner_hotfolders.models import HotFolder
from scanner_hotfolders.watcher import FolderWatch

pytestmark = pytest.mark.django_db
STREETS = [
    "des Lilas",
    "Haute",
    "du Stade",
    "de la Gare",
    "des Écoles",
    "du Moulin",
    "Basse",
    "de l'Église",
    "des Vignes",
    "du Port",
]
ROUTES = [("VOIR", "signalement"), ("URBA", "reclamation"), ("VASSO", "subvention")]


def printed_sheet(tmp_path, entity: str, doctype: str) -> Image.Image:
    """The sheet as the clerk prints it with the command, then scans it with the batch."""
    pdf = tmp_path / f"{entity}-{doctype}.pdf"
    call_command("separator_sheet", "--entity", entity, "--doctype", doctype, "--output", str(pdf))
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "300",
            "-gray",
            "-png",
            "-singlefile",
            str(pdf),
            str(pdf.with_suffix("")),
        ],
        check=True,
    )
    return scans.skewed(Image.open(pdf.with_suffix(".png")).convert("L"), 1.2)


def test_a_scanned_batch_of_ten_letters_lands_in_to_qualify(
    client, org, clerk, tmp_path, django_capture_on_commit_callbacks
):
    for code in ("signalement", "reclamation", "subvention"):
        DocumentTypeFactory.create(code=code, delay_days=30)
    pages, expected = [], []
    for n, street in enumerate(STREETS):
        entity, doctype = ROUTES[n % 3]
        pages.append(printed_sheet(tmp_path, entity, doctype))
        pages.append(
            scans.letter_page(
                [
                    f"Objet : courrier {n + 1} rue {street}",
                    f"Madame, Monsieur, je vous écris au sujet de la rue {street}.",
                ]
            )
        )
        pages.append(
            scans.letter_page([f"Suite du courrier {n + 1}", "Veuillez agréer mes salutations."])
        )
        if n % 2 == 0:
            pages.append(scans.letter_page([f"Annexe 1 du courrier {n + 1}", "Plan de situation."]))
            pages.append(scans.letter_page([f"Annexe 2 du courrier {n + 1}", "Photographies."]))
        expected.append((entity, doctype, f"courrier {n + 1} rue {street}"))
    assert len(pages) == 40
    drop = tmp_path / "scanner"
    drop.mkdir()
    folder = HotFolder.objects.create(name="scanner", path=str(drop), entity=org.courrier)
    (drop / "lot-du-matin.pdf").write_bytes(scans.scanned_pdf(pages))

    watch = FolderWatch(folder, stable_seconds=0)
    watch.poll(now=0)
    with django_capture_on_commit_callbacks(execute=True):
        (taken,) = watch.poll(now=1)
    taken.refresh_from_db()
    assert taken.status == "done", taken.error

    mails = list(Mail.objects.order_by("chrono_number"))
    # OCR may drop an accent on a capital (É → E): compare subjects accent-folded.
    assert [(m.destination_entity.code, m.document_type.code, fold(m.subject)) for m in mails] == [
        (entity, doctype, fold(subject)) for entity, doctype, subject in expected
    ]
    assert all(m.status == MailStatus.TO_QUALIFY for m in mails)
    assert [m.page_count for m in mails] == [4, 2] * 5
    for mail, street in zip(mails, STREETS, strict=True):
        assert fold(f"rue {street}") in fold(mail.text)
        searchable = tmp_path / "check.pdf"
        searchable.write_bytes(mail.searchable_pdf.read())
        text = subprocess.run(
            ["pdftotext", str(searchable), "-"], capture_output=True, text=True
        ).stdout
        assert "salutations" in text
    client.force_login(clerk)
    basket = client.get(reverse("basket", args=["to_qualify"]))
    assert basket.context["page"].paginator.count == 10
    assert sorted(drop.joinpath("done").iterdir())[0].name.endswith("lot-du-matin.pdf")
