"""The statistics tables against the hand-counted October: breakdowns with processing time,
replies, opinions, visas, capture, weeks; links to exactly the mail behind a cell; exports."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from capture.models import CaptureInput, InputStatus, SourceKind
from courrier.models import Category, Channel, MailStatus, Role
from courrier.tests.factories import UserFactory, make_mail
from stats.tests.conftest import TODAY, at
from visa.models import AskState, OpinionAsk, OpinionRequest, VisaStep, VisaStepRole, VisaStepState

pytestmark = pytest.mark.django_db
OCTOBER = "?month=2026-10"


def tables_of(client, user, query=OCTOBER):
    client.force_login(user)
    with time_machine.travel(TODAY):
        page = client.get(reverse("statistics_tables") + query)
    assert page.status_code == 200
    return {table.code: (table, cells) for table, cells in page.context["tables"]}, page


def test_breakdowns_count_volumes_late_and_processing_time(client, manager, october):
    tables, _page = tables_of(client, manager)
    entities, _cells = tables["entities"]
    assert entities.rows == [
        ["Voirie", 5, 3, 1, 33.3, 10.0, 15.0],
        ["Total", 5, 3, 1, 33.3, 10.0, 15.0],
    ]
    types = tables["types"][0].rows
    assert ["Réclamation", 4, 2, 1, 50.0, 10.0, 10.0] in types
    assert ["État civil", 1, 1, 0, 0.0, 15.0, 15.0] in types
    weeks = tables["weeks"][0]
    assert sum(row[1] for row in weeks.rows) == 5 and sum(row[2] for row in weeks.rows) == 3
    assert "capture" not in tables  # the capture sources are the organisation's


def test_a_cell_leads_to_exactly_its_mail(client, manager, org, october):
    tables, _page = tables_of(client, manager)
    _table, cells = tables["types"]
    row = next(r for r in cells if r[0][0] == "Réclamation")
    incoming_href, late_href = row[1][1], row[3][1]
    with time_machine.travel(TODAY):
        incoming = client.get(incoming_href).context["page"]
        late = client.get(late_href).context["page"]
    assert sorted(m.subject for m in incoming) == ["A", "B", "D", "G"]
    assert [m.subject for m in late] == ["D"]


def test_replies_opinions_and_visas(client, manager, org, october):
    voirie = UserFactory.create(username="agent-v", primary_entity=org.voirie, roles=[Role.AGENT])
    signatory = UserFactory.create(username="maire", primary_entity=org.st, roles=[Role.MANAGER])
    for channel, day in ((Channel.EMAIL, "2026-10-12"), (Channel.PAPER, "2026-10-26")):
        make_mail(
            subject=f"Réponse {channel}",
            category=Category.OUTGOING,
            channel=channel,
            destination_entity=org.voirie,
            override={"status": MailStatus.CLOSED, "closing_date": at(day)},
        )
    with time_machine.travel(at("2026-10-02")):
        request = OpinionRequest.objects.create(
            mail=october["A"],
            requested_by=voirie,
            reason="Avis de l'urbanisme",
            deadline=datetime.date(2026, 10, 6),
        )
    OpinionAsk.objects.create(
        request=request,
        position=1,
        entity=org.urbanisme,
        state=AskState.ANSWERED,
        answered_at=at("2026-10-05"),
    )
    OpinionAsk.objects.create(request=request, position=2, user=signatory, state=AskState.WAITING)
    VisaStep.objects.create(
        mail=october["B"],
        position=1,
        user=signatory,
        role=VisaStepRole.SIGNATURE,
        state=VisaStepState.APPROVED,
        current_since=at("2026-10-20"),
        decided_at=at("2026-10-22"),
    )
    tables, _page = tables_of(client, manager)
    assert tables["replies"][0].rows == [["Courriel", 1], ["Papier", 1], ["Total", 2]]
    opinions = tables["opinions"][0].rows
    assert ["Urbanisme", 1, 1, 100.0, 3.0, 0] in opinions
    assert [str(signatory), 1, 0, None, None, 1] in opinions
    assert tables["visas"][0].rows == [[str(signatory), "Signature", 1, 0, 2.0, 2.0]]
    with time_machine.travel(TODAY):
        opinion_mail = client.get(tables["opinions"][1][0][1][1]).context["page"]
        signed = client.get(tables["visas"][1][0][2][1]).context["page"]
        replies = client.get(tables["replies"][1][0][1][1]).context["page"]
    assert [m.subject for m in opinion_mail] == ["A"]
    assert [m.subject for m in signed] == ["B"]
    assert [m.subject for m in replies] == ["Réponse email"]


def test_capture_per_source_for_the_organisation(client, administrator, october):
    def received(kind, name, status, mails=0):
        item = CaptureInput.objects.create(
            source_kind=kind,
            source_name=name,
            file_name="scan.pdf",
            sha256="0" * 64,
            size=1,
            status=status,
            received_at=at("2026-10-08"),
        )
        for segment in range(mails):
            mail = make_mail(subject=f"capté {item.pk}-{segment}")
            item.mails.create(segment=segment, mail=mail)

    received(SourceKind.HOTFOLDER, "Scanner RDC", InputStatus.DONE, mails=3)
    received(SourceKind.HOTFOLDER, "Scanner RDC", InputStatus.ERROR)
    received(SourceKind.IMAP, "mairie@", InputStatus.DONE, mails=1)
    tables, _page = tables_of(client, administrator)
    assert tables["capture"][0].rows == [
        ["Dossier de numérisation — Scanner RDC", 2, 3, 1, 50.0],
        ["Courriel (IMAP) — mairie@", 1, 1, 0, 0.0],
        ["Total", 3, 4, 1, 33.3],
    ]


def test_filters_narrow_every_figure(client, manager, org, october):
    working = october["C"].document_type
    tables, page = tables_of(client, manager, f"{OCTOBER}&type={working.pk}")
    assert tables["entities"][0].rows[0] == ["Voirie", 1, 1, 0, 0.0, 15.0, 15.0]
    tables, page = tables_of(client, manager, "?month=2026-11&period=quarter")
    assert page.context["period"].start == datetime.date(2026, 10, 1)
    assert tables["entities"][0].rows[-1][1:3] == [5, 3]  # October and November, then December


def test_exports_read_back(client, manager, october):
    client.force_login(manager)
    with time_machine.travel(TODAY):
        sheet = client.get(reverse("statistics_export", args=["entities", "xlsx"]) + OCTOBER)
        text = client.get(reverse("statistics_export", args=["types", "csv"]) + OCTOBER)
        refused = client.get(reverse("statistics_export", args=["capture", "csv"]) + OCTOBER)
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Entité", "Arrivés", "Clos", "En retard")
    assert rows[1:] == [("Voirie", 5, 3, 1, 33.3, 10, 15), ("Total", 5, 3, 1, 33.3, 10, 15)]
    lines = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:4] == ["Type de document", "Arrivés", "Clos", "En retard"]
    assert ["Réclamation", "4", "2", "1", "50,0", "10,0", "10,0"] in lines
    assert refused.status_code == 403
    # file names in the users' language, not the tables' codes
    assert 'filename="statistiques-services-2026-10.xlsx"' in sheet["Content-Disposition"]
    assert 'filename="statistiques-types-2026-10.csv"' in text["Content-Disposition"]


def test_every_exported_tables_file_is_named_in_french():
    from stats.tables import TABLES
    from stats.views import FILE_NAMES

    assert set(FILE_NAMES) == set(TABLES)
    english = {"entities", "channels", "weeks", "replies", "opinions", "webform"}
    assert not english & set(FILE_NAMES.values())
