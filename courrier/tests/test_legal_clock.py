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
    with time_machine.travel(datetime.datetime(2026, 2, 10, 9, tzinfo=PARIS), tick=False):
        with pytest.raises(PermissionDenied):
            legal.request_missing_pieces(actor=outsider, mail=mail, pieces="Plan")
        legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan")
        with pytest.raises(ValidationError):
            legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan")
        with pytest.raises(ValidationError):  # not before the request, not in the future
            legal.record_pieces_received(
                actor=agent, mail=mail, received_on=datetime.date(2020, 1, 1)
            )


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


# --- L114-5: a request that silence rejects is suspended, then runs on ------------------------
# Dates worked by hand: months date to date (L231-1); the days the clock stood still are those
# after the request for pieces up to the day they came, or the last day given for them.


@pytest.fixture
def svr_type(org):
    return DocumentTypeFactory.create(
        code="reclamation-svr",
        label="Réclamation",
        processing_mode=ProcessingMode.SVR,
        delay_days=30,
        delay_unit=DelayUnit.CALENDAR_DAYS,
        implicit_delay=2,
        implicit_delay_unit=DelayUnit.MONTHS,
        pieces_delay_days=21,
    )


def on(day: datetime.date):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 9, tzinfo=PARIS), tick=False
    )


D = datetime.date


@pytest.mark.django_db(transaction=True)
def test_an_implicit_rejection_is_suspended_then_runs_on_for_what_was_left(
    org, agent, svr_type, smtp
):
    """Received 15 January 2026 (SVR, 2 months: 15 March). Pieces asked on 1 February, to be
    sent by 2 March; they come on 20 February: 19 days stood still, the rejection is born on
    3 April 2026 — not 20 April, which a whole restart would give (L114-5 al. 3)."""
    mail = _request(org, svr_type, agent, arrival=D(2026, 1, 15))
    assert (mail.implicit_decision_date, mail.due_date) == (D(2026, 3, 15), D(2026, 2, 14))
    with on(D(2026, 2, 1)):
        legal.request_missing_pieces(
            actor=agent, mail=mail, pieces="Justificatif de domicile", due_on=D(2026, 3, 2)
        )
    told = " ".join(smtp.messages[-1].get_body(("plain",)).get_content().split())
    assert "au plus tard le 2 mars 2026" in told
    assert "réputée rejetée est suspendu" in told and "troisième alinéa" in told
    assert "Sans ces pièces, votre demande sera réputée rejetée le 13 avril 2026" in told
    assert "ne court qu'à compter" not in told  # the SVA wording is not the SVR one
    with on(D(2026, 2, 25)):
        legal.record_pieces_received(actor=agent, mail=mail, received_on=D(2026, 2, 20))
    mail.refresh_from_db()
    assert mail.implicit_decision_date == D(2026, 4, 3)
    assert mail.due_date == D(2026, 3, 5)  # 14 February + 19 days
    assert mail.clock_start == D(2026, 1, 15)  # not restarted
    assert legal.record_implicit_decisions(D(2026, 4, 2)) == 0
    assert legal.record_implicit_decisions(D(2026, 4, 3)) == 1
    event = JournalEvent.objects.get(mail=mail, action="deadline.implicit_decision_born")
    assert event.details == {"decision": "rejection", "rejection_born_on": "2026-04-03"}


@pytest.mark.django_db
def test_pieces_never_produced_let_the_rejection_be_born_after_the_time_given(org, agent, svr_type):
    """Same request, pieces never sent: the suspension ends of right when the time given for
    them ends (2 March; CE 13 January 2003, Camara), 29 days after it began; the rejection
    is born 29 days after 15 March: 13 April 2026."""
    mail = _request(org, svr_type, agent, arrival=D(2026, 1, 15), email="")
    with on(D(2026, 2, 1)):
        suspension = legal.request_missing_pieces(
            actor=agent, mail=mail, pieces="Justificatif", due_on=D(2026, 3, 2)
        )
    assert suspension.pieces_due_on == D(2026, 3, 2)
    assert legal.resume_lapsed_suspensions(D(2026, 3, 2)) == 0  # the last day is theirs
    assert legal.record_implicit_decisions(D(2026, 3, 3)) == 0
    mail.refresh_from_db()
    suspension.refresh_from_db()
    assert mail.suspended_since is None and mail.implicit_decision_date == D(2026, 4, 13)
    assert (suspension.ended_on, suspension.lapsed) == (D(2026, 3, 2), True)
    resumed = JournalEvent.objects.get(mail=mail, action="deadline.resumed")
    assert resumed.details["implicit_decision_date"] == "2026-04-13"
    assert legal.record_implicit_decisions(D(2026, 4, 12)) == 0
    assert legal.record_implicit_decisions(D(2026, 4, 13)) == 1
    mail.refresh_from_db()
    assert mail.implicit_decision_born_on == D(2026, 4, 13)


