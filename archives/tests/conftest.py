"""An archivist's journal: two sealed, timestamped stretches, then events not sealed yet; and
the standalone verifier run as she runs it: the copy published with Bannette's source (not the
one in the package), given the authority's certificates she holds (--trust)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction

from archives.journal_package import VERIFIER
from courrier.models import JournalSeal
from courrier.services.journal import record_event
from courrier.services.seals import seal_journal
from courrier.tests.factories import make_mail
from visa.tests.pki import TestPki, TimestampAuthority, make_pki


@contextlib.contextmanager
def timestamp_authority(settings, tmp_path: Path) -> Iterator[TestPki]:
    """The tests' RFC 3161 authority on a loopback port, trusted and used for the seals."""
    pki = make_pki()
    roots = tmp_path / "roots.pem"
    roots.write_bytes(pki.ca_pem)
    settings.BANNETTE_TRUST_ROOTS_FILE = str(roots)
    with TimestampAuthority(pki) as tsa:
        settings.BANNETTE_TSA_URL = tsa.url
        yield pki


@pytest.fixture
def journal(settings, clerk, tmp_path):
    """Two timestamped seals over the first events, then events not sealed yet; the
    authority keeps answering for the test (exports are sealed and timestamped)."""
    with timestamp_authority(settings, tmp_path) as pki:
        first = make_mail(actor=clerk, subject="Courrier 0")
        for i in (1, 2):
            make_mail(actor=clerk, subject=f"Courrier {i}")
            with transaction.atomic():  # the first mail's history goes on between the others
                record_event(action="mail.read", actor=clerk, target=first)
        seal_journal()
        make_mail(actor=clerk, subject="Courrier 3")
        seal_journal()
        make_mail(actor=clerk, subject="Après les sceaux")
        assert JournalSeal.objects.count() == 2
        yield pki


@pytest.fixture
def trust(journal, tmp_path) -> Path:
    """The authority's CA as the archivist holds it, outside any package."""
    path = tmp_path / "autorite-tenue.pem"
    path.write_bytes(journal.ca_pem)
    return path


def unpack(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(into)
    return into / "journal"


def verify(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """As the archivist runs it: the published verifier, a bare Python, standard library only;
    the package is the folder unless a first argument names it (relative to the folder)."""
    if not args or args[0].startswith("--"):
        args = (str(folder), *args)
    return subprocess.run(
        [sys.executable, "-I", "-S", str(VERIFIER), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
