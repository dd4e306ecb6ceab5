"""IMAP capture against a real Dovecot started by the fixture."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from capture.models import (
    CaptureInput,
    ImapAccount,
    ImapMessage,
    ImapMode,
    ImapPostAction,
    ImapRule,
    ImapSecurity,
    InputStatus,
)
from capture.sources.imap.message import parse
from capture.sources.imap.poller import poll_account
from capture.tests.dovecot import start_dovecot
from courrier.models import Contact, Mail

pytestmark = pytest.mark.django_db
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj "
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

ACCENTS = (
    b"From: =?utf-8?q?H=C3=A9l=C3=A8ne_Lef=C3=A8vre?= <helene.lefevre@example.org>\r\n"
    b"To: courrier@villedieu.example\r\n"
    b"Subject: =?utf-8?q?R=C3=A9clamation_=C3=A9clairage_rue_des_=C3=89coles?=\r\n"
    b"Date: Mon, 16 Nov 2026 09:30:00 +0100\r\nMessage-ID: <accents@example.org>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XX"\r\n\r\n'
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"Bonjour,\r\nLe lampadaire devant l'\xc3\xa9cole est \xc3\xa9teint.\r\n"
    b"--XX\r\nContent-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename*=utf-8''facture%20n%C2%B0%201.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n"
    + __import__("base64").encodebytes(PDF)
    + b"--XX--\r\n"
)
HTML_NESTED = (
    b"From: Mairie annexe <annexe@villedieu.example>\r\nTo: courrier@villedieu.example\r\n"
    b"Subject: Photo du trottoir\r\nMessage-ID: <nested@example.org>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="A"\r\n\r\n--A\r\n'
    b'Content-Type: multipart/related; boundary="B"\r\n\r\n--B\r\n'
    b"Content-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
    b'<p>Le trottoir est d=E9fonc=E9.</p><img src=3D"cid:photo"></body></html>\r\n--B\r\n'
    b"Content-Type: image/png\r\nContent-ID: <photo>\r\nContent-Disposition: inline\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--B--\r\n--A--\r\n"
)
BROKEN = (
    b"From: broken@example.net\r\nSubject: =?utf-8?q?Demande_cass=C3=A9e\r\n"
    b"Message-ID: <broken@example.net>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="NEVERCLOSED"\r\n\r\n--NEVERCLOSED\r\n'
    b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\nDemande de rendez-vous.\r\n"
    b'--NEVERCLOSED\r\nContent-Type: application/pdf; name="a.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64 at all@@@\r\n"
)


@pytest.fixture(scope="session")
def dovecot_server():
    base = Path(tempfile.mkdtemp(prefix="bannette-dovecot-"))
    server = start_dovecot(base)
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_server):
    """The shared server with empty mailboxes."""
    with dovecot_server.client() as client:
        for folder in ("INBOX", "Traité"):
            client.select_folder(folder)
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()
    return dovecot_server


@pytest.fixture
def account(dovecot, org, monkeypatch):
    monkeypatch.setenv("BANNETTE_TEST_IMAP_PASSWORD", dovecot.password)
    return ImapAccount.objects.create(
        name="courrier",
        host=dovecot.host,
        port=dovecot.port,
        security=ImapSecurity.NONE,
        username=dovecot.user,
        password_env="BANNETTE_TEST_IMAP_PASSWORD",
        entity=org.courrier,
    )


@pytest.fixture
def poll(account, django_capture_on_commit_callbacks):
    def run(target=None):
        with django_capture_on_commit_callbacks(execute=True):
            return poll_account(target or account)

    return run


def flags(dovecot, folder="INBOX"):
    with dovecot.client() as client:
        client.select_folder(folder)
        uids = client.search(["ALL"])
        return (
            {uid: set(data[b"FLAGS"]) for uid, data in client.fetch(uids, ["FLAGS"]).items()}
            if uids
            else {}
        )


def test_a_message_with_french_accents_becomes_mail_then_is_marked_read(dovecot, account, poll):
    with dovecot.client() as client:
        client.append("INBOX", ACCENTS)
    (message,) = poll()
    mail = Mail.objects.get()
    assert mail.subject == "Réclamation éclairage rue des Écoles"
    assert mail.channel == "email" and mail.destination_entity.code == "COUR"
    assert "lampadaire devant l'école est éteint" in mail.text
    sender = mail.contacts.get()
    assert (sender.email, sender.first_name, sender.last_name) == (
        "helene.lefevre@example.org",
        "Hélène",
        "Lefèvre",
    )
    assert sorted(a.title for a in mail.attachments.all()) == [
        "accuse-d-enregistrement.eml",  # the electronic acknowledgment of registration
        "facture n° 1.pdf",
        "message-origine.eml",
    ]
    eml = mail.attachments.get(title="message-origine.eml").versions.get().file.read()
    assert eml.replace(b"\r\n", b"\n") == ACCENTS.replace(b"\r\n", b"\n")
    message.refresh_from_db()
    assert message.acknowledged_at is not None
    assert b"\\Seen" in flags(dovecot)[message.uid]
    assert poll() == []  # taken once, by UIDVALIDITY + UID


def test_the_message_is_moved_only_after_its_mail_is_committed(dovecot, account, poll):
    account.post_action, account.move_to = ImapPostAction.MOVE, "Traité"
    account.save()
    with dovecot.client() as client:
        client.append("INBOX", HTML_NESTED)
    poll()
    mail = Mail.objects.get()
    assert "Le trottoir est défoncé." in mail.text and "alert" not in mail.text
    assert flags(dovecot) == {} and len(flags(dovecot, "Traité")) == 1


def test_a_failed_capture_leaves_the_message_untouched_and_visible(dovecot, account, poll):
    account.mode = ImapMode.ATTACHMENTS
    account.save()
    corrupt_pdf = ACCENTS.replace(
        __import__("base64").encodebytes(PDF), __import__("base64").encodebytes(b"%PDF-1.4 cut")
    )
    with dovecot.client() as client:
        client.append("INBOX", corrupt_pdf)
    (message,) = poll()
    (capture_input,) = message.inputs.all()
    assert capture_input.status == "error" and "illisible" in capture_input.error
    assert message.acknowledged_at is None
    assert b"\\Seen" not in next(iter(flags(dovecot).values()))
    assert poll() == []  # recorded: not taken twice, waiting on the errors screen


def test_rules_on_headers_choose_type_and_entity(dovecot, account, poll, doctypes, org):
    ImapRule.objects.create(
        account=account,
        header="subject",
        contains="reclamation",
        document_type=doctypes["reclamation"],
        entity=org.voirie,
    )
    with dovecot.client() as client:
        client.append("INBOX", ACCENTS)
    poll()
    mail = Mail.objects.get()
    assert (mail.document_type.code, mail.destination_entity.code) == ("reclamation", "VOIR")


def test_each_attachment_can_be_its_own_mail(dovecot, account, poll):
    account.mode = ImapMode.ATTACHMENTS
    account.save()
    with dovecot.client() as client:
        client.append("INBOX", ACCENTS)
    poll()
    (mail,) = Mail.objects.all()
    assert mail.original_name == "facture n° 1.pdf" and mail.original.read() == PDF
    assert ImapMessage.objects.get().acknowledged_at is not None


def test_a_known_sender_is_reused_not_duplicated(dovecot, account, poll):
    known = Contact.objects.create(
        kind="person",
        last_name="Lefèvre",
        email="Helene.Lefevre@example.org",
        normalized_email="helene.lefevre@example.org",
    )
    with dovecot.client() as client:
        client.append("INBOX", ACCENTS)
    poll()
    assert list(Mail.objects.get().contacts.all()) == [known]
    assert Contact.objects.count() == 1


def test_parsing_survives_broken_mime():
    parsed = parse(BROKEN)
    assert parsed.subject == "Demande cassée"  # unterminated RFC 2047 word, repaired
    assert "rendez-vous" in parsed.body
    parsed_html = parse(HTML_NESTED)
    assert parsed_html.body == "Le trottoir est défoncé."
    assert [a.mime for a in parsed_html.attachments] == ["image/png"]


def test_after_a_uidvalidity_reset_a_message_is_not_taken_twice(dovecot, account, poll):
    with dovecot.client() as client:
        client.append("INBOX", ACCENTS)
    (first,) = poll()
    # The server renumbered its mailbox (new UIDVALIDITY): our records point at the old one.
    ImapMessage.objects.filter(pk=first.pk).update(uidvalidity=first.uidvalidity - 1)
    with dovecot.client() as client:
        client.select_folder("INBOX")
        client.remove_flags(client.search(["ALL"]), [b"\\Seen"])
    (again,) = poll()
    assert Mail.objects.count() == 1  # recognised by its Message-ID
    assert list(again.inputs.all()) == list(first.inputs.all())
    again.refresh_from_db()
    assert again.acknowledged_at is not None
    assert b"\\Seen" in flags(dovecot)[again.uid]


def test_an_attachment_capture_cannot_read_rides_with_the_message_and_nothing_blocks(
    dovecot, account, poll
):
    """Each-attachment mode: the PDF becomes its mail; a .docx cannot, so the message itself
    becomes one too, carrying it. Every input finishes, so the message is flagged as read."""
    account.mode = ImapMode.ATTACHMENTS
    account.save()
    docx_part = (
        b"--XX\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n"
        b'Content-Disposition: attachment; filename="devis.docx"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + __import__("base64").encodebytes(b"PK\x03\x04 pas un PDF")
    )
    raw = ACCENTS.replace(b"--XX--\r\n", docx_part + b"--XX--\r\n")
    with dovecot.client() as client:
        client.append("INBOX", raw)
    (message,) = poll()
    assert sorted(m.original_name for m in Mail.objects.all()) == [
        "facture n° 1.pdf",
        "message.pdf",
    ]
    carrier = Mail.objects.get(original_name="message.pdf")  # the message, rendered
    assert "devis.docx" in [a.title for a in carrier.attachments.all()]
    assert not CaptureInput.objects.filter(status=InputStatus.ERROR).exists()
    message.refresh_from_db()
    assert message.acknowledged_at is not None
    assert b"\\Seen" in flags(dovecot)[message.uid]


def test_an_email_gets_an_acknowledgment_of_registration_then_of_receipt_once_qualified(
    dovecot, account, poll, smtp, clerk, org, django_capture_on_commit_callbacks
):
    """CRPA L112-11 and R112-11-1: the electronic acknowledgment; when it cannot be immediate
    (the type, hence the delays, is known only after qualification), an acknowledgment of
    registration first, sent here at once, well within the first working day."""
    from courrier.models import DocumentType, ProcessingMode
    from courrier.services.mail import Qualification, qualify_mail

    with dovecot.client() as client:
        client.append("INBOX", ACCENTS)
    poll()
    mail = Mail.objects.get()
    (registration,) = smtp.messages
    assert registration["To"] == "helene.lefevre@example.org"
    assert mail.chrono_number in registration["Subject"]
    body = registration.get_body(("plain",)).get_content()
    assert "enregistré sous le numéro" in body and mail.chrono_number in body

    doctype = DocumentType.objects.create(
        code="occupation", label="Occupation", processing_mode=ProcessingMode.SVR
    )
    with django_capture_on_commit_callbacks(execute=True):
        qualify_mail(
            actor=clerk,
            mail=mail,
            qualification=Qualification(document_type=doctype, destination_entity=org.voirie),
        )
    receipt = smtp.messages[1]
    text = receipt.get_body(("plain",)).get_content()
    html = receipt.get_body(("html",)).get_content()
    mail.refresh_from_db()
    for part in (text, html):  # R112-5
        assert "2 mois" in part and "réputée rejetée" in part and "tribunal administratif" in part
        assert "Voirie" in part
    assert sorted(mail.notices.values_list("kind", flat=True)) == ["receipt", "registration"]
    # qualified again later, or the job run again: never a second acknowledgment
    from capture.sources.imap.acknowledgments import acknowledge_pending

    assert acknowledge_pending() == 0 and len(smtp.messages) == 2


def test_robots_and_silent_mailboxes_get_no_acknowledgment(dovecot, account, poll, smtp):
    robot = ACCENTS.replace(b"helene.lefevre@example.org", b"no-reply@impots.example")
    with dovecot.client() as client:
        client.append("INBOX", robot)
    poll()
    account.acknowledge_senders = False
    account.save()
    with dovecot.client() as client:
        client.append("INBOX", HTML_NESTED)
    poll()
    assert Mail.objects.count() == 2
    assert smtp.messages == []


CLIMBING = (
    b"From: citoyen@example.org\r\nTo: courrier@villedieu.example\r\n"
    b"Subject: Pieces jointes mal nommees\r\nMessage-ID: <climbing@example.org>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="Z"\r\n\r\n'
    b"--Z\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoici mes pieces.\r\n"
    + b"".join(
        b"--Z\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="' + name + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + __import__("base64").encodebytes(PDF)
        for name in (b"..\\\\..\\\\x.pdf", b"../../y.pdf", b"C:\\\\Users\\\\z.pdf", b"..")
    )
    + b"--Z--\r\n"
)


def test_attachment_names_that_climb_folders_are_made_plain_and_kept(dovecot, account, poll):
    """`..\\..\\x.pdf` put the e-mail in capture errors for good (Retry failed again): the
    names are made plain in both separators, every file is kept."""
    with dovecot.client() as client:
        client.append("INBOX", CLIMBING)
    (_message,) = poll()
    mail = Mail.objects.get()
    titles = sorted(a.title for a in mail.attachments.all())
    assert titles == [
        "accuse-d-enregistrement.eml",
        "fichier",
        "message-origine.eml",
        "x.pdf",
        "y.pdf",
        "z.pdf",
    ]
    for attachment in mail.attachments.exclude(title__endswith=".eml"):
        stored = attachment.versions.get().file
        assert ".." not in stored.name and "\\" not in stored.name
        assert stored.read() == PDF
    assert not CaptureInput.objects.exclude(status=InputStatus.DONE).exists()
