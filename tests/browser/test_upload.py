"""Uploading in a real browser: the files go with a progress bar, and the page then lists each
file with the mail it became or the reason it did not."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
