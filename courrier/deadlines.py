"""Due dates in calendar or working days (French public holidays excluded)."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays

from courrier.models import DelayUnit, DocumentType


@lru_cache(maxsize=32)
def _french_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("FR", years=year).keys())


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _french_holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    current = start
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def due_date_for(
    document_type: DocumentType | None, start: datetime.date
) -> tuple[datetime.date | None, datetime.date | None]:
    """(due date, first reminder date) for a mail of this type arrived on `start`."""
    if document_type is None or document_type.delay_days == 0:
        return None, None
    if document_type.delay_unit == DelayUnit.WORKING_DAYS:
        due = add_working_days(start, document_type.delay_days)
    else:
        due = start + datetime.timedelta(days=document_type.delay_days)
    reminder = None
    if document_type.reminder1_days_before is not None:
        reminder = due - datetime.timedelta(days=document_type.reminder1_days_before)
    return due, reminder
