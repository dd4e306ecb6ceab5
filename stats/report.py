"""The monthly statistics report of an entity as a PDF (reportlab): the month's figures beside the
month before, incoming and closed mail over twelve months as a chart with its numbers, the
breakdowns per entity and per type, and the mail late today."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from courrier.models import Entity, User
from courrier.pdf_text import text_paragraph
from stats import indicators, selectors, tables
from stats.indicators import COUNTS, STATES, Filters, Period

BLUE, GREEN = colors.HexColor("#124e8c"), colors.HexColor("#2e8540")
LATE_LISTED = 40


def month_title(filters: Filters) -> str:
    return date_format(filters.period.start, "YEAR_MONTH_FORMAT")


def column_title(whole: Period, counted: Period) -> str:
    """« décembre 2026 », or « décembre 2026 (du 1 au 7) » when only those days are counted."""
    title = date_format(whole.start, "YEAR_MONTH_FORMAT")
    if counted.start == whole.start and counted.end >= whole.end:
        return title
    return _("%(month)s (days %(first)s to %(last)s)") % {
        "month": title,
        "first": counted.start.day,
        "last": counted.end.day,
    }


def report_title(entity: Entity | None, filters: Filters) -> str:
    where = str(entity) if entity else settings.BANNETTE_ORGANISATION_NAME
    return _("Statistics of %(entity)s — %(month)s") % {
        "entity": where,
        "month": month_title(filters),
    }


def figure_label(code: str) -> str:
    return {
        "incoming": pgettext("statistics", "Incoming"),
        "closed": pgettext("statistics", "Closed"),
        "in_progress": pgettext("statistics", "In progress"),
        "late": pgettext("statistics", "Late"),
        "due_soon": pgettext("statistics", "Due soon"),
        "implicit_born": _("Implicit decisions born"),
    }[code]


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:g}".replace(".", ",")
    return f"{text} {unit}".strip()


def monthly_report(user: User, filters: Filters) -> bytes:
    """The PDF of a month as `user` may read it: figures of their scope, and the late mail
    listed only for those who may open mail, and only what they may open."""
    entity = filters.entity
    mails = selectors.scope(user, filters)
    styles = getSampleStyleSheet()
    now = indicators.figures(mails, filters)
    compared = filters.before()
    before = indicators.figures(mails, compared, states=False)
    today = timezone.localdate()
    counted = Period(filters.period.start, min(filters.period.end, today))
    story: list[Flowable] = [
        text_paragraph(report_title(entity, filters), styles["Title"]),
        text_paragraph(
            _("Made on %(day)s by Bannette. Late and due-soon mail are counted that day.")
            % {"day": date_format(timezone.localdate(), "DATE_FORMAT")},
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
        text_paragraph(_("The month beside the month before"), styles["Heading2"]),
    ]
    if filters.in_progress(today):
        story.append(
            text_paragraph(
                _(
                    "The month is in progress: its first %(days)s days are set beside the same "
                    "days of the month before."
                )
                % {"days": counted.days},
                styles["Normal"],
            )
        )
    rows: list[Sequence[object]] = [
        [
            _("Indicator"),
            column_title(filters.period, counted),
            column_title(filters.period.previous(), compared.period),
        ]
    ]
    for code in COUNTS:
        previous = "—" if code in STATES else str(before.counts[code])
        rows.append([figure_label(code), str(now.counts[code]), previous])
    rows += [
        [
            _("Answered in time"),
            _number(now.in_time_percent, "%"),
            _number(before.in_time_percent, "%"),
        ],
        [
            _("Processing time (median, days)"),
            _number(now.median_days),
            _number(before.median_days),
        ],
        [_("9 in 10 within (days)"), _number(now.p90_days), _number(before.p90_days)],
    ]
    story += [_table(rows, [90 * mm, 40 * mm, 40 * mm]), Spacer(1, 6 * mm)]
    series = indicators.per_month(mails, filters)
    story += [
        text_paragraph(_("Incoming and closed mail per month"), styles["Heading2"]),
        _bar_chart(series),
        _table(
            [
                [_("Month"), *series.labels],
                [pgettext("statistics", "Incoming"), *map(str, series.incoming)],
                [pgettext("statistics", "Closed"), *map(str, series.closed)],
            ],
            [22 * mm] + [12.5 * mm] * len(series.labels),
            small=True,
        ),
        Spacer(1, 6 * mm),
    ]
    for table in (tables.per_entity(mails, filters), tables.per_type(mails, filters)):
        story += [text_paragraph(table.title, styles["Heading2"])]
        if table.rows:
            cells = [
                table.columns,
                *[[_number(v) if not isinstance(v, str) else v for v in row] for row in table.rows],
            ]
            story += [_table(cells, [52 * mm] + [20 * mm] * 6, small=True)]
        else:
            story += [text_paragraph(_("Nothing to count."), styles["Normal"])]
        story += [Spacer(1, 4 * mm)]
    if not selectors.may_open_mail(user):
        return _build(story, report_title(entity, filters))
    late = list(
        indicators.mails_behind("late", selectors.drill_down(user, filters), filters)
        .select_related("destination_entity")
        .order_by("due_date", "pk")[: LATE_LISTED + 1]
    )
    story += [text_paragraph(_("Mail late today"), styles["Heading2"])]
    if late:
        rows = [[_("Chrono number"), _("Subject"), _("Destination entity"), _("Due date")]]
        for mail in late[:LATE_LISTED]:
            rows.append(
                [
                    mail.chrono_number or "",
                    text_paragraph(mail.subject[:120], styles["BodyText"]),
                    str(mail.destination_entity or "—"),
                    date_format(mail.due_date, "SHORT_DATE_FORMAT") if mail.due_date else "—",
                ]
            )
        story += [_table(rows, [30 * mm, 80 * mm, 40 * mm, 22 * mm], small=True)]
        if len(late) > LATE_LISTED:
            story += [
                text_paragraph(
                    _("…and more: the statistics screen lists them all."), styles["Normal"]
                )
            ]
    else:
        story += [text_paragraph(_("No mail is late."), styles["Normal"])]
    return _build(story, report_title(entity, filters))


def _build(story: list[Flowable], title: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="Bannette",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    document.build(story)
    return buffer.getvalue()


def _table(rows: Sequence[Sequence[object]], widths: list[float], *, small: bool = False) -> Table:
    # Header cells wrap within their column (as plain strings they ran into each other).
    header = ParagraphStyle(
        "header", fontName="Helvetica-Bold", fontSize=7 if small else 9, leading=9 if small else 11
    )
    head = [text_paragraph(c, header) if isinstance(c, str) else c for c in rows[0]]
    table = Table([head, *rows[1:]], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 7 if small else 9),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def _bar_chart(series: indicators.Series) -> Drawing:
    drawing = Drawing(180 * mm, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 14 * mm, 160 * mm, 44 * mm
    chart.data = [series.incoming, series.closed]
    chart.categoryAxis.categoryNames = series.labels
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    top = max([1, *series.incoming, *series.closed])
    chart.valueAxis.valueStep = max(1, -(-top // 6))
    chart.bars[0].fillColor, chart.bars[1].fillColor = BLUE, GREEN
    legend = Legend()
    legend.x, legend.y, legend.fontSize = 12 * mm, 4 * mm, 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [
        (BLUE, pgettext("statistics", "Incoming")),
        (GREEN, pgettext("statistics", "Closed")),
    ]
    drawing.add(chart)
    drawing.add(legend)
    return drawing
