"""The quality-of-service dashboard, the statistics tables and the mail behind each figure."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from courrier.models import Category, Channel, DocumentType, User
from courrier.views.common import _user
from stats import charts, indicators, report, selectors
from stats.indicators import COUNTS, DRILLABLE, NARROW_KEYS, STATES, Filters, Period
from stats.tables import ORGANISATION_TABLES, TABLES, tables_for

PERIOD_KINDS = ("month", "quarter", "year")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _allowed(request: HttpRequest) -> User:
    user = _user(request)
    if not user.has_perm("stats.view_statistics"):
        raise PermissionDenied
    return user


def read_filters(user: User, query: QueryDict) -> Filters:
    """The filters of a statistics address; anything unknown or outside the user's entities is
    left out rather than refused (a bookmark survives a reorganisation)."""
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in query.get("month", "").split("-"))
        day = datetime.date(year, month, 1)
    except ValueError:
        day = today
    kind = query.get("period", "month")
    period = Period.of(kind if kind in PERIOD_KINDS else "month", day)
    entity_pk, type_pk = query.get("entity", ""), query.get("type", "")
    entity = (
        selectors.entity_choices(user).filter(pk=entity_pk).first() if entity_pk.isdigit() else None
    )
    document_type = DocumentType.objects.filter(pk=type_pk).first() if type_pk.isdigit() else None
    channel = query.get("channel", "")
    category = query.get("category", "")
    return Filters(
        period=period,
        entity=entity,
        document_type=document_type,
        channel=channel if channel in Channel.values else "",
        category=category if category in Category.values else Category.INCOMING,
        narrow={key: query.get(key, "") for key in NARROW_KEYS if query.get(key)},
    )


def filter_query(filters: Filters) -> str:
    """The address query that gives these filters back (without a table row's narrowing)."""
    values = {
        "month": f"{filters.period.start:%Y-%m}",
        "period": filters.period.kind if filters.period.kind != "days" else "month",
        "entity": filters.entity.pk if filters.entity else "",
        "type": filters.document_type.pk if filters.document_type else "",
        "channel": filters.channel,
        "category": filters.category,
    }
    return urlencode({k: v for k, v in values.items() if v})


def _filter_context(user: User, filters: Filters) -> dict[str, Any]:
    return {
        "filters": filters,
        "period": filters.period,
        "entity": filters.entity,
        "entities": selectors.entity_choices(user),
        "document_types": DocumentType.objects.filter(active=True).order_by("label"),
        "channels": Channel.choices,
        "categories": Category.choices,
        "period_kinds": PERIOD_KINDS,
        "month_value": f"{filters.period.start:%Y-%m}",
        "query": filter_query(filters),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _allowed(request)
    filters = read_filters(user, request.GET)
    mails = selectors.scope(user, filters)
    now = indicators.figures(mails, filters)
    before = indicators.figures(mails, filters.before(), states=False)
    replies = (
        indicators.mails_behind("replies", mails, filters).count(),
        indicators.mails_behind("replies", mails, filters.before()).count(),
    )
    months = indicators.per_month(mails, filters)
    # Weeks for a month or a quarter; a year reads better, and sooner, in months.
    weeks = indicators.per_week(mails, filters) if filters.period.kind != "year" else None
    nonce = str(getattr(request, "csp_nonce", ""))  # the charts' stylesheets run under it
    context: dict[str, Any] = {
        **_filter_context(user, filters),
        "in_progress": filters.in_progress(),
        "today": timezone.localdate(),
        "compared": filters.before().period,
        "counts": [
            (code, now.counts[code], None if code in STATES else before.counts[code])
            for code in COUNTS
        ]
        + [("replies", *replies)],
        "now": now,
        "before": before,
        "months": list(zip(months.labels, months.incoming, months.closed, strict=True)),
        "weeks": (
            list(zip(weeks.labels, weeks.incoming, weeks.closed, strict=True)) if weeks else []
        ),
        # pygal's own SVG, from numbers and our labels
        "chart": mark_safe(charts.volumes_chart(months, nonce)),  # noqa: S308
        "weekly_chart": mark_safe(charts.weekly_chart(weeks, nonce)) if weeks else "",  # noqa: S308
        "drill": selectors.may_open_mail(user),
    }
    return render(request, "stats/dashboard.html", context)


@login_required
def figure_mails(request: HttpRequest, code: str) -> HttpResponse:
    """The list of the mail counted by one figure, inside the user's perimeter."""
    user = _allowed(request)
    if code not in DRILLABLE or not selectors.may_open_mail(user):
        raise PermissionDenied
    filters = read_filters(user, request.GET)
    mails = indicators.mails_behind(code, selectors.drill_down(user, filters), filters)
    page = Paginator(
        mails.select_related("destination_entity", "document_type").order_by("due_date", "pk"),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "stats/mails.html",
        {
            "code": code,
            "page": page,
            "today": timezone.localdate(),
            **_filter_context(user, filters),
        },
    )


@login_required
def statistics_tables(request: HttpRequest) -> HttpResponse:
    """The breakdowns of the period, each with its CSV and XLSX export."""
    user = _allowed(request)
    filters = read_filters(user, request.GET)
    context = _filter_context(user, filters)
    tables = tables_for(user, selectors.scope(user, filters), filters)
    drill = selectors.may_open_mail(user)
    return render(
        request,
        "stats/tables.html",
        {
            **context,
            "tables": [
                (table, table.cells(context["query"]) if drill else table.cells_without_links())
                for table in tables
            ],
        },
    )


# The tables' names in an exported file's name, in the users' language.
FILE_NAMES = {
    "entities": "services",
    "types": "types",
    "channels": "canaux",
    "weeks": "semaines",
    "replies": "reponses",
    "opinions": "avis",
    "visas": "visas",
    "capture": "capture",
    "webform": "formulaire-citoyen",
}


@login_required
def table_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    user = _allowed(request)
    if code not in TABLES or fmt not in ("csv", "xlsx"):
        raise PermissionDenied
    if code in ORGANISATION_TABLES and not selectors.sees_organisation(user):
        raise PermissionDenied
    filters = read_filters(user, request.GET)
    table = TABLES[code](selectors.scope(user, filters), filters)
    if fmt == "csv":
        response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(table.xlsx(), content_type=XLSX)
    name = FILE_NAMES.get(code, code)
    response["Content-Disposition"] = (
        f'attachment; filename="statistiques-{name}-{filters.period.start:%Y-%m}.{fmt}"'
    )
    return response


@login_required
def monthly_report(request: HttpRequest) -> HttpResponse:
    """The PDF report of the chosen month (and entity), as mailed to managers each month."""
    user = _allowed(request)
    filters = read_filters(user, request.GET)
    month = Filters(
        period=Period.of("month", filters.period.start),
        entity=filters.entity,
        document_type=filters.document_type,
        channel=filters.channel,
        category=filters.category,
    )
    pdf = report.monthly_report(user, month)
    response = HttpResponse(pdf, content_type="application/pdf")
    code = filters.entity.code if filters.entity else "organisation"
    response["Content-Disposition"] = (
        f'attachment; filename="statistiques-{code}-{month.period.start:%Y-%m}.pdf"'
    )
    return response
