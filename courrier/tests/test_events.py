"""Domain events: subscribers hear of changes after commit and never break them; a subscriber
in the transaction is part of the change, unless it is best effort."""

from __future__ import annotations

import pytest
from django.db import transaction

from courrier import events
from courrier.events import MailChanged, MailRegistered, subscribe
from courrier.models import JournalEvent, Mail, MailStatus
from courrier.services.mail import Registration, close_mail, register_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """Subscribers added by a test are removed after it (the apps' own stay)."""
    monkeypatch.setattr(events, "_subscriptions", list(events._subscriptions))
    return []


def test_subscribers_run_only_once_the_change_is_committed(
    clerk, heard, django_capture_on_commit_callbacks
):
    subscribe(MailRegistered, heard.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mail = register_mail(actor=clerk, registration=Registration(subject="Demande"))
        assert heard == []
    for callback in callbacks:
        callback()
    assert [e.mail_id for e in heard if isinstance(e, MailRegistered)] == [mail.pk]


def test_a_failing_subscriber_after_commit_or_best_effort_does_not_undo_the_change(
    org, agent, heard, django_capture_on_commit_callbacks
):
    def broken_inside(event: MailChanged) -> None:
        JournalEvent.objects.filter(mail_id=event.mail_id).count()
        Mail.objects.filter(pk=event.mail_id).update(subject="écrasé")
        raise RuntimeError("subscriber bug")

    def broken_after(event: MailChanged) -> None:
        raise RuntimeError("subscriber bug")

    subscribe(MailChanged, broken_inside, in_transaction=True, best_effort=True)
    subscribe(MailChanged, broken_after)
    subscribe(MailChanged, heard.append)
    with django_capture_on_commit_callbacks(execute=True):
        mail = register_mail(
            actor=agent,
            registration=Registration(
                subject="Demande", destination_entity=org.voirie, status=MailStatus.IN_PROGRESS
            ),
        )
    with django_capture_on_commit_callbacks(execute=True):
        close_mail(actor=agent, mail=mail)
    mail.refresh_from_db()
    assert mail.status == MailStatus.CLOSED
    assert mail.subject == "Demande"  # the failing subscriber's write was rolled back alone
    assert "mail.closed" in [e.action for e in heard]  # the next subscriber still ran


def test_a_failing_subscriber_in_the_transaction_fails_the_change(org, agent, heard):
    def broken(event: MailChanged) -> None:
        if event.action == "mail.closed":
            raise RuntimeError("the circuit could not be voided")

    mail = register_mail(
        actor=agent,
        registration=Registration(
            subject="Demande", destination_entity=org.voirie, status=MailStatus.IN_PROGRESS
        ),
    )
    subscribe(MailChanged, broken, in_transaction=True)
    with pytest.raises(RuntimeError, match="voided"):
        close_mail(actor=agent, mail=mail)
    mail.refresh_from_db()
    assert mail.status == MailStatus.IN_PROGRESS  # nothing half-done was committed
    assert not JournalEvent.objects.filter(mail=mail, action="mail.closed").exists()


def test_a_rolled_back_change_publishes_nothing(clerk, heard):
    subscribe(MailRegistered, heard.append)
    with pytest.raises(RuntimeError), transaction.atomic():
        register_mail(actor=clerk, registration=Registration(subject="Annulé"))
        raise RuntimeError("rollback")
    assert heard == []


def test_each_app_subscribes_its_reactions():
    names = {s.name for s in events.subscriptions()}
    assert "indexing.subscribers.reindex_changed_mail" in names
    assert "templates_office.subscribers.convert_new_version" in names
    assert "visa.subscribers.restart_circuit_on_new_version" in names
