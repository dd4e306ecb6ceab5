"""Absences: a colleague processes the absent user's basket, and history says on whose behalf."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from courrier.baskets import active_delegations
from courrier.models import Basket, JournalEvent, MailStatus, Role
from courrier.services.absences import cancel_absence, declare_absence
from courrier.services.actions import Acting, ActionInput, perform
from courrier.tests.factories import UserFactory, make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(org):
    """An agent of Vie associative: outside Voirie's perimeter on their own."""
    return UserFactory.create(username="colleague", primary_entity=org.vasso, roles=[Role.AGENT])


def _absence(agent, colleague, *, days_from=-1, days_to=1):
    now = timezone.now()
    return declare_absence(
        actor=agent,
        user=agent,
        start=now + datetime.timedelta(days=days_from),
        end=now + datetime.timedelta(days=days_to),
        delegations=[(Basket.objects.get(code="entity_mail"), colleague)],
    )


def test_a_substitute_processes_the_delegated_basket_on_behalf_of_the_absent(agent, colleague, org):
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    with pytest.raises(PermissionDenied):
        perform(Acting(colleague, agent), "hold", mail, ActionInput())
    _absence(agent, colleague)
    assert [d.basket.code for d in active_delegations(colleague)] == ["entity_mail"]
    perform(Acting(colleague, agent), "hold", mail, ActionInput())
    event = JournalEvent.objects.get(action="mail.put_on_hold")
    assert (event.actor, event.on_behalf_of) == (colleague, agent)
    assert (event.actor_name, event.on_behalf_of_name) == ("colleague", "agent")


def test_the_delegation_covers_only_the_delegated_basket_and_period(agent, colleague, org, clerk):
    elsewhere = make_mail(
        destination_entity=org.urbanisme, override={"status": MailStatus.IN_PROGRESS}
    )
    voirie = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    _absence(agent, colleague, days_from=1, days_to=3)  # not started yet
    with pytest.raises(PermissionDenied):
        perform(Acting(colleague, agent), "hold", voirie, ActionInput())
    absence = _absence(agent, colleague)
    with pytest.raises(PermissionDenied):
        perform(Acting(colleague, agent), "hold", elsewhere, ActionInput())
    cancel_absence(actor=agent, absence=absence)
    with pytest.raises(PermissionDenied):
        perform(Acting(colleague, agent), "hold", voirie, ActionInput())
    with pytest.raises(PermissionDenied):
        cancel_absence(actor=clerk, absence=absence)


def test_an_absence_delegates_only_ones_own_baskets(agent, colleague):
    now = timezone.now()
    with pytest.raises(ValidationError):
        declare_absence(
            actor=agent,
            user=agent,
            start=now,
            end=now + datetime.timedelta(days=1),
            delegations=[(Basket.objects.get(code="to_qualify"), colleague)],
        )
    with pytest.raises(ValidationError):
        declare_absence(actor=agent, user=agent, start=now, end=now, delegations=[])
