"""Transfers to the archives: the SEDA manifest validated against the official schemas (and a
broken one refused), the package dropped, the archive service's acknowledgement and reply read
back; only an accepting reply lets the local copy be eliminated."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from archives import retention, seda, transfers
from archives.models import (
    ArchiveAgreement,
    EliminationProposal,
    TransferStatus,
)
from courrier.models import JournalEvent, Mail, MailStatus, Note
from courrier.services.mail import IncomingFile
from courrier.tests.factories import DocumentTypeFactory, make_mail

pytestmark = pytest.mark.django_db
PARIS = datetime.timezone(datetime.timedelta(hours=1))
NS = "fr:gouv:culture:archivesdefrance:seda:v2.1"
CODE_LISTS = "".join(
    f"<{name}>{name}0</{name}>"
    for name in ("ReplyCodeListVersion", "MessageDigestAlgorithmCodeListVersion")
)


@pytest.fixture
def kept(org, clerk, agent):
    """Deliberations (kept for good, ten years) closed in 2014, one with a restricted note."""
    kind = DocumentTypeFactory.create(
        code="deliberation",
        label="Délibération",
        retention_duration="P10Y",
        final_disposition="keep",
    )

    def mail(subject):
        made = make_mail(
            actor=clerk,
            subject=subject,
            document_type=kind,
            destination_entity=org.voirie,
            arrival_date=datetime.date(2014, 5, 2),
            original=IncomingFile("deliberation.pdf", b"%PDF-1.4 " + subject.encode()),
            override={
                "status": MailStatus.CLOSED,
                "closing_date": datetime.datetime(2014, 6, 1, 12, tzinfo=PARIS),
            },
        )
        return made

    first, second = mail("Délibération budget 2014"), mail("Délibération voirie 2014")
    Note.objects.create(mail=first, author=agent, text="Adoptée à l'unanimité")
    secret = Note.objects.create(mail=first, author=agent, text="Note réservée au service")
    secret.restricted_to.set([org.voirie])
    return [first, second]


@pytest.fixture
def agreement(tmp_path) -> ArchiveAgreement:
    return ArchiveAgreement.objects.create(
        label="Archives départementales",
        identifier="CONV-VDL-2026",
        archival_agency="FRAD099",
        transferring_agency="VDL-MAIRIE",
        originating_agency="VDL-MAIRIE",
        appraisal_rules={"deliberation": "APP-DELIB", "*": "APP-10Y"},
        outbox=str(tmp_path / "versements"),
        inbox=str(tmp_path / "retours"),
    )


def seda_agreement(version: str = "2.1") -> seda.Agreement:
    return seda.Agreement("CONV", "FRAD099", "VDL", "VDL", {"*": "APP-10Y"}, version=version)


@pytest.mark.parametrize("version", ["2.1", "2.2"])
def test_the_manifest_validates_against_the_official_schemas(kept, version):
    built = seda.build(kept, seda_agreement(version), "T-1", "Versement d'essai")
    files = {f.name: f.data for f in built.files}
    assert seda.check(built.manifest, files, seda_agreement(version)) == []
    text = built.manifest.decode()
    assert "Adoptée à l'unanimité" in text and "Note réservée" not in text
    assert text.count('<MessageDigest algorithm="SHA-512">') == 2
    assert "Délibération budget 2014" in text and "mail.registered" not in text
    assert "Enregistré" in text or "enregistré" in text  # the journal extract, in words


def test_a_broken_manifest_is_refused(kept):
    built = seda.build(kept, seda_agreement(), "T-2", "Essai")
    files = {f.name: f.data for f in built.files}
    no_agency = built.manifest.replace(b"<ArchivalAgency>", b"<Archivalagency>").replace(
        b"</ArchivalAgency>", b"</Archivalagency>"
    )
    assert any(p.startswith("XSD") for p in seda.check(no_agency, files, seda_agreement()))
    untitled = built.manifest.replace(
        b"<Title>D\xc3\xa9lib\xc3\xa9ration budget 2014</Title>", b"<Title></Title>"
    )
    assert "AU1 : titre vide" in seda.check(untitled, files, seda_agreement())
    tampered = dict(files)
    first = next(iter(tampered))
    tampered[first] = b"autre chose"
    assert any(
        "empreinte ne correspond pas" in p
        for p in seda.check(built.manifest, tampered, seda_agreement())
    )


def reply(
    tmp_path: Path, agreement, kind: str, answered: str, code: str = "", comment: str = ""
) -> None:
    inbox = Path(agreement.inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    reference = (
        "MessageReceivedIdentifier" if kind == "Acknowledgement" else "MessageRequestIdentifier"
    )
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><{kind} xmlns="{NS}">'
        f"<Comment>{comment or 'Retour'}</Comment><Date>2026-12-03T10:00:00</Date>"
        f"<MessageIdentifier>AD-{kind}-{answered}</MessageIdentifier>"
    )
    if kind == "Acknowledgement":
        body += f"<{reference}>{answered}</{reference}><Sender><Identifier>FRAD099</Identifier></Sender><Receiver><Identifier>VDL-MAIRIE</Identifier></Receiver>"
    else:
        body += (
            f"<CodeListVersions>{CODE_LISTS}</CodeListVersions><ReplyCode>{code}</ReplyCode>"
            f"<{reference}>{answered}</{reference}>"
            "<ArchivalAgency><Identifier>FRAD099</Identifier></ArchivalAgency>"
            "<TransferringAgency><Identifier>VDL-MAIRIE</Identifier></TransferringAgency>"
        )
    body += f"</{kind}>"
    errors = list(seda.schema("2.1").iter_errors(body.encode()))
    assert errors == [], errors  # the test's replies are what a SEDA archive would send
    (inbox / f"{kind}-{answered}.xml").write_text(body, encoding="utf-8")


def test_transfer_then_accepting_reply_then_elimination(
    kept, agreement, archivist, tmp_path, django_capture_on_commit_callbacks
):
    assert list(transfers.transferable()) == kept
    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfers.send_transfer(actor=archivist, agreement=agreement, mails=kept)
    (package,) = Path(agreement.outbox).glob("*.zip")
    with zipfile.ZipFile(package) as bundle:
        manifest = bundle.read("manifest.xml")
        files = {name: bundle.read(name) for name in bundle.namelist() if name != "manifest.xml"}
    assert seda.check(manifest, files, transfers.agreement_of(agreement)) == []
    assert transfers.transferable().count() == 0  # sent, awaiting the reply
    assert JournalEvent.objects.filter(action="archives.transfer_sent").count() == 2

    reply(tmp_path, agreement, "Acknowledgement", transfer.identifier)
    transfers.read_replies(agreement)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACKNOWLEDGED
    early = EliminationProposal.objects.create(
        mail=kept[0], retention_end=datetime.date(2024, 6, 1)
    )
    with pytest.raises(ValidationError):
        retention.approve(actor=archivist, proposals=[early])  # kept for good, not accepted yet
    early.delete()

    reply(tmp_path, agreement, "ArchiveTransferReply", transfer.identifier, code="OK")
    run = transfers.read_replies(agreement)
    transfer.refresh_from_db()
    assert (run.accepted, transfer.status, transfer.reply_code) == (
        1,
        TransferStatus.ACCEPTED,
        "OK",
    )
    assert transfer.reply and (Path(agreement.inbox) / "done").is_dir()
    proposals = EliminationProposal.objects.filter(mail__in=kept)
    assert proposals.count() == 2
    assert retention.approve(actor=archivist, proposals=proposals) == 2
    certificate = retention.eliminate_approved(actor=archivist)
    assert certificate is not None and certificate.mails == 2
    assert all(m.eliminated_at for m in Mail.objects.filter(pk__in=[m.pk for m in kept]))


def test_a_rejection_keeps_the_mail_with_the_reason(
    kept, agreement, archivist, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfers.send_transfer(actor=archivist, agreement=agreement, mails=kept[:1])
    reply(
        tmp_path,
        agreement,
        "ArchiveTransferReply",
        transfer.identifier,
        code="KO",
        comment="Règle de sort inconnue",
    )
    (Path(agreement.inbox) / "inconnu.xml").write_text("<pas-du-seda/>", encoding="utf-8")
    run = transfers.read_replies(agreement)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.reply_comment) == (
        TransferStatus.REJECTED,
        "Règle de sort inconnue",
    )
    assert (run.rejected, run.errors) == (1, 1)
    assert not EliminationProposal.objects.exists()
    assert kept[0] in transfers.transferable()  # it can be sent again
    reasons = list((Path(agreement.inbox) / "error").glob("*.reason.txt"))
    assert reasons and "Aucun versement" in reasons[0].read_text()
    assert JournalEvent.objects.filter(action="archives.transfer_rejected").count() == 1


def test_a_held_mail_is_not_transferred(kept, agreement, archivist):
    retention.place_hold(actor=archivist, reason="Contentieux", mail=kept[1])
    assert list(transfers.transferable()) == [kept[0]]
    with pytest.raises(ValidationError):
        transfers.send_transfer(actor=archivist, agreement=agreement, mails=kept)


def _real_pdf(text: str) -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, text)
    canvas.save()
    return buffer.getvalue()


EML = (
    b"From: Lucie Martin <lucie.martin@example.org>\r\nTo: mairie@villedieu.example\r\n"
    b"Subject: Terrasse\r\nDate: Mon, 4 May 2026 10:00:00 +0200\r\n"
    b"Message-ID: <1@example.org>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n"
)


@pytest.mark.parametrize("version", ["2.1", "2.2"])
def test_what_an_archives_service_checks_beyond_the_schema(org, clerk, version):
    """Formats identified from the bytes with their PRONOM id (an e-mail declared as
    octet-stream is message/rfc822), the organisation as originating agency, the letter's own
    date, who wrote to whom, and one form for every date and time."""
    import re

    from courrier.tests.factories import ContactFactory

    kind = DocumentTypeFactory.create(code="occupation", label="Occupation du domaine public")
    sender = ContactFactory.create(first_name="Lucie", last_name="Martin")
    mail = make_mail(
        actor=clerk,
        subject="Terrasse rue des Lilas",
        document_type=kind,
        destination_entity=org.voirie,
        arrival_date=datetime.date(2026, 5, 4),
        senders=[sender],
        original=IncomingFile("demande.eml", EML, "application/octet-stream"),
        override={
            "document_date": datetime.date(2026, 4, 28),
            "status": MailStatus.CLOSED,
            "closing_date": datetime.datetime(2026, 6, 1, 10, 30, tzinfo=datetime.UTC),
        },
    )
    from courrier.models import AttachmentKind
    from courrier.services.circulation import add_attachment

    add_attachment(
        actor=None,
        mail=mail,
        kind=AttachmentKind.objects.get_or_create(code="simple", defaults={"label": "PJ"})[0],
        title="plan",
        file=IncomingFile("plan.bin", _real_pdf("Plan de la terrasse"), "application/octet-stream"),
    )
    agreement = seda.Agreement(
        "CONV", "FRAD099", "VDL-MAIRIE", "FR-21000123", {"*": "APP"}, version=version
    )
    built = seda.build([mail], agreement, "T-9", "Versement")
    assert seda.check(built.manifest, {f.name: f.data for f in built.files}, agreement) == []
    root = ET.fromstring(built.manifest)
    ns = {"s": f"fr:gouv:culture:archivesdefrance:seda:v{version}"}
    formats = {
        obj.findtext("s:FileInfo/s:Filename", namespaces=ns): (
            obj.findtext("s:FormatIdentification/s:MimeType", namespaces=ns),
            obj.findtext("s:FormatIdentification/s:FormatId", namespaces=ns) or "",
        )
        for obj in root.iter(f"{{{ns['s']}}}BinaryDataObject")
    }
    assert formats["demande.eml"][0] == "message/rfc822"
    assert formats["plan.bin"][0] == "application/pdf"
    assert all(re.fullmatch(r"(x-)?fmt/\d+", puid) for _mime, puid in formats.values())
    unit = root.find("s:DataObjectPackage/s:DescriptiveMetadata/s:ArchiveUnit/s:Content", ns)
    assert unit.findtext("s:OriginatingAgency/s:Identifier", namespaces=ns) == "FR-21000123"
    assert unit.findtext("s:CreatedDate", namespaces=ns).startswith("2026-04-28T00:00:00")
    assert unit.findtext("s:Sender/s:FirstName", namespaces=ns) == "Lucie"
    assert unit.findtext("s:Sender/s:BirthName", namespaces=ns) == "Martin"
    assert "Voirie" in (unit.findtext("s:Addressee/s:Corpname", namespaces=ns) or "")
    moments = [
        unit.findtext(f"s:{name}", namespaces=ns)
        for name in ("CreatedDate", "ReceivedDate", "RegisteredDate", "StartDate", "EndDate")
    ] + [root.findtext("s:Date", namespaces=ns)]
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", m or "") for m in moments
    )
    assert unit.findtext("s:EndDate", namespaces=ns) == "2026-06-01T12:30:00+02:00"
