"""Quality-of-service figures against a hand-counted month, and the perimeter on every figure."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from courrier.models import ClockSuspension, DelayUnit, MailStatus, Role
from courrier.tests.factories import DocumentTypeFactory, UserFactory, make_mail
from stats import indicators, selectors
from stats.indicators import Period

pytestmark = pytest.mark.django_db
PARIS = datetime.timezone(datetime.timedelta(hours=1))
TODAY = datetime.datetime(2026, 11, 15, 10, tzinfo=PARIS)


def at(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=12, tzinfo=PARIS)


@pytest.fixture
def october(org):
    """October 2026 in Voirie, counted by hand:
    A arrived 1 Oct, closed 11 Oct (10 days, due 31 Oct: in time);
    B arrived 5 Oct, clock suspended 6-16 Oct, closed 25 Oct (20 - 10 = 10 days, due 20 Oct: late);
    C working-day type, arrived Sat 10 Oct, closed Fri 30 Oct (15 working days, due 23 Oct: late);
    D arrived 20 Oct, open, due 5 Nov: late on 15 Nov;
    G arrived 2 Oct, closed 12 Oct then reopened: open, not closed;
    E arrived and closed in September (the period before); V is Vie associative's."""
    calendar = DocumentTypeFactory.create(code="reclamation", label="Réclamation", delay_days=30)
    working = DocumentTypeFactory.create(
        code="etat-civil", label="État civil", delay_days=10, delay_unit=DelayUnit.WORKING_DAYS
    )

    def mail(name, arrival, *, entity=org.voirie, doctype=calendar, **override):
        return make_mail(
            subject=name,
            document_type=doctype,
            destination_entity=entity,
            arrival_date=datetime.date.fromisoformat(arrival),
            override={"status": MailStatus.IN_PROGRESS, **override},
        )

    closed = MailStatus.CLOSED
    mails = {
        "A": mail("A", "2026-10-01", status=closed, closing_date=at("2026-10-11")),
        "B": mail(
            "B",
            "2026-10-05",
            status=closed,
            closing_date=at("2026-10-25"),
            due_date=datetime.date(2026, 10, 20),
        ),
        "C": mail("C", "2026-10-10", doctype=working, status=closed, closing_date=at("2026-10-30")),
        "D": mail("D", "2026-10-20", due_date=datetime.date(2026, 11, 5)),
        "G": mail("G", "2026-10-02", due_date=datetime.date(2026, 12, 31)),
        "E": mail("E", "2026-09-20", status=closed, closing_date=at("2026-09-25")),
        "V": mail("V", "2026-10-03", entity=org.vasso, due_date=datetime.date(2026, 11, 1)),
    }
    ClockSuspension.objects.create(
        mail=mails["B"],
        reason="missing_pieces",
        started_on=datetime.date(2026, 10, 6),
        ended_on=datetime.date(2026, 10, 16),
    )
    assert mails["C"].due_date == datetime.date(2026, 10, 23)
    return mails


def test_the_month_counts_as_by_hand(manager, october):
    with time_machine.travel(TODAY):
        month = Period.month(2026, 10)
        figures = indicators.figures(selectors.scope(manager), month)
        before = indicators.figures(selectors.scope(manager), month.previous())
    assert figures.counts == {
        "incoming": 5,
        "closed": 3,
        "in_progress": 2,
        "late": 1,
        "due_soon": 0,
        "implicit_born": 0,
    }
    assert figures.in_time_percent == 33.3
    assert (figures.median_days, figures.p90_days) == (10.0, 15.0)
    assert month.previous() == Period(datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))
    assert (before.counts["incoming"], before.counts["closed"]) == (1, 1)


def test_a_manager_drills_down_to_exactly_the_late_mail(client, manager, october):
    client.force_login(manager)
    with time_machine.travel(TODAY):
        page = client.get(reverse("statistics") + "?month=2026-10")
        late = client.get(reverse("statistics_mails", args=["late"]) + "?month=2026-10")
    assert page.status_code == 200
    assert [f for f in page.context["counts"] if f[0] == "late"] == [("late", 1, None)]
    assert [m.subject for m in late.context["page"]] == ["D"]


def test_every_figure_keeps_to_the_perimeter(client, org, outsider, october):
    sibling = UserFactory.create(
        username="chef-urba", primary_entity=org.urbanisme, roles=[Role.MANAGER]
    )
    elected = UserFactory.create(username="elu", primary_entity=org.mairie, roles=[Role.ELECTED])
    with time_machine.travel(TODAY):
        client.force_login(outsider)  # an agent: no statistics at all
        assert client.get(reverse("statistics")).status_code == 403
        client.force_login(sibling)  # a manager of another service sees none of Voirie's
        figures = client.get(reverse("statistics") + "?month=2026-10").context["now"]
        assert figures.counts["incoming"] == 0
        late = client.get(reverse("statistics_mails", args=["late"]) + "?month=2026-10")
        assert list(late.context["page"]) == []
        client.force_login(elected)  # the organisation's figures, never a mail
        page = client.get(reverse("statistics") + "?month=2026-10")
        assert page.context["now"].counts["incoming"] == 6  # Voirie's five and V
        assert reverse("statistics_mails", args=["late"]) not in page.content.decode()
        assert client.get(reverse("statistics_mails", args=["late"])).status_code == 403


def test_the_chart_is_an_svg_with_its_table_beside_it(client, manager, october):
    client.force_login(manager)
    with time_machine.travel(TODAY):
        page = client.get(reverse("statistics") + "?month=2026-10").content.decode()
    assert "<svg" in page and "<script" not in page.split("<svg", 1)[1].split("</svg>")[0]
    assert 'data-table="months"' in page and "10/2026" in page


def test_tables_and_their_exports_read_back(client, manager, october):
    import csv
    import io

    from openpyxl import load_workbook

    client.force_login(manager)
    with time_machine.travel(TODAY):
        page = client.get(reverse("statistics_tables") + "?month=2026-10")
        tables = {t.code: t for t in page.context["tables"]}
        assert tables["entities"].rows == [["Voirie", 5, 3, 1], ["Total", 5, 3, 1]]
        assert ["Total", 5, 3, 1] in tables["types"].rows
        sheet = client.get(
            reverse("statistics_export", args=["entities", "xlsx"]) + "?month=2026-10"
        )
        text = client.get(reverse("statistics_export", args=["types", "csv"]) + "?month=2026-10")
    workbook = load_workbook(io.BytesIO(sheet.content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows == [
        ("Entité", "Arrivés", "Clos", "En retard"),
        ("Voirie", 5, 3, 1),
        ("Total", 5, 3, 1),
    ]
    lines = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Type de document", "Arrivés", "Clos", "En retard"]
    assert ["Réclamation", "4", "2", "1"] in lines and ["État civil", "1", "1", "0"] in lines
