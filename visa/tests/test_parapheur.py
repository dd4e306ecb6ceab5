"""The external parapheur through drop folders; the tests play the parapheur's side."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction

from courrier.models import JournalEvent, MailStatus
from courrier.services.mail import Qualification, qualify_mail
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, make_mail
from templates_office.models import OfficeTemplate
from templates_office.services import draft_reply
from templates_office.tests.docs import REPLY_LINES, docx_bytes
from visa.models import ParapheurRequest
from visa.parapheur import poll_inbox, send_to_parapheur
from visa.signing import check_signatures, load_signer, sign_pdf
from visa.tests.parapheur_side import parapheur_returns
from visa.tests.pki import make_pki

pytestmark = pytest.mark.django_db


@pytest.fixture
def folders(tmp_path, settings):
    settings.BANNETTE_PARAPHEUR_OUTBOX = str(tmp_path / "vers-parapheur")
    settings.BANNETTE_PARAPHEUR_INBOX = str(tmp_path / "depuis-parapheur")
    settings.BANNETTE_TSA_URL = ""
    return Path(settings.BANNETTE_PARAPHEUR_OUTBOX), Path(settings.BANNETTE_PARAPHEUR_INBOX)


@pytest.fixture
def draft(org, clerk, agent, folders, django_capture_on_commit_callbacks):
    sender = ContactFactory.create(
        last_name="Martin", address_line1="12 rue des Lilas", postcode="00100", city="Villedieu"
    )
    mail = make_mail(subject="Arbre tombé", senders=[sender])
    qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(
            document_type=DocumentTypeFactory.create(), destination_entity=org.voirie
        ),
    )
    template = OfficeTemplate(label="Réponse", entity=org.voirie)
    template.file.save("r.docx", ContentFile(docx_bytes(REPLY_LINES)), save=True)
    with django_capture_on_commit_callbacks(execute=True):
        return draft_reply(actor=agent, mail=mail, template=template)


@pytest.fixture
def sent(draft, agent, django_capture_on_commit_callbacks):
    mail = draft.mail
    with django_capture_on_commit_callbacks(execute=True):
        request = send_to_parapheur(
            actor=agent,
            mail=mail,
            draft=draft,
            circuit_type="Courrier",
            circuit_subtype="Réponse maire",
            signatory="Jeanne Maire",
        )
    return request


def parapheur_takes(outbox: Path, request) -> tuple[dict, bytes]:
    """What the parapheur reads: one complete folder named by the request id."""
    assert [p.name for p in outbox.iterdir()] == [str(request.request_id)]  # no half-built folder
    folder = outbox / str(request.request_id)
    manifest = json.loads((folder / "manifest.json").read_text())
    pdf = (folder / "document.pdf").read_bytes()
    assert manifest["files"] == [
        {"name": "document.pdf", "sha256": hashlib.sha256(pdf).hexdigest()}
    ]
    return manifest, pdf


def test_a_signed_return_is_attached_and_the_reply_is_ready_to_send(sent, folders):
    outbox, inbox = folders
    manifest, pdf = parapheur_takes(outbox, sent)
    assert (manifest["mail_chrono"], manifest["circuit"], manifest["signatory"]) == (
        sent.mail.chrono_number,
        {"type": "Courrier", "subtype": "Réponse maire"},
        "Jeanne Maire",
    )
    pki = make_pki(signer_name="Jeanne Maire")
    signed = sign_pdf(
        pdf, signer=load_signer(pki.signer_p12, pki.password), name="Jeanne Maire", role="Maire"
    )
    parapheur_returns(
        inbox,
        "retour-1",
        {
            "request_id": manifest["request_id"],
            "status": "signed",
            "by": "Jeanne Maire",
            "at": "2026-11-22T10:00:00+01:00",
            "annotation": "",
            "files": [{"name": "signe.pdf", "sha256": hashlib.sha256(signed).hexdigest()}],
        },
        {"signe.pdf": signed},
    )
    assert poll_inbox() == ["done"]
    sent.refresh_from_db()
    sent.mail.refresh_from_db()
    assert (sent.status, sent.mail.status) == ("signed", MailStatus.TO_SEND)
    version = sent.draft.current_version()
    assert version.signed
    with version.file.open("rb") as handle:
        (check,) = check_signatures(handle.read(), [pki.ca])
    assert check.ok
    assert (inbox / "done" / "retour-1").is_dir()
    assert JournalEvent.objects.filter(mail=sent.mail, action="parapheur.signed").count() == 1


def test_a_refusal_goes_back_to_the_drafter_with_the_annotation(sent, folders, agent):
    outbox, inbox = folders
    manifest, _pdf = parapheur_takes(outbox, sent)
    parapheur_returns(
        inbox,
        "retour-2",
        {
            "request_id": manifest["request_id"],
            "status": "refused",
            "by": "Jeanne Maire",
            "annotation": "Reformuler le deuxième paragraphe.",
        },
        {},
    )
    assert poll_inbox() == ["done"]
    sent.mail.refresh_from_db()
    assert sent.mail.status == MailStatus.IN_PROGRESS
    note = sent.mail.notes.get()
    assert "Reformuler le deuxième paragraphe." in note.text and note.author == agent


@pytest.mark.parametrize(
    ("result", "files", "reason"),
    [
        (
            {"status": "signed", "files": [{"name": "s.pdf", "sha256": "0" * 64}]},
            {"s.pdf": b"%PDF-1.4 x"},
            "SHA-256 does not match",
        ),
        ({"status": "signed", "files": []}, {}, "exactly one PDF"),
        ({"status": "maybe"}, {}, '"status"'),
        (
            {"request_id": "00000000-0000-0000-0000-000000000000", "status": "refused"},
            {},
            "unknown request",
        ),
    ],
)
def test_bad_returns_go_to_the_error_folder_with_a_reason(sent, folders, result, files, reason):
    outbox, inbox = folders
    manifest, _pdf = parapheur_takes(outbox, sent)
    parapheur_returns(inbox, "retour-x", {"request_id": manifest["request_id"], **result}, files)
    assert poll_inbox() == ["error"]
    assert reason in (inbox / "error" / "retour-x.reason.txt").read_text()
    sent.refresh_from_db()
    assert sent.status == "sent"  # still waiting for a good answer


def test_a_return_without_result_json_is_refused_and_the_watch_command_runs(sent, folders):
    _outbox, inbox = folders
    (inbox / "vide").mkdir(parents=True)
    call_command("watch_parapheur", "--once")
    assert "result.json is missing" in (inbox / "error" / "vide.reason.txt").read_text()
    assert ParapheurRequest.objects.get().status == "sent"


def test_a_request_is_published_only_once_committed(draft, agent, folders):
    outbox, _inbox = folders
    with pytest.raises(RuntimeError), transaction.atomic():
        send_to_parapheur(actor=agent, mail=draft.mail, draft=draft)
        raise RuntimeError("the transaction fails after the folder was written")
    assert [p.name for p in outbox.iterdir() if not p.name.startswith(".")] == []
    assert not ParapheurRequest.objects.exists()
