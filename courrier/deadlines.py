"""The legal clock: delays in calendar days, working days or months, and implicit decisions.

Readings of the law implemented here (CRPA; see the README's "Legal deadlines"):
- months are counted date to date (L231-1 "deux mois"): the delay ends on the day of the last
  month that bears the same number as the starting day, or on that month's last day when it has
  none (31 January + 1 month = 28 February, or 29 in a leap year);
- working days skip Saturdays, Sundays and French public holidays, plus Good Friday and
  26 December where the Alsace-Moselle local law applies (BANNETTE_ALSACE_MOSELLE);
- the implicit decision (SVA L231-1, SVR L231-4) is born on the day the delay ends, counted
  from the receipt of a complete request: when pieces are missing (L114-5) the delay runs only
  from the day they arrive, so a restart counts the whole delay again from that day.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courrier.models import DelayUnit, DocumentType, ProcessingMode


@lru_cache(maxsize=64)
def public_holidays(year: int, alsace_moselle: bool) -> frozenset[datetime.date]:
    """France's public holidays of a year (Moselle's calendar adds the two local ones)."""
    if alsace_moselle:
        return frozenset(holidays.country_holidays("FR", subdiv="57", years=year).keys())
    return frozenset(holidays.country_holidays("FR", years=year).keys())


def _alsace_moselle(value: bool | None) -> bool:
    return settings.BANNETTE_ALSACE_MOSELLE if value is None else value


def is_working_day(day: datetime.date, *, alsace_moselle: bool | None = None) -> bool:
    return day.weekday() < 5 and day not in public_holidays(
        day.year, _alsace_moselle(alsace_moselle)
    )


def add_working_days(
    start: datetime.date, days: int, *, alsace_moselle: bool | None = None
) -> datetime.date:
    current = start
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current, alsace_moselle=alsace_moselle):
            remaining -= 1
    return current


def next_working_day(day: datetime.date, *, alsace_moselle: bool | None = None) -> datetime.date:
    """The first working day after `day` (R112-11-1: acknowledgment of registration)."""
    return add_working_days(day, 1, alsace_moselle=alsace_moselle)


def add_months(start: datetime.date, months: int) -> datetime.date:
    """Date to date; a day the month lacks falls back to its last day."""
    day: datetime.date = start + relativedelta(months=months)
    return day


def add_delay(
    start: datetime.date, amount: int, unit: str, *, alsace_moselle: bool | None = None
) -> datetime.date:
    if unit == DelayUnit.WORKING_DAYS:
        return add_working_days(start, amount, alsace_moselle=alsace_moselle)
    if unit == DelayUnit.MONTHS:
        return add_months(start, amount)
    return start + datetime.timedelta(days=amount)


@dataclass(frozen=True)
class Deadlines:
    """What a document type's delays give for a clock started on one day."""

    due_date: datetime.date | None = None
    reminder_date: datetime.date | None = None
    implicit_decision_date: datetime.date | None = None


def deadlines_for(document_type: DocumentType | None, start: datetime.date) -> Deadlines:
    """Due date, first reminder and implicit-decision date for a clock started on `start`."""
    if document_type is None:
        return Deadlines()
    due = None
    if document_type.delay_days:
        due = add_delay(start, document_type.delay_days, document_type.delay_unit)
    reminder = None
    if due is not None and document_type.reminder1_days_before is not None:
        reminder = due - datetime.timedelta(days=document_type.reminder1_days_before)
    implicit = None
    if has_implicit_decision(document_type) and document_type.implicit_delay:
        implicit = add_delay(start, document_type.implicit_delay, document_type.implicit_delay_unit)
    return Deadlines(due, reminder, implicit)


def has_implicit_decision(document_type: DocumentType | None) -> bool:
    return document_type is not None and document_type.processing_mode in (
        ProcessingMode.SVA,
        ProcessingMode.SVR,
    )


def due_date_for(
    document_type: DocumentType | None, start: datetime.date
) -> tuple[datetime.date | None, datetime.date | None]:
    """(due date, first reminder date) for a mail of this type arrived on `start`."""
    deadlines = deadlines_for(document_type, start)
    return deadlines.due_date, deadlines.reminder_date


def second_reminder_date(
    document_type: DocumentType | None, due: datetime.date | None
) -> datetime.date | None:
    """Reminder 2 comes N days after the due date, when the type sets N."""
    if document_type is None or due is None or document_type.reminder2_days_after is None:
        return None
    return due + datetime.timedelta(days=document_type.reminder2_days_after)


def escalation_date(
    document_type: DocumentType | None, start: datetime.date, due: datetime.date | None
) -> datetime.date | None:
    """The day the entity's manager is alerted: once the type's share of the delay has passed."""
    if document_type is None or due is None or not document_type.escalation_percent:
        return None
    elapsed = (due - start).days * document_type.escalation_percent // 100
    return start + datetime.timedelta(days=elapsed)


def days_used(
    *,
    arrival: datetime.date,
    closed_on: datetime.date,
    document_type: DocumentType | None,
    suspended: list[tuple[datetime.date, datetime.date]],
) -> int:
    """The days a mail took from arrival to closing, as the law counts its delay: days the clock
    stood still (pieces missing, from the day after the request to the day they came) are left
    out, and only working days count for a type whose delay is in working days."""
    working = document_type is not None and document_type.delay_unit == DelayUnit.WORKING_DAYS
    days, day = 0, arrival
    while day < closed_on:
        day += datetime.timedelta(days=1)
        if any(start < day <= end for start, end in suspended):
            continue
        if working and not is_working_day(day):
            continue
        days += 1
    return days


def duration_words(text: str) -> str:
    """An ISO 8601 duration as people say it ("P1Y6M": "1 year and 6 months")."""
    found = re.match(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$", text or "")
    if not found or not any(found.groups()):
        return ""
    years, months, weeks, days = (int(part or 0) for part in found.groups())
    parts = [
        ngettext("%(n)s year", "%(n)s years", years) % {"n": years} if years else "",
        ngettext("%(n)s month", "%(n)s months", months) % {"n": months} if months else "",
        ngettext("%(n)s week", "%(n)s weeks", weeks) % {"n": weeks} if weeks else "",
        ngettext("%(n)s day", "%(n)s days", days) % {"n": days} if days else "",
    ]
    words = [part for part in parts if part]
    return (
        words[0]
        if len(words) == 1
        else _("%(first)s and %(last)s")
        % {
            "first": ", ".join(words[:-1]),
            "last": words[-1],
        }
    )
