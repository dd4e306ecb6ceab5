"""Bad input gets a clear reason, lands in error, and never stops the pipeline."""

from __future__ import annotations

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
        ("vide.pdf", b"", "the file is empty (0 bytes)"),
        ("notes.txt", b"juste du texte", "unsupported file type"),
        ("casse.pdf", b"%PDF-1.4\n1 0 obj <<>> garbage", "the PDF cannot be read"),
        ("photo.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "the image cannot be read"),
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
        capture_input.error == "the PDF is protected by a password: remove the protection and retry"
    )


def test_an_unknown_entity_on_a_sheet_stops_the_batch_then_a_retry_registers_it(
    org, clerk, django_capture_on_commit_callbacks
):
    batch = scans.scanned_pdf(
        [scans.separator_page("SPORTS"), scans.letter_page(["Objet : gymnase", "Le toit fuit."])]
    )
    capture_input = capture(batch, "lot.pdf")
    assert capture_input.status == InputStatus.ERROR
    assert "unknown entity 'SPORTS'" in capture_input.error and "page 1" in capture_input.error
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
