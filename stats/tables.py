"""The statistics tables: breakdowns of a period per entity, document type and channel (volumes,
late mail, processing time), replies per channel, opinions, visas and signatures, capture per
source, volumes per week, and the yearly table of web-form requests per topic. Each number that
stands for mail links to the list of that mail; each table exports as CSV or XLSX."""

from __future__ import annotations

import datetime
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractYear, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from capture.models import CaptureInput, InputStatus, SourceKind, WebFormRequest
from courrier.models import Channel, Mail, User
from courrier.spreadsheets import append_row, csv_writer
from stats import selectors
from stats.indicators import (
    Filters,
    mails_behind,
    per_week,
    percentile,
    percentiles_per,
    processing_percentiles,
)
from visa.models import AskState, OpinionAsk, VisaStep, VisaStepRole, VisaStepState

Cell = str | int | float | None


@dataclass(frozen=True)
class Drill:
    """Where a cell leads: the mail behind a figure, narrowed to the cell's row."""

    code: str
    narrow: dict[str, str] = field(default_factory=dict)


@dataclass
class Table:
    code: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    drills: dict[tuple[int, int], Drill] = field(default_factory=dict)  # (row, column)
    note: str = ""

    def cells(self, query: str) -> list[list[tuple[Cell, str]]]:
        """Each cell with the address of its mail ("" when it stands for none)."""
        return [
            [
                (value, self._href(self.drills.get((r, c)), query, value))
                for c, value in enumerate(row)
            ]
            for r, row in enumerate(self.rows)
        ]

    def cells_without_links(self) -> list[list[tuple[Cell, str]]]:
        return [[(value, "") for value in row] for row in self.rows]

    @staticmethod
    def _href(drill: Drill | None, query: str, value: Cell) -> str:
        if drill is None or not value:
            return ""
        extra = urlencode(drill.narrow)
        return f"{reverse('statistics_mails', args=[drill.code])}?{query}" + (
            f"&{extra}" if extra else ""
        )

    def csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv_writer(buffer)
        writer.writerow(self.columns)
        for row in self.rows:  # decimals as the reader's language writes them (10,5 in French)
            writer.writerow(number_format(v) if isinstance(v, float) else v for v in row)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8

    def xlsx(self) -> bytes:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = self.title[:31]
        append_row(sheet, self.columns)
        for row in self.rows:
            append_row(sheet, row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _breakdown(
    code: str,
    title: str,
    heading: str,
    field_name: str,
    narrow_key: str,
    mails: QuerySet[Mail],
    filters: Filters,
    label: Callable[[object, str | None], str],
) -> Table:
    """Per value of a field: incoming and closed in the period, late today, answered in time,
    median and 90th-percentile processing time of the mail closed."""
    counts: dict[object, Counter[str]] = {}
    names: dict[object, str] = {}
    label_field = f"{field_name}__label" if narrow_key != "channel" else field_name
    for figure in ("incoming", "closed", "late"):
        grouped = (
            mails_behind(figure, mails, filters)
            .values(field_name, label_field)
            .annotate(n=Count("*"))
        )
        for row in grouped:
            counts.setdefault(row[field_name], Counter())[figure] = row["n"]
            names[row[field_name]] = label(row[field_name], row[label_field])
    closed = mails_behind("closed", mails, filters)
    zone = timezone.get_current_timezone()
    in_time = {
        row[field_name]: (row["in_time"], row["total"])
        for row in closed.filter(due_date__isnull=False)
        .annotate(closed_on=TruncDate("closing_date", tzinfo=zone))
        .values(field_name)
        .annotate(
            total=Count("*"), in_time=Count("closing_date", filter=Q(closed_on__lte=F("due_date")))
        )
    }
    days = percentiles_per(closed, field_name)
    keys = sorted(counts, key=lambda key: names[key])
    rows: list[list[Cell]] = []
    drills: dict[tuple[int, int], Drill] = {}
    for r, key in enumerate(keys):
        c = counts[key]
        median, p90 = days.get(key, (None, None))
        rows.append(
            [
                names[key],
                c["incoming"],
                c["closed"],
                c["late"],
                _percent(*in_time.get(key, (0, 0))),
                median,
                p90,
            ]
        )
        value = "none" if key is None else str(key)
        for column, figure in ((1, "incoming"), (2, "closed"), (3, "late")):
            drills[(r, column)] = Drill(figure, {narrow_key: value})
    total_time = list(in_time.values())
    overall = processing_percentiles(closed)
    total: list[Cell] = [
        _("Total"),
        *(sum(int(row[i] or 0) for row in rows) for i in (1, 2, 3)),
        _percent(sum(t[0] for t in total_time), sum(t[1] for t in total_time)),
        *overall,
    ]
    for column, figure in ((1, "incoming"), (2, "closed"), (3, "late")):
        drills[(len(rows), column)] = Drill(figure)
    return Table(
        code,
        title,
        [
            heading,
            pgettext("statistics", "Incoming"),
            pgettext("statistics", "Closed"),
            pgettext("statistics", "Late"),
            _("Answered in time (%)"),
            _("Median time (days)"),
            _("9 in 10 within (days)"),
        ],
        [*rows, total] if rows else [],
        drills,
    )


def _named(_key: object, name: str | None) -> str:
    return name or "—"


def per_entity(mails: QuerySet[Mail], filters: Filters) -> Table:
    return _breakdown(
        "entities",
        _("Per entity"),
        _("Entity"),
        "destination_entity",
        "dest",
        mails,
        filters,
        _named,
    )


def per_type(mails: QuerySet[Mail], filters: Filters) -> Table:
    return _breakdown(
        "types",
        _("Per document type"),
        _("Document type"),
        "document_type",
        "type",
        mails,
        filters,
        _named,
    )


def per_channel(mails: QuerySet[Mail], filters: Filters) -> Table:
    labels = dict(Channel.choices)
    return _breakdown(
        "channels",
        _("Per channel"),
        _("Channel"),
        "channel",
        "channel",
        mails,
        filters,
        lambda key, _name: str(labels.get(str(key), key or "—")),
    )


def replies(mails: QuerySet[Mail], filters: Filters) -> Table:
    """Replies sent in the period, per channel they left by."""
    labels = dict(Channel.choices)
    grouped = (
        mails_behind("replies", mails, filters)
        .values("channel")
        .annotate(n=Count("*"))
        .order_by("channel")
    )
    rows: list[list[Cell]] = [
        [str(labels.get(row["channel"], row["channel"])), row["n"]] for row in grouped
    ]
    drills = {
        (r, 1): Drill("replies", {"channel": row["channel"]}) for r, row in enumerate(grouped)
    }
    if rows:
        drills[(len(rows), 1)] = Drill("replies")
        rows.append([_("Total"), sum(int(row[1] or 0) for row in rows)])
    return Table(
        "replies", _("Replies sent per channel"), [_("Channel"), _("Replies sent")], rows, drills
    )


def _days_between(start: datetime.datetime, end: datetime.datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def opinions(mails: QuerySet[Mail], filters: Filters) -> Table:
    """Opinions asked in the period, per entity or person asked: how many, answered, answered
    by the deadline, days to answer (from the request), and those waiting past their deadline."""
    start, end = filters.period.bounds()
    today = timezone.localdate()
    asks = OpinionAsk.objects.filter(
        request__mail__in=mails, request__created_at__gte=start, request__created_at__lt=end
    ).select_related("entity", "user", "request")
    groups: dict[tuple[str, str], list[OpinionAsk]] = {}
    for ask in asks:
        key = (
            ("asked_entity", str(ask.entity_id))
            if ask.entity_id
            else ("asked_user", str(ask.user_id))
        )
        groups.setdefault(key, []).append(ask)
    rows: list[list[Cell]] = []
    drills: dict[tuple[int, int], Drill] = {}
    named = sorted(groups.items(), key=lambda item: _asked_name(item[1][0]))
    for r, ((narrow_key, value), group) in enumerate(named):
        answered = [a for a in group if a.state == AskState.ANSWERED and a.answered_at]
        in_time = [
            a
            for a in answered
            if a.answered_at and timezone.localdate(a.answered_at) <= a.request.deadline
        ]
        waiting_late = [
            a for a in group if a.state == AskState.WAITING and a.request.deadline < today
        ]
        durations = sorted(
            _days_between(a.request.created_at, a.answered_at) for a in answered if a.answered_at
        )
        rows.append(
            [
                _asked_name(group[0]),
                len(group),
                len(answered),
                _percent(len(in_time), len(answered)),
                percentile(durations, 50),
                len(waiting_late),
            ]
        )
        drills[(r, 1)] = Drill("opinions", {narrow_key: value})
    if rows:
        drills[(len(rows), 1)] = Drill("opinions")
        total: list[Cell] = [_("Total"), *(sum(int(row[i] or 0) for row in rows) for i in (1, 2))]
        total += [None, None, sum(int(row[5] or 0) for row in rows)]
        rows.append(total)
    return Table(
        "opinions",
        _("Opinions asked"),
        [
            _("Asked of"),
            _("Asked"),
            _("Answered"),
            _("Answered by the deadline (%)"),
            _("Median time to answer (days)"),
            _("Waiting past the deadline"),
        ],
        rows,
        drills,
    )


def _asked_name(ask: OpinionAsk) -> str:
    return str(ask.entity) if ask.entity_id else str(ask.user)


def visas(mails: QuerySet[Mail], filters: Filters) -> Table:
    """Visa and signature decisions of the period, per person: how many, and the days from the
    step becoming theirs to their decision."""
    start, end = filters.period.bounds()
    steps = VisaStep.objects.filter(
        mail__in=mails,
        decided_at__gte=start,
        decided_at__lt=end,
        state__in=[VisaStepState.APPROVED, VisaStepState.REJECTED],
    ).select_related("user")
    groups: dict[tuple[str, int], list[VisaStep]] = {}
    for step in steps:
        groups.setdefault((step.role, step.user_id), []).append(step)
    roles = dict(VisaStepRole.choices)
    rows: list[list[Cell]] = []
    drills: dict[tuple[int, int], Drill] = {}
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], str(item[1][0].user)))
    for r, ((role, user_id), group) in enumerate(ordered):
        durations = sorted(
            _days_between(s.current_since, s.decided_at)
            for s in group
            if s.current_since and s.decided_at
        )
        rows.append(
            [
                str(group[0].user),
                str(roles[role]),
                len(group),
                sum(1 for s in group if s.state == VisaStepState.REJECTED),
                percentile(durations, 50),
                durations[-1] if durations else None,
            ]
        )
        drills[(r, 2)] = Drill("decisions", {"step_user": str(user_id), "role": role})
    return Table(
        "visas",
        _("Visas and signatures"),
        [
            _("Person"),
            _("Step"),
            _("Decisions"),
            _("Sent back"),
            _("Median time (days)"),
            _("Longest (days)"),
        ],
        rows,
        drills,
    )


