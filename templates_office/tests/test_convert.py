"""Office documents to PDF: one long-lived LibreOffice per worker, restarted when it dies.

Real LibreOffice through unoserver (./dev setup installs both); nothing is mocked.
"""

from __future__ import annotations

import os
import signal

import pytest
from pypdf import PdfReader

from templates_office import convert
from templates_office.convert import ConversionFailed, office_server, to_pdf, to_pdfs
from templates_office.tests.docs import REPLY_LINES, docx_bytes


@pytest.fixture
def server(settings, tmp_path):
    """This test process's converter, on a profile of its own, stopped afterwards."""
    settings.DATA_DIR = tmp_path
    convert._servers.pop(os.getpid(), None)
    found = office_server()
    if found is None:
        pytest.fail("unoserver is not installed: ./dev setup installs it in .venv-office")
    yield found
    found.stop()
    convert._servers.pop(os.getpid(), None)


def pdf_text(pdf: bytes) -> str:
    import io

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_conversions_go_through_one_libreoffice_kept_running(server):
    first = to_pdf(docx_bytes(REPLY_LINES), ".docx")
    started = server.pid
    second, third = to_pdfs([docx_bytes(["Deuxième lettre"]), docx_bytes(["Troisième"])], ".docx")
    assert server.pid == started and server.alive()
    assert REPLY_LINES[-1].split()[0] in pdf_text(first)
    assert "Deuxième lettre" in pdf_text(second) and "Troisième" in pdf_text(third)


def test_a_killed_libreoffice_is_replaced_at_the_next_conversion(server):
    to_pdf(docx_bytes(["Avant"]), ".docx")
    dead = server.pid
    os.killpg(dead, signal.SIGKILL)
    server.process.wait()
    assert not server.alive()
    assert "Après" in pdf_text(to_pdf(docx_bytes(["Après"]), ".docx"))
    assert server.alive() and server.pid != dead


def test_a_conversion_past_the_timeout_fails_clearly_and_the_next_one_works(server):
    to_pdf(docx_bytes(["Premier"]), ".docx")
    with pytest.raises(ConversionFailed, match="a mis plus de"):
        server.convert(docx_bytes(["Trop tard"]), timeout=0.001)
    assert not server.alive()  # killed: it may be stuck on that document
    assert "Encore" in pdf_text(to_pdf(docx_bytes(["Encore"]), ".docx"))


def test_something_that_is_not_a_document_is_refused_with_the_reason(server):
    with pytest.raises(ConversionFailed, match="pas pu convertir"):
        to_pdf(b"\x00\x01 definitely not an office document", ".docx")
    assert "Ensuite" in pdf_text(to_pdf(docx_bytes(["Ensuite"]), ".docx"))


def test_a_command_stopped_with_sigterm_stops_its_libreoffice(tmp_path):
    """./dev run stops its helpers with SIGTERM: LibreOffice (in a session of its own) left
    running, a second ./dev run doubled it. A command that exits on SIGTERM takes it along."""
    import subprocess
    import sys

    from django.conf import settings

    script = (
        "import sys, time, django; django.setup();"
        "from courrier.services.operations import exit_cleanly_on_sigterm;"
        "from templates_office.convert import office_server;"
        "from templates_office.tests.docs import docx_bytes;"
        "exit_cleanly_on_sigterm(); server = office_server();"
        "server.convert(docx_bytes(['Bonjour']), timeout=120);"
        "print(server.pid, flush=True); sys.stdin.read()"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["BANNETTE_DATA_DIR"] = str(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    office = int(child.stdout.readline())
    os.killpg(office, 0)  # LibreOffice runs, in its own process group
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 128 + signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        os.killpg(office, 0)
