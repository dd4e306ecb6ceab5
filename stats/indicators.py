"""Quality-of-service indicators, read from the mail within a scope (a perimeter, an entity and
below) over a period, each beside the same indicator for the period before.

Definitions (the README's "Statistics" repeats them):
- incoming: incoming mail that arrived in the period;
- closed: incoming mail closed in the period;
- in progress: incoming mail open today; late: open with a due date before today; due soon:
  open, due within the reminder or BANNETTE_DUE_SOON_DAYS window;
- answered in time: share of the mail closed in the period that had a due date and was closed
  on or before it;
- processing time: days from arrival to closing of the mail closed in the period, suspended
  periods (missing pieces) left out, counted in working days for types whose delay is in
  working days; median and 90th percentile;
- implicit decisions born: SVA/SVR decisions born in the period.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from courrier.baskets import deadline_q
from courrier.deadlines import is_working_day
from courrier.models import OPEN_STATUSES, Category, ClockSuspension, DelayUnit, Mail


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The month before a whole month; else as many days just before."""
        end = self.start - datetime.timedelta(days=1)
        if self == Period.month(self.start.year, self.start.month):
            return Period.month(end.year, end.month)
        return Period(end - datetime.timedelta(days=self.days - 1), end)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = datetime.date(year, month, 1)
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        return cls(start, following - datetime.timedelta(days=1))


def _closed_in(period: Period) -> Q:
    return Q(
        status="closed",
        closing_date__date__gte=period.start,
        closing_date__date__lte=period.end,
    )


# The mail behind each countable indicator: the drill-down lists exactly these.
def mails_behind(code: str, mails: QuerySet[Mail], period: Period) -> QuerySet[Mail]:
    incoming = mails.filter(category=Category.INCOMING)
    today = timezone.localdate()
    open_now = incoming.filter(status__in=OPEN_STATUSES)
    selections: dict[str, Callable[[], QuerySet[Mail]]] = {
        "incoming": lambda: incoming.filter(arrival_date__range=(period.start, period.end)),
        "closed": lambda: incoming.filter(_closed_in(period)),
        "in_progress": lambda: open_now,
        "late": lambda: open_now.filter(deadline_q("late", today), suspended_since__isnull=True),
        "due_soon": lambda: open_now.filter(
            deadline_q("due_soon", today), suspended_since__isnull=True
        ),
        "implicit_born": lambda: incoming.filter(
            implicit_decision_born_on__range=(period.start, period.end)
        ),
    }
    return selections[code]()


COUNTS = ("incoming", "closed", "in_progress", "late", "due_soon", "implicit_born")
# These say how things stand today: the period before has no such figure.
STATES = ("in_progress", "late", "due_soon")


@dataclass(frozen=True)
class Figures:
    counts: dict[str, int]
    in_time_percent: float | None
    median_days: float | None
    p90_days: float | None


def figures(mails: QuerySet[Mail], period: Period) -> Figures:
    counts = {code: mails_behind(code, mails, period).count() for code in COUNTS}
    closed = list(mails_behind("closed", mails, period).select_related("document_type"))
    with_due = [m for m in closed if m.due_date is not None and m.closing_date is not None]
    in_time = [m for m in with_due if _closed_on(m) <= (m.due_date or datetime.date.max)]
    suspended = _suspended_days(closed)
    durations = sorted(processing_days(m, suspended) for m in closed)
    return Figures(
        counts=counts,
        in_time_percent=round(100 * len(in_time) / len(with_due), 1) if with_due else None,
        median_days=percentile(durations, 50),
        p90_days=percentile(durations, 90),
    )


def _closed_on(mail: Mail) -> datetime.date:
    return timezone.localdate(mail.closing_date) if mail.closing_date else datetime.date.max


def _suspended_days(mails: list[Mail]) -> dict[int, list[tuple[datetime.date, datetime.date]]]:
    spans: dict[int, list[tuple[datetime.date, datetime.date]]] = {}
    for suspension in ClockSuspension.objects.filter(
        mail__in=[m.pk for m in mails], ended_on__isnull=False
    ):
        assert suspension.ended_on is not None
        spans.setdefault(suspension.mail_id, []).append(
            (suspension.started_on, suspension.ended_on)
        )
    return spans


def processing_days(
    mail: Mail, suspended: dict[int, list[tuple[datetime.date, datetime.date]]]
) -> int:
    """Days from arrival to closing, without the days the clock stood still; working days for
    types counted in working days."""
    assert mail.closing_date is not None
    closed_on = timezone.localdate(mail.closing_date)
    working = mail.document_type is not None and (
        mail.document_type.delay_unit == DelayUnit.WORKING_DAYS
    )
    paused = suspended.get(mail.pk, [])
    days = 0
    day = mail.arrival_date
    while day < closed_on:
        day += datetime.timedelta(days=1)
        if any(start < day <= end for start, end in paused):
            continue
        if working and not is_working_day(day):
            continue
        days += 1
    return days


def percentile(values: list[int], rank: int) -> float | None:
    """The nearest-rank percentile (the median of 1, 2, 3, 10 is 2)."""
    if not values:
        return None
    index = max(0, math.ceil(rank / 100 * len(values)) - 1)
    return float(values[index])


def per_month(mails: QuerySet[Mail], months: list[Period]) -> list[tuple[Period, int, int]]:
    """(month, incoming, closed) for each month."""
    return [
        (
            month,
            mails_behind("incoming", mails, month).count(),
            mails_behind("closed", mails, month).count(),
        )
        for month in months
    ]


def last_months(today: datetime.date, count: int) -> list[Period]:
    months = []
    year, month = today.year, today.month
    for _i in range(count):
        months.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))
