"""A basket or a search never shows more, nor less, than the perimeter allows, whichever way
it is queried.

`basket_mails` skips the perimeter check when a basket's criteria already imply it (mail
assigned to me, addressed to my own entities...). This proves the shortcut exact: for every
persona and every basket (the defaults and a grid of criteria), it holds the same mail as
"visible mails that match the criteria", over mail of every status, destination,
confidentiality, assignee, copy and visa step.
"""

from __future__ import annotations

import itertools

import pytest

from courrier.baskets import BasketCriteria, basket_mails, criteria_q
from courrier.models import Basket, DiffusionListEntry, DiffusionRole, MailStatus
from courrier.selectors import perimeter_candidate_parts, visible_mails
from courrier.tests.factories import make_mail
from visa.models import VisaStep, VisaStepRole, VisaStepState

pytestmark = pytest.mark.django_db

GRID: list[dict[str, object]] = [
    {"entity_scope": scope, "diffusion_role": role, "assigned_to_me": assigned}
    for scope, role, assigned in itertools.product(
        ("mine", "mine_and_below", "primary", "all"),
        (None, "recipient", "copy"),
        (None, True, False),
    )
]
GRID += [{"awaiting_my": code} for code in ("visa", "signature", "opinion", "returned")]
GRID += [
    {"statuses": [MailStatus.TO_QUALIFY.value]},
    {"statuses": [MailStatus.TO_QUALIFY.value], "entity_scope": "mine_and_below"},
    {"statuses": [MailStatus.CLOSED.value]},
    {"entity_scope": "mine_and_below", "deadline_state": "late"},
]


@pytest.fixture
def every_kind_of_mail(org, agent, manager, urbanisme_agent):
    """Mail of each status to each kind of destination, ordinary and confidential, with
    assignees, copies to people and entities, and visa steps spread over them."""
    destinations = [org.voirie, org.st, org.urbanisme, org.courrier, org.dgs, None]
    people = [None, agent, manager, urbanisme_agent]
    copies = [None, ("user", agent), ("entity", org.voirie), ("entity", org.st), ("user", manager)]
    combos = itertools.product(MailStatus.values, destinations, (False, True))
    for n, (status, destination, confidential) in enumerate(combos):
        mail = make_mail(
            subject=f"n{n}",
            destination_entity=destination,
            confidential=confidential,
            override={"status": status, "assignee": people[n % len(people)]},
        )
        copy = copies[n % len(copies)]
        if copy is not None:
            kind, target = copy
            DiffusionListEntry.objects.create(mail=mail, role=DiffusionRole.COPY, **{kind: target})
        if n % 3 == 0:
            VisaStep.objects.create(
                mail=mail,
                position=1,
                user=[manager, agent][n % 2],
                role=[VisaStepRole.VISA, VisaStepRole.SIGNATURE][n % 4 // 2],
                state=VisaStepState.CURRENT,
            )


@pytest.fixture
def personas(clerk, agent, manager, urbanisme_agent, archivist, administrator, outsider):
    return [clerk, agent, manager, urbanisme_agent, archivist, administrator, outsider]


def checked_the_long_way(basket, user):
    criteria = BasketCriteria.from_json(basket.criteria)
    return set(visible_mails(user).filter(criteria_q(criteria, user)).values_list("pk", flat=True))


def test_every_basket_holds_exactly_the_visible_mail_its_criteria_select(
    every_kind_of_mail, personas
):
    baskets = list(Basket.objects.all()) + [Basket(code="grid", criteria=c) for c in GRID]
    compared = non_empty = 0
    for user, basket in itertools.product(personas, baskets):
        held = set(basket_mails(basket, user).values_list("pk", flat=True))
        assert held == checked_the_long_way(basket, user), (user.username, basket.criteria)
        compared += 1
        non_empty += bool(held)
    assert compared == len(personas) * len(baskets)
    assert non_empty > compared // 3  # the grid is not a comparison of empty sets


def test_an_inactive_persona_sees_nothing_in_any_basket(every_kind_of_mail, agent):
    agent.is_active = False
    for basket in Basket.objects.all():
        assert not basket_mails(basket, agent).exists()


def test_a_narrow_perimeters_candidates_hold_all_its_visible_mail(every_kind_of_mail, personas):
    """The search reads a narrow perimeter's mail first, from indexes: that must be a superset
    of what the user may see (the perimeter itself is still applied to each candidate)."""
    narrow = 0
    for user in personas:
        visible = set(visible_mails(user).values_list("pk", flat=True))
        parts = perimeter_candidate_parts(user)
        if parts is None:  # only for those who see all ordinary mail
            assert user.has_perm("courrier.view_all_mail"), user.username
            continue
        candidates = {pk for part in parts for pk in part}
        assert visible <= candidates, user.username
        narrow += bool(visible)
    assert narrow >= 4


def test_a_search_finds_the_same_mail_read_from_the_perimeter_or_from_the_words(
    every_kind_of_mail, personas, settings
):
    from django.db import connection
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL search needs PostgreSQL (CI runs the suite on it)")

    from courrier.models import Mail
    from indexing.query import SearchQuery
    from indexing.services import rebuild, search

    settings.BANNETTE_SEARCH_BACKEND = "postgres"
    Mail.objects.update(subject=Concat(Value("Dossier "), F("subject")))
    rebuild()
    compared = 0
    for user in personas:
        results = {}
        for up_to in (0, 10_000):  # never perimeter-first, then whenever it is narrow enough
            settings.BANNETTE_SEARCH_PERIMETER_FIRST_UP_TO = up_to
            found = search(user, SearchQuery(text="dossier"), page_size=1000)
            results[up_to] = (found.total, sorted(h.mail_id for h in found.hits))
        assert results[0] == results[10_000], user.username
        assert results[0][0] == visible_mails(user).count(), user.username
        compared += bool(results[0][0])
    assert compared >= 4


def test_the_perimeter_asked_about_a_few_mails_answers_as_for_all(every_kind_of_mail, personas):
    """A page of search hits is checked with sub-queries kept to its own mails' lines."""
    from courrier.models import Mail

    ids = list(Mail.objects.order_by("pk").values_list("pk", flat=True))
    pages = [ids[n : n + 25] for n in range(0, len(ids), 25)]
    for user, page in itertools.product(personas, pages):
        expected = set(visible_mails(user).filter(pk__in=page).values_list("pk", flat=True))
        assert set(visible_mails(user, among=page).values_list("pk", flat=True)) == expected
