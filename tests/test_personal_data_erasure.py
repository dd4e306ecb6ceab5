"""A citizen's request goes the whole way — web form with an attached piece, acknowledgment,
qualification with a keyword, note, missing pieces asked and received, webhook, stored journal
export, search index, closing with a comment — then is anonymised, or eliminated. A scan of
every row of every table and every stored file (inside ZIPs, PDFs and e-mails, and the search
index's terms) must then find none of the citizen's name, e-mail or distinctive words; and the
journal still verifies, its events keeping only a salted digest of what was erased."""

from __future__ import annotations

import contextlib
import datetime
import email
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from api.models import WebhookSubscription
from archives import personal_data, retention
from archives.journal_package import write_package
from archives.models import EliminationProposal, ExportStatus, JournalExport
from archives.services import build_export, request_export
from archives.tests.conftest import unpack, verify
from capture.models import WebFormRequest, WebFormTopic
from capture.tests import scans
from courrier.models import DelayUnit, Keyword, Mail, MailStatus, ProcessingMode
from courrier.services import legal
from courrier.services.circulation import add_note
from courrier.services.journal import verify_journal
from courrier.services.mail import Qualification, close_mail, qualify_mail
from courrier.tests.factories import DocumentTypeFactory
from indexing import whoosh_backend

pytestmark = pytest.mark.django_db
PARIS = datetime.timezone(datetime.timedelta(hours=1))

FIRST, LAST = "Qwplmz", "Vxkrzt"
ADDRESS = "qwplmz.vxkrzt@exemple.org"
WORDS = {
    "piece": "Plkmnzx",  # in the uploaded PDF
    "message": "Wvbrtkz",  # in the form's message
    "keyword": "Dossier Vxkrzt",
    "note": "Zgrtnvk",
    "pieces": "Bdfxqrt",
    "comment": "Jhgtrwq",
    "street": "Ykzwvq",
}
NEEDLES = [FIRST, LAST, ADDRESS, *(w for w in WORDS.values() if " " not in w)]


def _texts(name: str, data: bytes, depth: int = 0) -> Iterator[str]:
    """What a stored file says: its bytes, and what a ZIP, a PDF or an e-mail hold inside."""
    yield data.decode("utf-8", "ignore")
    yield data.decode("latin-1", "ignore")
    if depth > 3:
        return
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            for member in bundle.namelist():
                yield member
                yield from _texts(member, bundle.read(member), depth + 1)
    if data.startswith(b"%PDF"):
        with contextlib.suppress(Exception):  # a partial PDF: its bytes were read above
            yield " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if (
        name.endswith(".eml")
        or data[:200].lower().count(b"content-type")
        or b"\nFrom:" in data[:2000]
    ):
        message = email.message_from_bytes(data)
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                yield from _texts(part.get_filename() or "", payload, depth + 1)
        yield str(message.get("Subject", "")) + str(message.get("To", ""))


def found_in_files(folder: Path) -> list[str]:
    hits = []
    for path in folder.rglob("*") if folder.exists() else []:
        if not path.is_file():
            continue
        text = " ".join(_texts(path.name, path.read_bytes())).lower()
        hits += [f"{path.relative_to(folder)}: {n}" for n in NEEDLES if n.lower() in text]
    return hits


def found_in_tables() -> list[str]:
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # our own table names
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row).lower()
                hits += [f"{table}: {n}" for n in NEEDLES if n.lower() in text]
    return sorted(set(hits))


def found_in_index() -> list[str]:
    """Every term whoosh holds, deleted documents' included until their segment is merged."""
    reader = whoosh_backend.open_index().reader()
    try:
        terms = " ".join(
            (text.decode("utf-8", "ignore") if isinstance(text, bytes) else str(text))
            for _field, text in reader.all_terms()
        ).lower()
    finally:
        reader.close()
    return [n for n in NEEDLES if n.lower() in terms]


