"""The hand-counted October every statistics test reads."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from courrier.models import ClockSuspension, DelayUnit, MailStatus, Role
from courrier.services.mail import CLOSING_FIELDS, mark_closed
from courrier.services.processing import reopen_mail
from courrier.tests.factories import DocumentTypeFactory, UserFactory, make_mail
from stats.indicators import Filters, Period

PARIS = datetime.timezone(datetime.timedelta(hours=1))
TODAY = datetime.datetime(2026, 11, 15, 10, tzinfo=PARIS)


def at(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=12, tzinfo=PARIS)


def close(mail, day: str) -> None:
    """Closed as every closing path does (the days it took are stored then)."""
    mark_closed(mail, actor=None, at=at(day))
    mail.save(update_fields=CLOSING_FIELDS)


def october_of(month: str = "2026-10", **narrow) -> Filters:
    year, number = (int(part) for part in month.split("-"))
    return Filters(period=Period.month(year, number), **narrow)


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

    mails = {
        "A": mail("A", "2026-10-01"),
        "B": mail("B", "2026-10-05", due_date=datetime.date(2026, 10, 20)),
        "C": mail("C", "2026-10-10", doctype=working),
        "D": mail("D", "2026-10-20", due_date=datetime.date(2026, 11, 5)),
        "G": mail("G", "2026-10-02", due_date=datetime.date(2026, 12, 31)),
        "E": mail("E", "2026-09-20"),
        "V": mail("V", "2026-10-03", entity=org.vasso, due_date=datetime.date(2026, 11, 1)),
    }
    ClockSuspension.objects.create(
        mail=mails["B"],
        reason="missing_pieces",
        started_on=datetime.date(2026, 10, 6),
        ended_on=datetime.date(2026, 10, 16),
    )
    for name, day in (("A", "2026-10-11"), ("B", "2026-10-25"), ("C", "2026-10-30")):
        close(mails[name], day)
    close(mails["E"], "2026-09-25")
    close(mails["G"], "2026-10-12")
    with time_machine.travel(at("2026-10-13")):
        reopen_mail(
            actor=UserFactory.create(primary_entity=org.voirie, roles=[Role.AGENT]), mail=mails["G"]
        )
    for each in mails.values():
        each.refresh_from_db()
    assert mails["C"].due_date == datetime.date(2026, 10, 23)
    return mails
