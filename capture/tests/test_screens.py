"""Capture screens: upload, capture errors with retry, separator sheets."""

from __future__ import annotations

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from capture.models import CaptureInput, InputStatus, SourceKind
from capture.separators import Separator, detect
from capture.services import receive_input, run_pipeline
from capture.tests import scans
from courrier.models import Mail

pytestmark = pytest.mark.django_db
LETTER = scans.born_digital_pdf(["Objet : éclairage", "Le lampadaire clignote."])


def decode_first_page(pdf: bytes, tmp_path) -> Separator | None:
    (tmp_path / "s.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "300",
            "-gray",
            "-jpeg",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "s.pdf"),
            str(tmp_path / "s"),
        ],
        check=True,
    )
    return detect(next(tmp_path.glob("s-*.jpg")))


def test_an_agent_uploads_files_and_gets_their_chrono_numbers(client, agent, org):
    client.force_login(agent)
    response = client.post(
        reverse("capture_upload"),
        {
            "documents": [
                SimpleUploadedFile("lettre.pdf", LETTER),
                SimpleUploadedFile("casse.pdf", b"%PDF-1.4 broken"),
            ],
            "entity": org.voirie.pk,
            "split": "on",
        },
        follow=True,
    )
    page = response.content.decode()
    mail = Mail.objects.get()
    assert mail.chrono_number in page and "le PDF est illisible" in page
    # an uploaded scan is paper post (acknowledged on paper) unless the form says otherwise
    assert (mail.channel, mail.destination_entity, mail.created_by) == ("paper", org.voirie, agent)
    assert client.get(reverse("mail_detail", args=[mail.pk])).status_code == 200


def test_an_oversized_upload_is_refused_before_capture(client, agent, settings):
    settings.BANNETTE_CAPTURE_MAX_BYTES = 10_000
    client.force_login(agent)
    big = SimpleUploadedFile("gros.pdf", b"%PDF-1.4" + b"0" * 15_000)
    response = client.post(reverse("capture_upload"), {"documents": [big]})
    assert "Trop volumineux (limite 0 Mio) : gros.pdf" in response.content.decode()
    huge = client.post(
        reverse("capture_upload"),
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH="100000",
    )
    assert huge.status_code == 413
    assert not CaptureInput.objects.exists()


def test_an_empty_file_is_named_and_does_not_refuse_the_rest_of_the_selection(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("capture_upload"),
        {
            "documents": [
                SimpleUploadedFile("vide.pdf", b""),
                SimpleUploadedFile("lettre.pdf", LETTER),
            ]
        },
        follow=True,
    )
    page = response.content.decode()
    assert "vide.pdf" in page and "le fichier est vide (0 octet)" in page
    assert Mail.objects.get().chrono_number in page  # the other file became mail
    empty = CaptureInput.objects.get(file_name="vide.pdf")
    assert empty.status == "error"  # in Capture errors, under its own name


def test_the_errors_screen_lists_failures_and_retries_them(
    client, clerk, org, django_capture_on_commit_callbacks
):
    failed = receive_input(source_kind=SourceKind.HOTFOLDER, name="vide.pdf", content=b"")
    run_pipeline(failed)
    client.force_login(clerk)
    page = client.get(reverse("capture_errors")).content.decode()
    assert "vide.pdf" in page and "le fichier est vide (0 octet)" in page
    original = client.get(reverse("capture_input_original", args=[failed.pk]))
    assert original["Content-Disposition"].startswith("attachment")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("capture_retry", args=[failed.pk]), follow=True)
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.attempts == 2 and failed.status == InputStatus.ERROR


def test_agents_and_outsiders_cannot_see_capture_errors(client, agent, outsider):
    for user in (agent, outsider):
        client.force_login(user)
        assert client.get(reverse("capture_errors")).status_code == 403


def test_the_separator_page_prints_sheets_that_the_splitter_reads(client, clerk, org, tmp_path):
    client.force_login(clerk)
    assert client.get(reverse("separator_sheet")).status_code == 200
    response = client.get(reverse("separator_sheet"), {"entity": org.urbanisme.pk, "copies": 2})
    assert response["Content-Type"] == "application/pdf"
    assert decode_first_page(response.content, tmp_path) == Separator("URBA", "")


def test_the_separator_sheet_command_writes_a_readable_pdf(org, doctypes, tmp_path):
    out = tmp_path / "voirie.pdf"
    call_command(
        "separator_sheet", "--entity", "VOIR", "--doctype", "signalement", "--output", str(out)
    )
    assert decode_first_page(out.read_bytes(), tmp_path) == Separator("VOIR", "signalement")
    generic = tmp_path / "generique.pdf"
    call_command("separator_sheet", "--output", str(generic))
    assert decode_first_page(generic.read_bytes(), tmp_path) == Separator("", "")


