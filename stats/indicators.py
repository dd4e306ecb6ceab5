"""Quality-of-service indicators, read from the mail within a scope (a perimeter, an entity and
below, a document type, a channel, a category) over a period, each beside the same indicator for
the period before.

Definitions (the README's "Statistics" repeats them):
- incoming: mail of the category (incoming unless chosen) registered with an arrival date in the
  period;
- closed: mail of the category closed in the period (a reopened mail counts when closed again);
- in progress: mail open today; late: open, not suspended, with a due date before today; due
  soon: open, not suspended, due within the reminder or BANNETTE_DUE_SOON_DAYS window;
- answered in time: share of the mail closed in the period that had a due date and was closed
  on or before it;
- processing time: days from arrival to closing of the mail closed in the period, suspended
  periods (missing pieces) left out, counted in working days for types whose delay is in
  working days (stored on the mail when it closes); median and 90th percentile;
- implicit decisions born: SVA/SVR decisions born in the period;
- replies sent: outgoing mail sent (closed) in the period.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Count, F, IntegerField, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from courrier.baskets import deadline_q
from courrier.models import Category, DocumentType, Entity, Mail, MailStatus


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def kind(self) -> str:
        """month, quarter or year when the period is a whole one; else days."""
        for kind in ("month", "quarter", "year"):
            if self == Period.of(kind, self.start):
                return kind
        return "days"

    def in_progress(self, today: datetime.date) -> bool:
        return self.start <= today < self.end

    def previous_like(self, today: datetime.date) -> Period:
        """The period before; when this one is under way, only its days gone so far."""
        previous = self.previous()
        if not self.in_progress(today):
            return previous
        elapsed = (today - self.start).days
        return Period(
            previous.start, min(previous.end, previous.start + datetime.timedelta(elapsed))
        )

    def previous(self) -> Period:
        """The month, quarter or year before a whole one; else as many days just before."""
        end = self.start - datetime.timedelta(days=1)
        if self.kind != "days":
            return Period.of(self.kind, end)
        return Period(end - datetime.timedelta(days=self.days - 1), end)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls.of("month", datetime.date(year, month, 1))

    @classmethod
    def of(cls, kind: str, day: datetime.date) -> Period:
        """The month, quarter or year holding a day."""
        first_month = {"month": day.month, "quarter": (day.month - 1) // 3 * 3 + 1, "year": 1}
        months = {"month": 1, "quarter": 3, "year": 12}[kind]
        start = datetime.date(day.year, first_month[kind], 1)
        following = _add_months(start, months)
        return cls(start, following - datetime.timedelta(days=1))

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as aware instants, from its first midnight to the one after its end."""
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        return start, end


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Filters:
    """What a statistics page counts: a period and, optionally, an entity (and below), a
    document type, a channel and a category (incoming mail unless chosen)."""

    period: Period
    entity: Entity | None = None
    document_type: DocumentType | None = None
    channel: str = ""
    category: str = Category.INCOMING
    # A drill-down from a table's row narrows further: exact destination entity, and so on.
    narrow: dict[str, str] = field(default_factory=dict)

    def before(self, today: datetime.date | None = None) -> Filters:
        """The period before, as many days of it as have passed of a period in progress (the
        first week of a month beside the first week of the month before, not all of it)."""
        return Filters(
            self.period.previous_like(today or timezone.localdate()),
            self.entity,
            self.document_type,
            self.channel,
            self.category,
        )

    def in_progress(self, today: datetime.date | None = None) -> bool:
        return self.period.in_progress(today or timezone.localdate())


def closed_in(period: Period) -> Q:
    start, end = period.bounds()
    return Q(status="closed", closing_date__gte=start, closing_date__lt=end)


