"""Uploading in a real browser: the files go with a progress bar, and the page then lists each
file with the mail it became or the reason it did not."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from capture.tasks import embedded_worker
from courrier.letters import letter_pdf
from courrier.models import Mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_files_are_sent_with_a_progress_bar_and_each_one_is_accounted_for(open_as, agent, tmp_path):
    letter = tmp_path / "lettre.pdf"
    letter.write_bytes(letter_pdf(["Objet : banc cassé square Jean-Moulin"]))
    empty = tmp_path / "vide.pdf"
    empty.write_bytes(b"")
    page = open_as("agent")
    page.goto(f"{page.url}capture/upload/")
    page.set_input_files("#id_documents", [str(letter), str(empty)])
    with page.expect_request(lambda r: r.method == "POST" and r.resource_type == "xhr"):
        page.get_by_role("button", name="Capture", exact=True).click()
    # the capture runs in the request: a cold process first imports scikit-learn (5-6 s here)
    expect(page.locator("section.card")).to_contain_text("vide.pdf", timeout=30_000)
    expect(page.locator("section.card")).to_contain_text("le fichier est vide")
    expect(page.locator("section.card")).to_contain_text(Mail.objects.get().chrono_number)


def test_as_shipped_the_results_follow_the_capture_until_each_mail_has_its_number(
    open_as, agent, tmp_path, settings
):
    """The embedded default reads files in a background thread: the page answers at once, then
    follows each file by itself until its mail exists (it once stayed on « En traitement… »)."""
    settings.BANNETTE_CAPTURE_IN_BACKGROUND = True
    # The one capture thread is kept busy until the page has shown the file waiting.
    busy = threading.Event()
    embedded_worker().submit(busy.wait, 60)
    letter = tmp_path / "lettre.pdf"
    letter.write_bytes(letter_pdf(["Objet : lampadaire éteint rue des Lilas"]))
    page = open_as("agent")
    page.goto(f"{page.url}capture/upload/")
    page.set_input_files("#id_documents", [str(letter)])
    page.get_by_role("button", name="Capture", exact=True).click()
    results = page.locator("#upload-results")
    expect(results.locator("li[data-status=received]")).to_contain_text("lettre.pdf")
    expect(results).to_contain_text("en attente")
    busy.set()
    expect(results.locator("li[data-status=done]")).to_have_count(1, timeout=60_000)
    expect(results).to_contain_text(Mail.objects.get().chrono_number)
    expect(results).not_to_have_attribute("hx-trigger", "every 2s")  # polling stopped