def test_capture_command_prints_chrono_numbers(org, tmp_path, capsys):
    letter = tmp_path / "lettre.pdf"
    letter.write_bytes(LETTER)
    call_command("capture", str(letter), "--no-split")
    assert Mail.objects.get().chrono_number in capsys.readouterr().out


def test_thumbnails_are_real_images(org):
    capture_input = receive_input(source_kind=SourceKind.UPLOAD, name="l.pdf", content=LETTER)
    (mail,) = run_pipeline(capture_input)
    with Image.open(mail.thumbnail) as thumbnail:
        assert thumbnail.width == 240


def test_the_mail_page_shows_where_it_came_from_and_the_suggestions(client, clerk, org, doctypes):
    from capture.models import ClassificationRule

    ClassificationRule.objects.create(
        label="Voirie",
        pattern="lampadaire",
        entity=org.voirie,
        document_type=doctypes["signalement"],
    )
    capture_input = receive_input(source_kind=SourceKind.UPLOAD, name="lettre.pdf", content=LETTER)
    (mail,) = run_pipeline(capture_input)
    client.force_login(clerk)
    page = client.get(reverse("mail_detail", args=[mail.pk]) + "?tab=info").content.decode()
    assert "lettre.pdf" in page and "Type suggéré" in page and "100 %" in page


@pytest.mark.parametrize("symbology", ["code128", "code39"])
def test_a_sites_own_linear_barcode_sheet_separates_too(tmp_path, symbology, settings):
    page = tmp_path / "sheet.jpg"
    scans.skewed(scans.linear_code_page("PATCHT", symbology), 1.0).save(page, quality=75)
    assert detect(page) == Separator("", "")
    settings.BANNETTE_FOREIGN_SEPARATORS = ["AUTRE"]
    assert detect(page) is None  # only the configured values count


def test_a_too_large_request_is_refused_before_its_body_is_read(client, agent, settings):
    settings.BANNETTE_PUBLIC_REQUEST_MAX_BYTES = 10_000
    settings.BANNETTE_CAPTURE_MAX_BYTES = 12_500  # signed-in users: 4 times that, 50,000
    body = b"x" * 20_000
    citizen = client.generic(
        "POST", reverse("citizen_form"), body, "multipart/form-data; boundary=x"
    )
    assert citizen.status_code == 413 and "10000" not in citizen.content.decode()
    client.force_login(agent)  # signed-in users may send more at once
    assert client.generic("POST", reverse("capture_upload"), body, "text/plain").status_code != 413
    big = b"x" * 60_000
    assert client.generic("POST", reverse("capture_upload"), big, "text/plain").status_code == 413
    assert not CaptureInput.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_upload_answers_at_once_and_capture_follows(
    client, agent, settings, org
):
    """Embedded mode: capture runs in the web process's own worker thread, not in the request."""
    import threading

    from capture.tasks import embedded_worker

    settings.BANNETTE_CAPTURE_IN_BACKGROUND = True
    hold = threading.Event()
    embedded_worker().submit(hold.wait, 60)  # the worker is busy until we let it go
    client.force_login(agent)
    response = client.post(
        reverse("capture_upload"),
        {"documents": [SimpleUploadedFile("lettre.pdf", LETTER)], "entity": org.voirie.pk},
    )
    assert response.status_code == 302
    assert not Mail.objects.exists()  # answered before capture ran
    assert CaptureInput.objects.get().status == InputStatus.RECEIVED
    hold.set()
    embedded_worker().submit(lambda: None).result(timeout=120)  # the worker went through its queue
    mail = Mail.objects.get()
    assert mail.destination_entity == org.voirie and "lampadaire" in mail.text


def test_a_failed_input_is_set_aside_with_its_reason_and_may_still_be_retried(
    client, clerk, agent, org
):
    from courrier.models import JournalEvent

    failed = receive_input(source_kind=SourceKind.HOTFOLDER, name="pub.pdf", content=b"")
    run_pipeline(failed)
    client.force_login(clerk)
    refused = client.post(reverse("capture_set_aside", args=[failed.pk]), {"reason": "  "})
    assert refused.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "error"  # no reason, nothing changes
    client.post(reverse("capture_set_aside", args=[failed.pk]), {"reason": "Publicité"})
    failed.refresh_from_db()
    assert (failed.status, failed.set_aside_reason) == ("set_aside", "Publicité")
    event = JournalEvent.objects.get(action="capture.set_aside")
    assert event.details["reason"] == "Publicité"
    page = client.get(reverse("capture_errors")).content.decode()
    errors, aside = page.split("<h1>")[1].split("Mis de côté</h2>")
    assert "pub.pdf" not in errors and "pub.pdf" in aside and "Publicité" in aside
    assert client.get(reverse("capture_input_original", args=[failed.pk])).status_code == 200
    client.force_login(agent)  # agents do not handle capture errors
    assert client.post(
        reverse("capture_set_aside", args=[failed.pk]), {"reason": "x"}
    ).status_code in (403, 404)
