"""What people typed is printed in Bannette's PDFs as they typed it: reportlab reads paragraph
text as markup, so an attachment named "<b>piece.pdf", a closing comment with "<" or a name
with "&" must neither break the document (a 500) nor change it (courrier.pdf_text). The
evidence is tested in archives/tests/test_evidence.py."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from pypdf import PdfReader

from archives.models import EliminationCertificate
from archives.retention import certificate_pdf
from courrier.models import Mail, Role
from courrier.tests.factories import UserFactory
from stats.tests.conftest import TODAY, october  # noqa: F401 (the hand-counted October)

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_elimination_certificate_prints_names_as_typed(archivist):
    archivist.first_name, archivist.last_name = "Anne <i>", "Dupont & Fils"
    archivist.save()
    certificate = EliminationCertificate.objects.create(made_by=archivist, mails=0)
    certificate.file.save("c.pdf", ContentFile(b""), save=False)
    text = text_of(certificate_pdf(certificate, []))
    assert "Anne <i> Dupont & Fils" in text


def test_the_monthly_report_prints_labels_and_subjects_as_typed(
    client,
    org,
    october,  # noqa: F811
):
    org.voirie.label = "Voirie <b>& Réseaux"
    org.voirie.save()
    Mail.objects.filter(pk=october["D"].pk).update(subject="Fuite <rue> & trottoir")
    manager = UserFactory.create(username="chef", primary_entity=org.st, roles=[Role.MANAGER])
    client.force_login(manager)
    with time_machine.travel(TODAY):
        response = client.get(reverse("statistics_report") + "?month=2026-10")
    assert response.status_code == 200
    text = text_of(response.content)
    assert "Voirie <b>& Réseaux" in text and "Fuite <rue> & trottoir" in text


def test_no_paragraph_is_made_elsewhere():
    """A Paragraph made outside courrier.pdf_text would read its text as markup."""
    root = Path(__file__).resolve().parents[1]
    makers = [
        path.relative_to(root).as_posix()
        for path in root.glob("*/**/*.py")
        if not path.relative_to(root).parts[0].startswith((".venv", "bench"))
        and "tests" not in path.relative_to(root).parts
        and "Paragraph(" in path.read_text(encoding="utf-8")
    ]
    assert makers == ["courrier/pdf_text.py"]
