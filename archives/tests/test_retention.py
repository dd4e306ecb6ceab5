"""A full retention cycle: the proposal when the retention period ends, the archivist's approval
in the journal, the elimination keeping a stub and the fingerprints, the certificate; a legal
hold blocks it; nothing is eliminated without an approval on record."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from archives import retention
from archives.models import EliminationProposal, LegalHold, ProposalStatus
from courrier.models import FinalDisposition, Folder, JournalEvent, Mail, MailStatus, RetentionStart
from courrier.services.mail import IncomingFile
from courrier.tests.factories import DocumentTypeFactory, make_mail

pytestmark = pytest.mark.django_db
PARIS = datetime.timezone(datetime.timedelta(hours=1))


@pytest.fixture
def closed_long_ago(org, clerk):
    """Three invoices closed in March 2019 (kept five years), one candidate kept for good, one
    to sort, and one closed too recently."""
    destroy = DocumentTypeFactory.create(
        code="facture", label="Facture", retention_duration="P5Y", final_disposition="destroy"
    )
    keep = DocumentTypeFactory.create(
        code="deliberation", label="Délibération", final_disposition="keep"
    )
    sort = DocumentTypeFactory.create(
        code="courrier-divers",
        label="Courrier divers",
        retention_duration="P2Y",
        final_disposition=FinalDisposition.SORT,
        retention_start=RetentionStart.ARRIVAL,
    )

    def mail(subject, kind, closed):
        made = make_mail(
            actor=clerk,
            subject=subject,
            document_type=kind,
            destination_entity=org.voirie,
            arrival_date=closed - datetime.timedelta(days=20),
            original=IncomingFile("scan.pdf", b"%PDF-1.4 " + subject.encode()),
            override={
                "status": MailStatus.CLOSED,
                "closing_date": datetime.datetime.combine(closed, datetime.time(12), PARIS),
            },
        )
        return made

    old = datetime.date(2019, 3, 10)
    return {
        "A": mail("Facture Dupont", destroy, old),
        "B": mail("Facture Martin", destroy, old),
        "C": mail("Facture Leroy", destroy, old),
        "K": mail("Délibération", keep, old),
        "S": mail("Invitation", sort, old),
        "R": mail("Facture récente", destroy, datetime.date(2024, 6, 1)),
    }


def test_the_retention_end_follows_the_type(closed_long_ago):
    assert retention.retention_end(closed_long_ago["A"]) == datetime.date(2024, 3, 10)
    assert retention.retention_end(closed_long_ago["S"]) == datetime.date(2021, 2, 18)  # arrival


def test_a_full_cycle_with_a_hold(closed_long_ago, archivist, client, org):
    mails = closed_long_ago
    folder = Folder.objects.create(label="Contentieux Martin", entity=org.voirie)
    folder.mails.add(mails["B"])
    retention.place_hold(actor=archivist, reason="Recours au tribunal", folder=folder)
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, tzinfo=PARIS)):
        run = retention.propose_eliminations()
        again = retention.propose_eliminations()
    proposed = {p.mail.subject: p for p in EliminationProposal.objects.select_related("mail")}
    assert set(proposed) == {"Facture Dupont", "Facture Leroy", "Invitation"}  # not B: held
    assert (run.proposed, run.held, again.proposed) == (3, 1, 0)
    assert proposed["Invitation"].to_sort

    client.force_login(archivist)
    listing = client.get(reverse("archives_eliminations") + "?format=csv")
    rows = list(csv.reader(io.StringIO(listing.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Numéro chrono" and len(rows) == 4

    dupont, leroy = proposed["Facture Dupont"], proposed["Facture Leroy"]
    client.post(
        reverse("archives_eliminations"),
        {"action": "approve", "proposal": [dupont.pk, leroy.pk], "comment": "Visa n° 12"},
    )
    retention.place_hold(actor=archivist, reason="Enquête", mail=mails["C"])  # after approval
    client.post(
        reverse("archives_eliminations"),
        {"action": "postpone", "proposal": [proposed["Invitation"].pk], "until": "2030-01-01"},
    )
    response = client.post(reverse("archives_eliminations"), {"action": "eliminate"})
    assert response.status_code == 302

    dupont_mail = Mail.objects.get(pk=mails["A"].pk)
    assert dupont_mail.eliminated_at is not None
    assert dupont_mail.subject == "" and not dupont_mail.original
    assert dupont_mail.chrono_number == mails["A"].chrono_number  # the stub
    event = JournalEvent.objects.get(action="mail.eliminated", mail=dupont_mail)
    assert event.details["destroyed"]["original"] == mails["A"].original_sha256
    assert Mail.objects.get(pk=mails["C"].pk).eliminated_at is None  # the hold came first
    assert EliminationProposal.objects.get(pk=leroy.pk).status == ProposalStatus.APPROVED
    assert EliminationProposal.objects.get(mail=mails["S"]).status == ProposalStatus.POSTPONED

    certificate = EliminationProposal.objects.get(pk=dupont.pk).certificate
    assert certificate is not None and certificate.mails == 1
    download = client.get(reverse("archives_certificate", args=[certificate.pk]))
    text = PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages[0].extract_text()
    assert "Certificat d'élimination" in text and mails["A"].chrono_number in text
    assert mails["C"].chrono_number not in text

    retention.lift_hold(actor=archivist, hold=LegalHold.objects.get(mail=mails["C"]))
    assert retention.eliminate_approved(actor=archivist).mails == 1  # Leroy, now
    assert JournalEvent.objects.filter(action="retention.hold_lifted").count() == 1


def test_nothing_is_eliminated_without_an_approval_on_record(closed_long_ago, archivist):
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, tzinfo=PARIS)):
        retention.propose_eliminations()
    proposal = EliminationProposal.objects.get(mail=closed_long_ago["A"])
    EliminationProposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.APPROVED)
    assert retention.eliminate_approved(actor=archivist) is None  # no visa in the journal
    assert Mail.objects.get(pk=closed_long_ago["A"].pk).eliminated_at is None


def test_a_held_mail_cannot_be_approved_and_only_archivists_decide(
    closed_long_ago, archivist, agent
):
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, tzinfo=PARIS)):
        retention.propose_eliminations()
    proposal = EliminationProposal.objects.get(mail=closed_long_ago["A"])
    retention.place_hold(actor=archivist, reason="Litige", mail=closed_long_ago["A"])
    with pytest.raises(ValidationError):
        retention.approve(actor=archivist, proposals=[proposal])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        retention.approve(actor=agent, proposals=[proposal])
