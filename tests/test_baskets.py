"""Baskets as data: each role's default baskets hold exactly their mail (visa's included)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courrier.baskets import BasketCriteria, InvalidCriteria, basket_mails, baskets_for
from courrier.models import Basket, DiffusionListEntry, DiffusionRole, MailStatus, Role
from courrier.selectors import visible_mails
from courrier.tests.factories import UserFactory, make_mail
from visa.models import VisaStep, VisaStepRole, VisaStepState

pytestmark = pytest.mark.django_db
IN_PROGRESS = {"status": MailStatus.IN_PROGRESS}


@pytest.fixture
def mails(org, agent, manager):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    m = SimpleNamespace(
        to_qualify=make_mail(subject="à qualifier"),
        assigned=make_mail(
            destination_entity=org.voirie, override={**IN_PROGRESS, "assignee": agent}
        ),
        voirie=make_mail(destination_entity=org.voirie, override=IN_PROGRESS),
        late=make_mail(
            destination_entity=org.voirie, override={**IN_PROGRESS, "due_date": yesterday}
        ),
        closed=make_mail(destination_entity=org.voirie, override={"status": MailStatus.CLOSED}),
        urba_copy=make_mail(destination_entity=org.urbanisme, override=IN_PROGRESS),
        vasso=make_mail(destination_entity=org.vasso, override=IN_PROGRESS),
        in_visa=make_mail(destination_entity=org.voirie, override={"status": MailStatus.TO_VISA}),
        secret=make_mail(destination_entity=org.urbanisme, confidential=True, override=IN_PROGRESS),
    )
    DiffusionListEntry.objects.create(mail=m.urba_copy, role=DiffusionRole.COPY, entity=org.voirie)
    VisaStep.objects.create(
        mail=m.in_visa,
        position=1,
        user=manager,
        role=VisaStepRole.VISA,
        state=VisaStepState.CURRENT,
    )
    return m


def contents(code, user):
    return set(basket_mails(Basket.objects.get(code=code), user))


def test_each_role_is_offered_its_default_baskets(clerk, agent, manager, archivist):
    def codes(user):
        return [b.code for b in baskets_for(user)]

    assert codes(clerk) == ["to_qualify", "copies"]
    assert codes(agent) == [
        "my_mail",
        "entity_mail",
        "copies",
        "opinions",
        "in_circuit",
        "to_send",
        "returned",
        "late",
        "implicit_decisions",
    ]
    assert codes(manager) == [
        "my_mail",
        "entity_mail",
        "copies",
        "opinions",
        "in_circuit",
        "to_send",
        "returned",
        "late",
        "implicit_decisions",
        "to_visa",
        "to_sign",
    ]
    assert codes(archivist) == ["closed"]


def test_clerk_to_qualify_basket_holds_only_captured_mail(clerk, mails):
    assert contents("to_qualify", clerk) == {mails.to_qualify}


def test_agent_baskets_hold_exactly_their_mail(agent, mails):
    assert contents("my_mail", agent) == {mails.assigned}
    # a mail whose reply is in visa is still the service's
    assert contents("entity_mail", agent) == {
        mails.assigned,
        mails.voirie,
        mails.late,
        mails.in_visa,
    }
    assert contents("copies", agent) == {mails.urba_copy}
    assert contents("late", agent) == {mails.late}


def test_manager_sees_late_mail_below_and_what_waits_for_visa(manager, mails):
    assert contents("entity_mail", manager) == set()  # nothing addressed to ST itself
    assert contents("late", manager) == {mails.late}  # Voirie is below ST
    assert contents("to_visa", manager) == {mails.in_visa}
    assert contents("to_sign", manager) == set()


def test_archivist_sees_closed_mail_everywhere(archivist, mails):
    assert contents("closed", archivist) == {mails.closed}


def test_outsider_baskets_hold_nothing_of_other_services(outsider, mails):
    assert contents("entity_mail", outsider) == {mails.vasso}
    assert contents("copies", outsider) == set()
    assert contents("late", outsider) == set()


def test_confidential_mail_reaches_only_the_direct_entity(org, urbanisme_agent, archivist, mails):
    director = UserFactory.create(username="dgs", primary_entity=org.dgs, roles=[Role.MANAGER])
    assert mails.secret in contents("entity_mail", urbanisme_agent)
    # Hierarchy and "see all" open ordinary mail, never confidential mail.
    assert mails.urba_copy in visible_mails(director)
    assert mails.secret not in visible_mails(director)
    assert mails.urba_copy in visible_mails(archivist)
    assert mails.secret not in visible_mails(archivist)


def test_a_basket_compiles_to_a_single_query(agent, mails):
    basket = Basket.objects.get(code="entity_mail")
    with CaptureQueriesContext(connection) as queries:
        assert len(list(basket_mails(basket, agent))) == 4
    mail_queries = [q for q in queries.captured_queries if '"courrier_mail"' in q["sql"]]
    assert len(mail_queries) == 1


def test_criteria_are_validated():
    with pytest.raises(InvalidCriteria, match="entity_scope"):
        BasketCriteria.from_json({"entity_scope": "everything"})
    with pytest.raises(InvalidCriteria, match="unknown criteria: colour"):
        BasketCriteria.from_json({"colour": "red"})
    with pytest.raises(InvalidCriteria, match="statuses"):
        BasketCriteria.from_json({"statuses": ["lost"]})
    basket = Basket(code="x", label="X", criteria={"deadline_state": "yesterday"})
    with pytest.raises(ValidationError):
        basket.clean()
    assert BasketCriteria.from_json({"statuses": ["closed"]}).to_json() == {"statuses": ["closed"]}
