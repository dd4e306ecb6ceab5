"""The legal clock of a request: suspension for missing pieces (L114-5), transfer (L114-2),
implicit decisions born (L231-1, L231-4), and what the requester is told."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from courrier.models import (
    ClockSuspension,
    DelayUnit,
    JournalEvent,
    MailStatus,
    NoticeKind,
    ProcessingMode,
    RequesterNotice,
)
from courrier.services import legal
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, make_mail

PARIS = datetime.timezone(datetime.timedelta(hours=1))


@pytest.fixture
def sva_type(org):
    return DocumentTypeFactory.create(
        code="occupation",
        label="Occupation du domaine public",
        processing_mode=ProcessingMode.SVA,
        delay_days=30,
        delay_unit=DelayUnit.CALENDAR_DAYS,
        implicit_delay=2,
        implicit_delay_unit=DelayUnit.MONTHS,
    )


def _request(org, doctype, agent, *, arrival, email="lucie.martin@example.org"):
    sender = ContactFactory.create(email=email)
    return make_mail(
        subject="Terrasse rue des Lilas",
        document_type=doctype,
        destination_entity=org.voirie,
        arrival_date=arrival,
        senders=[sender],
        override={"status": MailStatus.IN_PROGRESS, "assignee_id": agent.pk},
    )


@pytest.mark.django_db(transaction=True)
def test_missing_pieces_suspend_the_clock_and_it_restarts_whole_on_their_arrival(
    org, agent, sva_type, smtp
):
    """Worked example (L114-5): received 31 January 2026 (SVA 2 months → 31 March). Pieces
    asked on 10 February; they arrive on 20 February: the implicit acceptance moves to
    20 April 2026 and the processing due date to 22 March (30 days from 20 February)."""
    mail = _request(org, sva_type, agent, arrival=datetime.date(2026, 1, 31))
    assert mail.implicit_decision_date == datetime.date(2026, 3, 31)

    with time_machine.travel(datetime.datetime(2026, 2, 10, 9, tzinfo=PARIS), tick=False):
        legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan de la terrasse")
    mail.refresh_from_db()
    assert mail.suspended_since == datetime.date(2026, 2, 10)
    assert mail.due_date is None and mail.implicit_decision_date is None
    assert mail.deadline_state == ""  # a suspended mail is never late
    asked = smtp.messages[-1]
    assert asked["To"] == "lucie.martin@example.org"
    assert "Plan de la terrasse" in asked.get_body(("plain",)).get_content()
    assert "L114-5" in asked.get_body(("html",)).get_content()
    assert RequesterNotice.objects.get(mail=mail).kind == NoticeKind.MISSING_PIECES

    with time_machine.travel(datetime.datetime(2026, 2, 25, 9, tzinfo=PARIS), tick=False):
        legal.record_pieces_received(actor=agent, mail=mail, received_on=datetime.date(2026, 2, 20))
    mail.refresh_from_db()
    assert mail.suspended_since is None
    assert mail.clock_start == datetime.date(2026, 2, 20)
    assert mail.implicit_decision_date == datetime.date(2026, 4, 20)
    assert mail.due_date == datetime.date(2026, 3, 22)
    suspension = ClockSuspension.objects.get(mail=mail)
    assert (suspension.started_on, suspension.ended_on) == (
        datetime.date(2026, 2, 10),
        datetime.date(2026, 2, 20),
    )
    assert suspension.previous_implicit_decision_date == datetime.date(2026, 3, 31)
    actions = list(JournalEvent.objects.filter(mail=mail).values_list("action", flat=True))
    assert "deadline.suspended" in actions and "deadline.restarted" in actions


@pytest.mark.django_db
def test_a_suspension_cannot_be_asked_twice_nor_by_an_outsider(org, agent, outsider, sva_type):
    mail = _request(org, sva_type, agent, arrival=datetime.date(2026, 1, 31), email="")
    with pytest.raises(PermissionDenied):
        legal.request_missing_pieces(actor=outsider, mail=mail, pieces="Plan")
    legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan")
    with pytest.raises(ValidationError):
        legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan")
    with pytest.raises(ValidationError):  # not before the request, not in the future
        legal.record_pieces_received(actor=agent, mail=mail, received_on=datetime.date(2020, 1, 1))


@pytest.mark.django_db(transaction=True)
def test_transfer_to_the_competent_authority_closes_and_informs(org, agent, sva_type, smtp):
    mail = _request(org, sva_type, agent, arrival=datetime.date(2026, 1, 31))
    legal.transfer_to_competent_authority(
        actor=agent, mail=mail, authority="Préfecture de la Sarthe"
    )
    mail.refresh_from_db()
    assert mail.status == MailStatus.CLOSED
    assert mail.implicit_decision_date is None
    told = smtp.messages[-1].get_body(("plain",)).get_content()
    assert "Préfecture de la Sarthe" in told and "L114-2" in told
    event = JournalEvent.objects.get(mail=mail, action="mail.transferred")
    assert event.details["authority"] == "Préfecture de la Sarthe"


@pytest.mark.django_db
def test_the_implicit_decision_is_born_once_on_its_date_on_open_mail_only(org, agent, sva_type):
    svr_type = DocumentTypeFactory.create(
        code="rapo", label="Recours", processing_mode=ProcessingMode.SVR, implicit_delay=2
    )
    open_sva = _request(org, sva_type, agent, arrival=datetime.date(2026, 1, 31))
    open_svr = _request(org, svr_type, agent, arrival=datetime.date(2026, 2, 2))
    decided = _request(org, sva_type, agent, arrival=datetime.date(2026, 1, 31))
    decided.status = MailStatus.CLOSED
    decided.save()

    assert legal.record_implicit_decisions(datetime.date(2026, 3, 30)) == 0
    assert legal.record_implicit_decisions(datetime.date(2026, 3, 31)) == 1
    assert legal.record_implicit_decisions(datetime.date(2026, 4, 2)) == 1  # the SVR one
    assert legal.record_implicit_decisions(datetime.date(2026, 4, 3)) == 0  # never twice
    for mail in (open_sva, open_svr, decided):
        mail.refresh_from_db()
    assert open_sva.implicit_decision_born_on == datetime.date(2026, 3, 31)
    assert open_svr.implicit_decision_born_on == datetime.date(2026, 4, 2)
    assert decided.implicit_decision_born_on is None
    born = JournalEvent.objects.filter(action="deadline.implicit_decision_born")
    assert sorted(e.details["decision"] for e in born) == ["acceptance", "rejection"]


@pytest.mark.django_db
def test_born_decisions_fill_their_basket_and_show_on_the_mail(client, org, agent, sva_type):
    from courrier.baskets import basket_mails
    from courrier.models import Basket

    mail = _request(org, sva_type, agent, arrival=datetime.date(2026, 1, 31))
    other = _request(org, sva_type, agent, arrival=datetime.date(2026, 3, 1))
    legal.record_implicit_decisions(datetime.date(2026, 4, 1))
    basket = Basket.objects.get(code="implicit_decisions")
    assert set(basket_mails(basket, agent)) == {mail}
    assert other not in basket_mails(basket, agent)

    client.force_login(agent)
    page = client.get(f"/mails/{mail.pk}/").content.decode()
    assert "Acceptation implicite née le 31 mars 2026" in page
    waiting = client.get(f"/mails/{other.pk}/?tab=info").content.decode()
    assert "Acceptation implicite le 1 mai 2026 sans décision expresse" in waiting


@pytest.mark.django_db
def test_the_clock_actions_are_offered_on_the_mail_page(client, org, agent, sva_type):
    mail = _request(org, sva_type, agent, arrival=datetime.date.today(), email="")
    client.force_login(agent)
    page = client.get(f"/mails/{mail.pk}/").content.decode()
    assert 'data-action="request_pieces"' in page and 'data-action="pieces_received"' not in page
    response = client.post(
        f"/mails/{mail.pk}/actions/request_pieces/", {"text": "Attestation d'assurance"}
    )
    assert response.status_code == 302
    page = client.get(f"/mails/{mail.pk}/?tab=info").content.decode()
    assert "Délais suspendus" in page and "Attestation d&#x27;assurance" in page
    assert 'data-action="pieces_received"' in page and 'data-action="request_pieces"' not in page
    client.post(f"/mails/{mail.pk}/actions/pieces_received/", {"day": str(datetime.date.today())})
    mail.refresh_from_db()
    assert mail.suspended_since is None and mail.implicit_decision_date is not None
