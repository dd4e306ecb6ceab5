"""Bad input gets a clear reason, lands in error, and never stops the pipeline."""

from __future__ import annotations

import io
import subprocess
from typing import Unpack

import pytest
from django.core.exceptions import PermissionDenied

from capture.models import CapturedMail, InputStatus, SourceKind
from capture.options import CaptureOptions
from capture.pipeline import CaptureRejected
from capture.services import default_steps, receive_input, retry_input, run_pipeline
from capture.tests import scans
from courrier.models import Entity, JournalEvent, Mail, Role
from courrier.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def capture(content: bytes, name: str, **options: Unpack[CaptureOptions]):
    capture_input = receive_input(
        source_kind=SourceKind.UPLOAD,
        name=name,
        content=content,
        options=CaptureOptions(split=True) | options,
    )
    run_pipeline(capture_input)
    capture_input.refresh_from_db()
    return capture_input


def protected_pdf(tmp_path) -> bytes:
    plain, locked = tmp_path / "plain.pdf", tmp_path / "locked.pdf"
    plain.write_bytes(scans.born_digital_pdf(["Confidentiel"]))
    subprocess.run(
        ["qpdf", "--encrypt", "secret", "secret", "256", "--", str(plain), str(locked)], check=True
    )
    return locked.read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("vide.pdf", b"", "le fichier est vide (0 octet)"),
        ("notes.txt", b"juste du texte", "type de fichier non pris en charge"),
        (
            "casse.pdf",
            b"%PDF-1.4\n1 0 obj <<>> garbage",
            "le PDF est illisible : il est endommagé ou n'est pas un PDF",
        ),
        ("photo.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "l'image est illisible"),
    ],
)
def test_bad_files_are_refused_with_a_clear_reason(org, name, content, reason):
    capture_input = capture(content, name)
    assert capture_input.status == InputStatus.ERROR
    assert reason in capture_input.error
    assert not Mail.objects.exists()
    assert JournalEvent.objects.filter(action="capture.failed").count() == 1


def test_a_password_protected_pdf_is_refused(org, tmp_path):
    capture_input = capture(protected_pdf(tmp_path), "protege.pdf")
    assert (
        capture_input.error
        == "le PDF est protégé par un mot de passe : retirez la protection puis relancez"
    )


def test_an_unknown_entity_on_a_sheet_stops_the_batch_then_a_retry_registers_it(
    org, clerk, django_capture_on_commit_callbacks
):
    batch = scans.scanned_pdf(
        [scans.separator_page("SPORTS"), scans.letter_page(["Objet : gymnase", "Le toit fuit."])]
    )
    capture_input = capture(batch, "lot.pdf")
    assert capture_input.status == InputStatus.ERROR
    assert "entité inconnue « SPORTS »" in capture_input.error and "page 1" in capture_input.error
    Entity.objects.create(code="SPORTS", label="Sports")
    with django_capture_on_commit_callbacks(execute=True):
        retry_input(actor=clerk, capture_input=capture_input)  # runs in-process (no broker)
    capture_input.refresh_from_db()
    assert capture_input.status == InputStatus.DONE and capture_input.attempts == 2
    (mail,) = Mail.objects.all()
    assert mail.destination_entity.code == "SPORTS"


def test_one_bad_file_does_not_stop_the_next_one(org):
    bad = capture(b"", "vide.pdf")
    good = capture(
        scans.born_digital_pdf(["Objet : permis", "Demande de permis de construire"]), "ok.pdf"
    )
    assert (bad.status, good.status) == (InputStatus.ERROR, InputStatus.DONE)


class Crash:
    name = "crash"

    def able_to_run(self, ctx):
        return True

    def run(self, ctx):
        raise RuntimeError("worker killed")