@pytest.mark.django_db
def test_pieces_that_come_after_the_time_given_do_not_stop_the_clock_longer(org, agent, svr_type):
    mail = _request(org, svr_type, agent, arrival=D(2026, 1, 15), email="")
    with on(D(2026, 2, 1)):
        legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan", due_on=D(2026, 3, 2))
    with on(D(2026, 3, 10)):  # the daily job has not run yet
        legal.record_pieces_received(actor=agent, mail=mail, received_on=D(2026, 3, 8))
    mail.refresh_from_db()
    assert mail.implicit_decision_date == D(2026, 4, 13)  # from 2 March, not 8 March
    late = JournalEvent.objects.get(mail=mail, action="deadline.resumed")
    assert late.details["late_pieces_on"] == "2026-03-08"


@pytest.mark.django_db
def test_the_time_for_the_pieces_is_required_in_the_future_with_the_types_default(
    org, agent, svr_type
):
    mail = _request(org, svr_type, agent, arrival=D(2026, 1, 15), email="")
    with on(D(2026, 2, 1)), pytest.raises(ValidationError, match="après aujourd"):
        legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan", due_on=D(2026, 2, 1))
    with on(D(2026, 2, 1)):
        assert mail.pieces_due_default == D(2026, 2, 22)  # the type's 21 days
        suspension = legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan")
    assert suspension.pieces_due_on == D(2026, 2, 22)


@pytest.mark.django_db
def test_no_pieces_are_asked_once_the_acceptance_is_born(org, agent, sva_type):
    """Received 10 January 2026 (SVA, 2 months): acceptance born on 10 March. Pieces asked
    on 20 March — or on 10 March itself, before the daily job — are refused."""
    mail = _request(org, sva_type, agent, arrival=D(2026, 1, 10), email="")
    for day in (D(2026, 3, 10), D(2026, 3, 20)):
        with on(day), pytest.raises(ValidationError, match="10 mars 2026"):
            legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan")
    assert legal.record_implicit_decisions(D(2026, 3, 10)) == 1
    with on(D(2026, 3, 20)), pytest.raises(ValidationError, match="née le 10 mars 2026"):
        legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan")
    mail.refresh_from_db()
    assert mail.suspended_since is None and mail.implicit_decision_date == D(2026, 3, 10)
    assert not ClockSuspension.objects.filter(mail=mail).exists()


@pytest.mark.django_db
def test_a_request_answered_expressly_never_gets_an_implicit_decision_even_reopened(
    client, org, agent, sva_type
):
    """Received 10 January 2026 (SVA: 10 March), closed by an express decision on 2 February,
    reopened on 1 April: no acceptance is born, nothing says one will be, no pieces asked."""
    from courrier.services.mail import close_mail
    from courrier.services.processing import reopen_mail

    mail = _request(org, sva_type, agent, arrival=D(2026, 1, 10), email="")
    with on(D(2026, 2, 2)):
        close_mail(actor=agent, mail=mail, comment="Autorisation accordée par arrêté")
    with on(D(2026, 4, 1)):
        reopen_mail(actor=agent, mail=mail)
    mail.refresh_from_db()
    assert mail.status != MailStatus.CLOSED and mail.first_closed_on == D(2026, 2, 2)
    for day in (D(2026, 3, 10), D(2026, 4, 1), D(2026, 4, 2)):
        assert legal.record_implicit_decisions(day) == 0
    mail.refresh_from_db()
    assert mail.implicit_decision_born_on is None
    assert not JournalEvent.objects.filter(action="deadline.implicit_decision_born").exists()
    with on(D(2026, 4, 1)), pytest.raises(ValidationError, match="2 février 2026"):
        legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan")
    client.force_login(agent)
    info = client.get(f"/mails/{mail.pk}/?tab=info").content.decode()
    assert "Acceptation implicite" not in info


def test_a_delay_in_working_days_runs_on_for_the_working_days_left():
    """10 working days from Monday 2 February 2026 end on Monday 16 February. Stopped on
    Wednesday 4 February (8 working days left: 5, 6, 9…13, 16), running again on Friday
    20 February: 8 working days later is Wednesday 4 March."""
    assert legal.resumed(D(2026, 2, 16), D(2026, 2, 4), D(2026, 2, 20), DelayUnit.WORKING_DAYS) == (
        D(2026, 3, 4)
    )
    assert legal.resumed(D(2026, 3, 15), D(2026, 2, 1), D(2026, 2, 20), DelayUnit.MONTHS) == (
        D(2026, 4, 3)
    )
    assert legal.resumed(None, D(2026, 2, 1), D(2026, 2, 20), DelayUnit.MONTHS) is None


@pytest.mark.django_db(transaction=True)
def test_every_acknowledgment_says_the_dates_hold_for_a_complete_request(
    org, agent, sva_type, smtp
):
    mail = _request(org, sva_type, agent, arrival=D(2026, 1, 10))
    legal.notify_requester(mail.pk, NoticeKind.RECEIPT)
    for part in (smtp.messages[-1].get_body((kind,)).get_content() for kind in ("plain", "html")):
        text = " ".join(part.split())
        assert "ne valent que si votre demande est complète" in text
        assert "R112-11-1" in text