# The mail behind each countable indicator: the drill-down lists exactly these.
def mails_behind(code: str, mails: QuerySet[Mail], filters: Filters) -> QuerySet[Mail]:
    period = filters.period
    start, end = period.bounds()
    narrow = filters.narrow
    if code == "replies":
        return mails.filter(closed_in(period), category=Category.OUTGOING)
    if code == "opinions":  # an opinion asked in the period (of that entity or person)
        asked = Q(opinion_requests__created_at__gte=start, opinion_requests__created_at__lt=end)
        if "asked_entity" in narrow:
            asked &= Q(opinion_requests__asks__entity_id=narrow["asked_entity"])
        if "asked_user" in narrow:
            asked &= Q(opinion_requests__asks__user_id=narrow["asked_user"])
        return mails.filter(asked).distinct()
    if code == "decisions":  # a visa or signature given or refused in the period (by them)
        decided = Q(
            visa_steps__decided_at__gte=start,
            visa_steps__decided_at__lt=end,
            visa_steps__state__in=["approved", "rejected"],
        )
        if "step_user" in narrow:
            decided &= Q(visa_steps__user_id=narrow["step_user"])
        if "role" in narrow:
            decided &= Q(visa_steps__role=narrow["role"])
        return mails.filter(decided).distinct()
    chosen = mails.filter(category=filters.category)
    today = timezone.localdate()
    open_now = chosen.exclude(status=MailStatus.CLOSED)  # as the open mail's index reads it
    selections: dict[str, Callable[[], QuerySet[Mail]]] = {
        "incoming": lambda: chosen.filter(arrival_date__range=(period.start, period.end)),
        "closed": lambda: chosen.filter(closed_in(period)),
        "in_progress": lambda: open_now,
        "late": lambda: open_now.filter(deadline_q("late", today), suspended_since__isnull=True),
        "due_soon": lambda: open_now.filter(
            deadline_q("due_soon", today), suspended_since__isnull=True
        ),
        "implicit_born": lambda: chosen.filter(
            implicit_decision_born_on__range=(period.start, period.end)
        ),
    }
    return selections[code]()


COUNTS = ("incoming", "closed", "in_progress", "late", "due_soon", "implicit_born")
# These say how things stand today: the period before has no such figure.
STATES = ("in_progress", "late", "due_soon")
DRILLABLE = (*COUNTS, "replies", "opinions", "decisions")
# The narrowing a drill-down accepts beside the filters (stats.selectors applies the first ones).
NARROW_KEYS = ("dest", "type", "channel", "asked_entity", "asked_user", "step_user", "role")


@dataclass(frozen=True)
class Times:
    """How the mail closed in a period did against its delays."""

    in_time_percent: float | None
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class Figures:
    counts: dict[str, int]
    times: Times

    @property
    def in_time_percent(self) -> float | None:
        return self.times.in_time_percent

    @property
    def median_days(self) -> float | None:
        return self.times.median_days

    @property
    def p90_days(self) -> float | None:
        return self.times.p90_days


def figures(mails: QuerySet[Mail], filters: Filters, *, states: bool = True) -> Figures:
    """The period's figures; without `states`, how things stand today is left out (the period
    before has no such figure)."""
    counts = {
        code: mails_behind(code, mails, filters).count()
        for code in COUNTS
        if states or code not in STATES
    }
    return Figures(counts=counts, times=times(mails_behind("closed", mails, filters)))


def times(closed: QuerySet[Mail]) -> Times:
    """In-time share and processing-time percentiles of closed mail, counted by the database
    and from the days stored on each mail when it closed."""
    with_due = closed.filter(due_date__isnull=False)
    answered = with_due.annotate(
        closed_on=TruncDate("closing_date", tzinfo=timezone.get_current_timezone())
    ).aggregate(
        total=Count("*"),
        in_time=Count("closing_date", filter=Q(closed_on__lte=F("due_date"))),
    )
    median, p90 = processing_percentiles(closed)
    return Times(
        in_time_percent=(
            round(100 * answered["in_time"] / answered["total"], 1) if answered["total"] else None
        ),
        median_days=median,
        p90_days=p90,
    )