def test_a_retry_after_a_crash_mid_batch_creates_no_duplicate(
    org, clerk, django_capture_on_commit_callbacks
):
    batch = scans.scanned_pdf(
        [
            scans.separator_page("VOIR"),
            scans.letter_page(["Objet : un", "Premier courrier."]),
            scans.separator_page("URBA"),
            scans.letter_page(["Objet : deux", "Second courrier."]),
        ]
    )
    capture_input = receive_input(
        source_kind=SourceKind.UPLOAD, name="lot.pdf", content=batch, options={"split": True}
    )
    run_pipeline(capture_input, steps=[*default_steps(), Crash()])  # both registered, then crash
    capture_input.refresh_from_db()
    assert capture_input.status == InputStatus.ERROR
    assert "internal error: RuntimeError: worker killed" in capture_input.error
    with django_capture_on_commit_callbacks(execute=True):
        retry_input(actor=clerk, capture_input=capture_input)
    capture_input.refresh_from_db()
    assert capture_input.status == InputStatus.DONE
    assert Mail.objects.count() == 2 == CapturedMail.objects.count()


def test_only_clerks_and_administrators_may_retry(org, agent, django_capture_on_commit_callbacks):
    capture_input = capture(b"", "vide.pdf")
    with pytest.raises(PermissionDenied):
        retry_input(actor=agent, capture_input=capture_input)
    admin = UserFactory.create(username="root-admin", roles=[Role.ADMINISTRATOR])
    with django_capture_on_commit_callbacks(execute=True):
        retry_input(actor=admin, capture_input=capture_input)  # fails again, but was allowed
    capture_input.refresh_from_db()
    assert capture_input.attempts == 2


def test_rejections_are_plain_exceptions_for_steps():
    assert issubclass(CaptureRejected, Exception)


def page_size_points(pdf_path) -> tuple[float, float]:
    from ocr.pdf import page_sizes

    return page_sizes(pdf_path)[0]


@pytest.mark.parametrize(
    ("fmt", "dpi"),
    [("TIFF", None), ("JPEG", (72, 72))],  # no resolution tags; a phone photo's 72 dpi
)
def test_images_with_a_missing_or_false_resolution_become_paper_sized_pages(
    org, tmp_path, fmt, dpi
):
    page = scans.letter_page(["Objet : photo d'un courrier", "Prise au téléphone."])
    buffer = io.BytesIO()
    page.save(buffer, fmt, **({"dpi": dpi} if dpi else {}))
    capture(buffer.getvalue(), f"photo.{fmt.lower()}")
    mail = Mail.objects.get()
    pdf = tmp_path / "mail.pdf"
    pdf.write_bytes((mail.searchable_pdf or mail.original).read())
    width, height = page_size_points(pdf)
    assert 550 < width < 650 and 800 < height < 900  # about A4, not 4 or 2,000 times larger
    assert "téléphone" in mail.text


def test_a_file_over_the_page_limit_is_refused_before_any_page_is_read(org, settings):
    settings.BANNETTE_CAPTURE_MAX_PAGES = 3
    pages = [scans.letter_page([f"Page {n}"]) for n in range(4)]
    capture_input = capture(scans.scanned_pdf(pages), "lot.pdf")
    assert capture_input.status == InputStatus.ERROR
    assert "4 pages, au-delà de la limite de 3 pages" in capture_input.error


def test_a_giant_page_is_refused_before_it_is_rendered(org, tmp_path):
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(7200, 7200))  # 100 inches square, a few hundred bytes
    canvas.drawString(72, 72, "plan")
    canvas.save()
    capture_input = capture(buffer.getvalue(), "plan.pdf")
    assert capture_input.status == InputStatus.ERROR
    assert "la page 1 mesure 254 \u00d7 254 cm, plus grand que le format A0" in capture_input.error


def test_a_file_over_the_size_limit_is_refused_and_not_kept(org, settings):
    settings.BANNETTE_CAPTURE_MAX_BYTES = 2048
    content = scans.scanned_pdf([scans.letter_page(["Objet : trop gros"])])
    assert len(content) > 2048
    capture_input = capture(content, "gros.pdf")
    assert (
        capture_input.status == InputStatus.ERROR
        and "dépasse la limite de 0 Mio" in capture_input.error
    )
    assert capture_input.size == len(content) and capture_input.file.size == 0  # nothing kept