def capture(_mails: QuerySet[Mail], filters: Filters) -> Table:
    """Files received per capture source in the period, the mail they became, and errors."""
    start, end = filters.period.bounds()
    grouped = (
        CaptureInput.objects.filter(received_at__gte=start, received_at__lt=end)
        .values("source_kind", "source_name")
        .annotate(
            files=Count("pk", distinct=True),
            errors=Count("pk", filter=Q(status=InputStatus.ERROR), distinct=True),
            made=Count("mails", distinct=True),
        )
        .order_by("source_kind", "source_name")
    )
    kinds = dict(SourceKind.choices)
    rows: list[list[Cell]] = []
    for row in grouped:
        name = str(kinds.get(row["source_kind"], row["source_kind"]))
        if row["source_name"]:
            name = f"{name} — {row['source_name']}"
        rows.append(
            [name, row["files"], row["made"], row["errors"], _percent(row["errors"], row["files"])]
        )
    if rows:
        files, made, errors = (sum(int(row[i] or 0) for row in rows) for i in (1, 2, 3))
        rows.append([_("Total"), files, made, errors, _percent(errors, files)])
    return Table(
        "capture",
        _("Capture per source"),
        [_("Source"), _("Files received"), _("Mails registered"), _("Errors"), _("Error rate (%)")],
        rows,
        note=_("Failed files wait on the capture errors screen, where they can be retried."),
    )


