"""Quality-of-service figures against a hand-counted month, and the perimeter on every figure."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from courrier.models import Role
from courrier.tests.factories import UserFactory
from stats import indicators, selectors
from stats.indicators import Period
from stats.tests.conftest import TODAY, october_of

pytestmark = pytest.mark.django_db


def test_the_month_counts_as_by_hand(manager, october):
    with time_machine.travel(TODAY):
        month = october_of()
        figures = indicators.figures(selectors.scope(manager), month)
        before = indicators.figures(selectors.scope(manager), month.before())
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
    assert october["G"].processing_days is None  # reopened: no longer closed
    assert [october[m].processing_days for m in "ABC"] == [10, 10, 15]
    assert month.period.previous() == Period(datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))
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
    assert 'data-table="weeks"' in page and page.count("<svg") >= 2  # bars, and lines per week
    assert 'data-figure="replies"' in page
