"""PostgreSQL search past its count limit, on both of its ways to read the matches."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from courrier.models import MailStatus
from courrier.tests.factories import make_mail
from indexing.query import SearchQuery
from indexing.services import rebuild, search

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres_search(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL search needs PostgreSQL (CI runs the suite on it)")
    settings.BANNETTE_SEARCH_BACKEND = "postgres"


@pytest.mark.parametrize("perimeter_first_up_to", [0, 30_000])
def test_past_the_count_limit_the_newest_matches_are_ranked(
    postgres_search, archivist, agent, org, settings, perimeter_first_up_to
):
    """More matches than the limit are "more than"; relevance then ranks the most recent ones
    and the newest-first pages are exact, whether the perimeter is read first (narrow) or the
    matches are walked newest first (wide)."""
    days = [datetime.date(2026, 3, 10), datetime.date(2026, 4, 1), datetime.date(2026, 2, 1)]
    mails = [
        make_mail(
            subject=f"Lampadaires {n}",
            destination_entity=org.voirie,
            arrival_date=day,
            text="Les lampadaires de la rue.",
            override={"status": MailStatus.IN_PROGRESS},
        )
        for n, day in enumerate(days)
    ]
    rebuild()
    settings.BANNETTE_SEARCH_COUNT_LIMIT = 1
    settings.BANNETTE_SEARCH_RANK_WINDOW = 1
    settings.BANNETTE_SEARCH_PERIMETER_FIRST_UP_TO = perimeter_first_up_to
    for user in (archivist, agent):
        ranked = search(user, SearchQuery(text="lampadaires"), page_size=1)
        assert (ranked.total, ranked.exact) == (1, False)
        assert [h.mail_id for h in ranked.hits] == [mails[1].pk], user.username
        newest = search(user, SearchQuery(text="lampadaires", sort="-arrival"), page_size=1)
        assert [h.mail_id for h in newest.hits] == [mails[1].pk], user.username
        oldest = search(user, SearchQuery(text="lampadaires", sort="arrival"), page_size=1)
        assert [h.mail_id for h in oldest.hits] == [mails[2].pk], user.username