def weekly(mails: QuerySet[Mail], filters: Filters) -> Table:
    series = per_week(mails, filters)
    rows: list[list[Cell]] = [
        [_("Week of %(day)s") % {"day": label}, incoming, closed]
        for label, incoming, closed in zip(
            series.labels, series.incoming, series.closed, strict=True
        )
    ]
    return Table(
        "weeks",
        _("Per week"),
        [_("Week"), pgettext("statistics", "Incoming"), pgettext("statistics", "Closed")],
        rows,
    )


def webform_topics(mails: QuerySet[Mail], _filters: Filters | None = None) -> Table:
    """Citizens' requests per topic, one column per year, with totals."""
    grouped = (
        WebFormRequest.objects.filter(mail__in=mails)
        .annotate(year=ExtractYear("created_at"))
        .values("topic__label", "year")
        .annotate(n=Count("*"))
    )
    years = sorted({row["year"] for row in grouped})
    cells: dict[str, dict[int, int]] = {}
    for row in grouped:
        cells.setdefault(row["topic__label"], {})[row["year"]] = row["n"]
    rows: list[list[Cell]] = [
        [topic, *(by_year.get(y, 0) for y in years), sum(by_year.values())]
        for topic, by_year in sorted(cells.items())
    ]
    total: list[Cell] = [
        _("Total"),
        *(sum(int(r[i + 1] or 0) for r in rows) for i in range(len(years) + 1)),
    ]
    return Table(
        "webform",
        _("Citizens' requests per topic and year"),
        [_("Topic"), *(str(y) for y in years), _("Total")],
        [*rows, total] if rows else [],
    )


TABLES: dict[str, Callable[[QuerySet[Mail], Filters], Table]] = {
    "entities": per_entity,
    "types": per_type,
    "channels": per_channel,
    "weeks": weekly,
    "replies": replies,
    "opinions": opinions,
    "visas": visas,
    "capture": capture,
    "webform": webform_topics,
}
# Capture sources belong to the organisation, not to an entity.
ORGANISATION_TABLES = {"capture"}


def tables_for(user: User, mails: QuerySet[Mail], filters: Filters) -> list[Table]:
    return [
        build(mails, filters)
        for code, build in TABLES.items()
        if code not in ORGANISATION_TABLES or selectors.sees_organisation(user)
    ]
