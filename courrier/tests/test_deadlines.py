from __future__ import annotations

import datetime

import pytest

from courrier.deadlines import add_working_days, due_date_for, is_working_day
from courrier.models import DelayUnit, DocumentType


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