@pytest.fixture
def request_lived(
    client, org, clerk, agent, archivist, settings, smtp, django_capture_on_commit_callbacks
):
    """The citizen's request, from the web form to its closing, every place written."""
    settings.BANNETTE_SEARCH_BACKEND = "whoosh"
    settings.BANNETTE_TSA_URL = ""
    kind = DocumentTypeFactory.create(
        code="occupation",
        label="Occupation du domaine public",
        processing_mode=ProcessingMode.SVA,
        delay_days=30,
        delay_unit=DelayUnit.CALENDAR_DAYS,
        final_disposition="destroy",
        anonymise_after="P1M",
    )
    topic = WebFormTopic.objects.create(
        label="Terrasse", document_type=kind, entity=org.voirie, anonymise_after="P1M"
    )
    WebhookSubscription.objects.create(
        name="Portail",
        url="https://portail.invalid/hook",
        events=["mail.registered", "mail.qualified", "mail.closed"],
    )
    piece = SimpleUploadedFile(
        f"plan {LAST}.pdf",
        scans.born_digital_pdf([f"Plan de {FIRST} {LAST}", WORDS["piece"]]),
        "application/pdf",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("citizen_form"),
            {
                "civility": "Mme",
                "first_name": FIRST,
                "last_name": LAST,
                "email": ADDRESS,
                "phone": "0102030405",
                "address": f"5 chemin {WORDS['street']}",
                "postcode": "00100",
                "city": "Villedieu",
                "topic": topic.pk,
                "message": f"Terrasse devant chez moi, {WORDS['message']}.",
                "website": "",
                "documents": [piece],
            },
        )
    assert response.status_code in (200, 302)
    mail = WebFormRequest.objects.get().mail
    assert mail is not None
    with django_capture_on_commit_callbacks(execute=True):
        if mail.status == MailStatus.TO_QUALIFY:
            qualify_mail(
                actor=clerk,
                mail=mail,
                qualification=Qualification(
                    document_type=kind, destination_entity=org.voirie, keywords=[WORDS["keyword"]]
                ),
            )
        else:
            mail.keywords.add(Keyword.objects.create(label=WORDS["keyword"]))
        Mail.objects.filter(pk=mail.pk).update(status=MailStatus.IN_PROGRESS, assignee=agent)
        mail.refresh_from_db()
        add_note(actor=agent, mail=mail, text=f"Appelé Mme {LAST} : {WORDS['note']}")
        legal.request_missing_pieces(actor=agent, mail=mail, pieces=f"Plan coté {WORDS['pieces']}")
        legal.record_pieces_received(actor=agent, mail=mail)
        close_mail(actor=agent, mail=mail, comment=f"Accordé à {LAST}, {WORDS['comment']}")
    with django_capture_on_commit_callbacks(execute=True):
        export = request_export(actor=archivist, since=None, until=None)
    assert build_export(export.pk).status == ExportStatus.READY
    before = found_in_tables() + found_in_files(Path(settings.MEDIA_ROOT))
    assert any(LAST in hit for hit in before) and any(WORDS["note"] in hit for hit in before)
    assert LAST.lower() in found_in_index_lower()  # the index held the request too
    return Mail.objects.get(pk=mail.pk)


def found_in_index_lower() -> list[str]:
    return [n.lower() for n in found_in_index()]


def _everything_scanned() -> list[str]:
    return (
        found_in_tables()
        + found_in_files(Path(settings.MEDIA_ROOT))
        + found_in_files(Path(settings.BANNETTE_INDEX_DIR))
        + found_in_files(Path(settings.BANNETTE_SEAL_DIR))
        + [f"index: {n}" for n in found_in_index()]
    )


def test_after_anonymisation_nothing_of_the_citizen_is_left(
    request_lived, archivist, django_capture_on_commit_callbacks, tmp_path
):
    with django_capture_on_commit_callbacks(execute=True):
        personal_data.anonymise(request_lived, actor=archivist)
    assert _everything_scanned() == []
    report = verify_journal()
    assert report.intact, report.problems
    withdrawn = JournalExport.objects.get()
    assert withdrawn.status == ExportStatus.WITHDRAWN and not withdrawn.file
    # a new export verifies: the erased parts leave their salted digest in hashed details
    write_package(tmp_path / "apres.zip")
    folder = unpack(tmp_path / "apres.zip", tmp_path / "apres")
    checked = verify(folder)
    assert "ÉCHEC" not in checked.stdout, checked.stdout
    assert "ont vu leurs données personnelles effacées" in checked.stdout
    assert LAST not in (folder / "events.jsonl").read_text()


def test_after_elimination_nothing_of_the_citizen_is_left(
    request_lived, archivist, django_capture_on_commit_callbacks
):
    proposal = EliminationProposal.objects.create(
        mail=request_lived, retention_end=datetime.date(2026, 1, 1)
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        retention.eliminate_mail(request_lived, actor=archivist, proposal=proposal)
    assert _everything_scanned() == []
    assert verify_journal().intact
