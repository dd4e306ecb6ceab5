from __future__ import annotations

import datetime

import pytest

from courrier.deadlines import (
    Deadlines,
    add_delay,
    add_working_days,
    deadlines_for,
    due_date_for,
    escalation_date,
    is_working_day,
    public_holidays,
    second_reminder_date,
)
from courrier.models import DelayUnit, DocumentType, ProcessingMode


def test_weekends_and_french_public_holidays_are_not_working_days():
    assert not is_working_day(datetime.date(2026, 7, 14))  # Fête nationale, a Tuesday
    assert not is_working_day(datetime.date(2026, 4, 6))  # Easter Monday 2026
    assert not is_working_day(datetime.date(2026, 11, 21))  # Saturday
    assert is_working_day(datetime.date(2026, 11, 23))


def test_working_days_skip_a_long_weekend():
    # Thursday 30 April 2026 + 2 working days: Fri 1 May is a holiday, so Mon 4, Tue 5.
    assert add_working_days(datetime.date(2026, 4, 30), 2) == datetime.date(2026, 5, 5)


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (DelayUnit.CALENDAR_DAYS, datetime.date(2026, 12, 30)),
        (DelayUnit.WORKING_DAYS, datetime.date(2027, 1, 5)),
    ],
)
def test_due_date_follows_the_document_type_unit(unit, expected):
    doctype = DocumentType(delay_days=8, delay_unit=unit, reminder1_days_before=2)
    due, reminder = due_date_for(doctype, datetime.date(2026, 12, 22))
    assert due == expected
    assert reminder == expected - datetime.timedelta(days=2)


def test_no_delay_means_no_due_date():
    assert due_date_for(DocumentType(delay_days=0), datetime.date(2026, 1, 5)) == (None, None)
    assert due_date_for(None, datetime.date(2026, 1, 5)) == (None, None)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # Date to date: 15 March + 2 months = 15 May.
        (datetime.date(2026, 3, 15), 2, datetime.date(2026, 5, 15)),
        # 31 January + 1 month: February has no 31st, so its last day (28 in 2026)...
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        # ... and 29 in a leap year.
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        # 31 December + 2 months crosses the year: 28 February 2027.
        (datetime.date(2026, 12, 31), 2, datetime.date(2027, 2, 28)),
        # 30 April + 2 months = 30 June (June has a 30th), not 29 June (60 days).
        (datetime.date(2026, 4, 30), 2, datetime.date(2026, 6, 30)),
    ],
)
def test_months_are_counted_from_date_to_date(start, months, expected):
    """CRPA L231-1 "deux mois": the delay ends on the same-numbered day, or the month's last."""
    assert add_delay(start, months, DelayUnit.MONTHS) == expected


def test_two_months_are_not_sixty_days():
    """Worked example: a request received on 31 January 2026 under SVA (2 months) gives an
    implicit acceptance on 31 March 2026; 60 days would have said 1 April."""
    sva = DocumentType(processing_mode=ProcessingMode.SVA, implicit_delay=2)
    deadlines = deadlines_for(sva, datetime.date(2026, 1, 31))
    assert deadlines.implicit_decision_date == datetime.date(2026, 3, 31)
    assert datetime.date(2026, 1, 31) + datetime.timedelta(days=60) == datetime.date(2026, 4, 1)


def test_alsace_moselle_adds_good_friday_and_saint_stephen():
    good_friday, saint_stephen = datetime.date(2026, 4, 3), datetime.date(2026, 12, 26)
    assert is_working_day(good_friday, alsace_moselle=False)
    assert not is_working_day(good_friday, alsace_moselle=True)
    assert saint_stephen in public_holidays(2026, True)
    assert saint_stephen not in public_holidays(2026, False)
    # Thursday 2 April 2026 + 1 working day: Friday in Paris, Tuesday 7 April in Metz
    # (Good Friday, the weekend, then Easter Monday).
    assert add_working_days(datetime.date(2026, 4, 2), 1, alsace_moselle=False) == good_friday
    assert add_working_days(datetime.date(2026, 4, 2), 1, alsace_moselle=True) == datetime.date(
        2026, 4, 7
    )


def test_the_setting_chooses_the_calendar(settings):
    settings.BANNETTE_ALSACE_MOSELLE = True
    assert not is_working_day(datetime.date(2026, 4, 3))
    settings.BANNETTE_ALSACE_MOSELLE = False
    assert is_working_day(datetime.date(2026, 4, 3))


def test_svr_date_and_processing_due_date_are_counted_separately():
    """Worked example: an appeal (RAPO, SVR 2 months, processing 30 days, reminder 7 days
    before) received on Monday 28 December 2026: due Wednesday 27 January 2027, reminder
    20 January, implicit rejection on 28 February 2027."""
    rapo = DocumentType(
        processing_mode=ProcessingMode.SVR,
        delay_days=30,
        delay_unit=DelayUnit.CALENDAR_DAYS,
        reminder1_days_before=7,
        implicit_delay=2,
        implicit_delay_unit=DelayUnit.MONTHS,
    )
    deadlines = deadlines_for(rapo, datetime.date(2026, 12, 28))
    assert deadlines.due_date == datetime.date(2027, 1, 27)
    assert deadlines.reminder_date == datetime.date(2027, 1, 20)
    assert deadlines.implicit_decision_date == datetime.date(2027, 2, 28)


def test_a_normal_type_has_no_implicit_decision():
    assert deadlines_for(DocumentType(delay_days=10), datetime.date(2026, 1, 5)) == Deadlines(
        datetime.date(2026, 1, 15), None, None
    )


def test_second_reminder_and_escalation_dates():
    """A 30-day delay from 1 June: reminder 2 five days after the due date (6 July), the
    manager alerted at 80 % of the delay (24 days: 25 June)."""
    doctype = DocumentType(delay_days=30, reminder2_days_after=5, escalation_percent=80)
    start = datetime.date(2026, 6, 1)
    due = deadlines_for(doctype, start).due_date
    assert due == datetime.date(2026, 7, 1)
    assert second_reminder_date(doctype, due) == datetime.date(2026, 7, 6)
    assert escalation_date(doctype, start, due) == datetime.date(2026, 6, 25)
    assert second_reminder_date(DocumentType(delay_days=30), due) is None
    assert escalation_date(DocumentType(delay_days=30), start, due) is None
