"""Evidence for one mail: Merkle inclusion proofs up to the sealed roots and an integrity
certificate, checked by the standalone verifier without the other events of the journal."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from archives.evidence import inclusion_proof, root_from_proof
from archives.tests.conftest import verify
from courrier.models import AttachmentKind, JournalEvent, Mail, MailStatus
from courrier.services.circulation import add_attachment
from courrier.services.mail import IncomingFile, close_mail
from courrier.services.seals import merkle_root
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17])
def test_every_leaf_proves_its_way_to_the_root(size):
    hashes = [f"{i:064x}" for i in range(1, size + 1)]
    root = merkle_root(hashes)
    for index, leaf in enumerate(hashes):
        assert root_from_proof(leaf, inclusion_proof(hashes, index)) == root
    assert root_from_proof(hashes[0], inclusion_proof(hashes, size - 1)) != root or size == 1


def evidence_of(client, archivist, mail, tmp_path: Path) -> Path:
    client.force_login(archivist)
    response = client.get(reverse("archives_mail_evidence", args=[mail.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        bundle.extractall(tmp_path)
    (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith("preuve-")]
    return folder


def test_one_mails_history_is_proved_without_the_others(
    client, journal, trust, archivist, tmp_path
):
    first, other = Mail.objects.order_by("pk")[:2]
    folder = evidence_of(client, archivist, first, tmp_path)
    result = verify(folder, "preuve.json", "--trust", str(trust))
    assert result.returncode == 0, result.stdout
    assert "Résultat : tout tient." in result.stdout
    evidence = (folder / "preuve.json").read_text()
    assert other.subject not in evidence  # only sibling hashes of the others
    assert {e["event"]["mail"] for e in json.loads(evidence)["events"]} == {first.pk}
    assert all(e["proof"] for e in json.loads(evidence)["events"])  # sealed, several per seal
    text = PdfReader(folder / "attestation-integrite.pdf").pages[0].extract_text()
    assert "Attestation d'intégrité" in text and "tout tient" in text
    produced = JournalEvent.objects.get(action="journal.evidence")
    assert produced.mail_id == first.pk and produced.actor == archivist


def test_a_changed_event_or_proof_is_named(client, journal, archivist, tmp_path):
    first = Mail.objects.order_by("pk").first()
    folder = evidence_of(client, archivist, first, tmp_path)
    evidence = json.loads((folder / "preuve.json").read_text())
    evidence["events"][0]["event"]["actor_name"] = "quelqu'un d'autre"
    evidence["events"][1]["proof"][0][1] = "0" * 64
    (folder / "preuve.json").write_text(json.dumps(evidence))
    result = verify(folder, "preuve.json")
    assert result.returncode == 1
    seqs = [e["event"]["seq"] for e in evidence["events"]]
    assert f"événement n° {seqs[0]} : son contenu ne correspond plus" in result.stdout
    assert f"événement n° {seqs[1]} : sa preuve ne mène pas" in result.stdout


def test_no_evidence_of_a_mail_she_may_not_open(client, journal, archivist, org):
    secret = make_mail(
        subject="Confidentiel", destination_entity=org.vasso, override={"confidential": True}
    )
    client.force_login(archivist)
    assert client.get(reverse("archives_mail_evidence", args=[secret.pk])).status_code == 404


TITLE = "<b>piece.pdf"
COMMENT = 'Montant < 1 000 € & délai > 2 mois <font size="40">'


def test_the_evidence_prints_titles_and_comments_as_typed(client, journal, archivist, agent):
    mail = Mail.objects.order_by("pk")[0]
    Mail.objects.filter(pk=mail.pk).update(
        status=MailStatus.IN_PROGRESS, destination_entity=agent.primary_entity
    )
    mail.refresh_from_db()
    kind, _made = AttachmentKind.objects.get_or_create(code="simple", defaults={"label": "PJ"})
    add_attachment(
        actor=agent,
        mail=mail,
        kind=kind,
        title=TITLE,
        file=IncomingFile(TITLE, b"%PDF-1.4", "application/pdf"),
    )
    close_mail(actor=agent, mail=mail, comment=COMMENT)
    client.force_login(archivist)
    response = client.get(reverse("archives_mail_evidence", args=[mail.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        (name,) = [n for n in bundle.namelist() if n.endswith("attestation-integrite.pdf")]
        pdf = PdfReader(io.BytesIO(bundle.read(name)))
        text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert TITLE in text
    assert 'Montant < 1 000 € & délai > 2 mois <font size="40">' in text
