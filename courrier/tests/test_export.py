from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courrier.services.mail import IncomingFile
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, make_mail

pytestmark = pytest.mark.django_db


def export(capsys, *args) -> list[dict]:
    call_command("export_mails", *args)
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_export_prints_one_json_object_per_mail(capsys, org):
    sender = ContactFactory.create(first_name="Inès", last_name="Garcia", email="ines@example.net")
    doctype = DocumentTypeFactory.create(code="reclamation")
    make_mail(
        subject="Bruit la nuit",
        document_type=doctype,
        destination_entity=org.voirie,
        senders=[sender],
        text="Texte OCR",
        page_count=2,
        arrival_date=datetime.date(2026, 6, 1),
        original=IncomingFile("a.pdf", b"%PDF-1.4 x"),
    )
    (record,) = export(capsys)
    assert record["chrono_number"] == "VDL/2026/A/000001"
    assert record["subject"] == "Bruit la nuit"
    assert (record["document_type"], record["destination_entity"]) == ("reclamation", "VOIR")
    assert record["sender"] == {
        "name": "Inès Garcia",
        "organisation": "",
        "email": "ines@example.net",
    }
    assert (record["page_count"], record["text"]) == (2, "Texte OCR")
    assert record["arrival_date"] == "2026-06-01"
    assert len(record["original_sha256"]) == 64
    assert record["status"] == "to_qualify" and record["channel"] == "paper"


def test_since_keeps_mail_arrived_on_or_after_the_date(capsys):
    make_mail(subject="old", arrival_date=datetime.date(2026, 1, 10))
    make_mail(subject="new", arrival_date=datetime.date(2026, 2, 1))
    assert [r["subject"] for r in export(capsys, "--since", "2026-02-01")] == ["new"]


def test_since_with_a_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_mails", "--since", "01/02/2026")