class PercentileDisc(Aggregate):
    """PostgreSQL's percentile_disc: the first value whose cumulative share reaches the
    fraction, i.e. the nearest-rank percentile that `percentile` computes."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = IntegerField()

    def __init__(self, expression: str, fraction: float) -> None:
        super().__init__(expression, fraction=fraction)


def processing_percentiles(closed: QuerySet[Mail]) -> tuple[float | None, float | None]:
    """Median and 90th percentile of the processing days, counted by PostgreSQL where it runs
    (a year of a large organisation is hundreds of thousands of mails), else here."""
    counted = closed.filter(processing_days__isnull=False)
    if connection.vendor == "postgresql":
        values = counted.aggregate(
            median=PercentileDisc("processing_days", 0.5),
            p90=PercentileDisc("processing_days", 0.9),
        )
        return (
            None if values["median"] is None else float(values["median"]),
            None if values["p90"] is None else float(values["p90"]),
        )
    durations = sorted(
        d for d in counted.values_list("processing_days", flat=True) if d is not None
    )
    return percentile(durations, 50), percentile(durations, 90)


def percentile(values: Sequence[float], rank: int) -> float | None:
    """The nearest-rank percentile (the median of 1, 2, 3, 10 is 2)."""
    if not values:
        return None
    index = max(0, math.ceil(rank / 100 * len(values)) - 1)
    return float(values[index])


def percentiles_per(
    closed: QuerySet[Mail], field: str
) -> dict[object, tuple[float | None, float | None]]:
    """(median, 90th percentile) of the processing days per value of a field."""
    counted = closed.filter(processing_days__isnull=False)
    if connection.vendor == "postgresql":
        return {
            row[field]: (float(row["median"]), float(row["p90"]))
            for row in counted.values(field).annotate(
                median=PercentileDisc("processing_days", 0.5),
                p90=PercentileDisc("processing_days", 0.9),
            )
        }
    return grouped_percentiles(counted.values_list(field, "processing_days"))


def grouped_percentiles(
    pairs: Iterable[tuple[object, int | None]],
) -> dict[object, tuple[float | None, float | None]]:
    """(median, 90th percentile) of the values of each key (None values left out)."""
    values: dict[object, list[int]] = {}
    for key, value in pairs:
        if value is not None:
            values.setdefault(key, []).append(value)
    return {
        key: (percentile(sorted(v), 50), percentile(sorted(v), 90)) for key, v in values.items()
    }


@dataclass(frozen=True)
class Series:
    """Incoming and closed mail per month or per week, in one query each."""

    labels: list[str]
    starts: list[datetime.date]
    incoming: list[int]
    closed: list[int]


def per_month(mails: QuerySet[Mail], filters: Filters, count: int = 12) -> Series:
    months = last_months(filters.period.end, count)
    return _series(mails, filters, [m.start for m in months], "month", "%m/%Y")


def per_week(mails: QuerySet[Mail], filters: Filters) -> Series:
    monday = filters.period.start - datetime.timedelta(days=filters.period.start.weekday())
    weeks = []
    while monday <= filters.period.end:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return _series(mails, filters, weeks, "week", "%d/%m")


def _series(
    mails: QuerySet[Mail], filters: Filters, starts: list[datetime.date], unit: str, label: str
) -> Series:
    zone = timezone.get_current_timezone()
    trunc = {"month": TruncMonth, "week": TruncWeek}[unit]
    span = Period(starts[0], filters.period.end)
    chosen = mails.filter(category=filters.category)
    arrived = dict(
        chosen.filter(arrival_date__range=(span.start, span.end))
        .annotate(bucket=trunc("arrival_date"))
        .values_list("bucket")
        .annotate(n=Count("*"))
        .values_list("bucket", "n")
    )
    closed = dict(
        chosen.filter(closed_in(span))
        .annotate(bucket=trunc("closing_date", tzinfo=zone))
        .values_list("bucket")
        .annotate(n=Count("*"))
        .values_list("bucket", "n")
    )

    def day(value: datetime.date | datetime.datetime) -> datetime.date:
        if isinstance(value, datetime.datetime):
            return (
                timezone.localtime(value, zone).date() if timezone.is_aware(value) else value.date()
            )
        return value

    arrived = {day(k): v for k, v in arrived.items()}
    closed = {day(k): v for k, v in closed.items()}
    return Series(
        labels=[start.strftime(label) for start in starts],
        starts=starts,
        incoming=[arrived.get(start, 0) for start in starts],
        closed=[closed.get(start, 0) for start in starts],
    )


def last_months(today: datetime.date, count: int) -> list[Period]:
    months = []
    year, month = today.year, today.month
    for _i in range(count):
        months.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))
