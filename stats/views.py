"""The quality-of-service dashboard and the mail behind each figure."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from courrier.models import Entity, User
from courrier.views.common import _user
from stats import charts, indicators, selectors
from stats.indicators import COUNTS, STATES, Period
from stats.tables import TABLES


def _allowed(request: HttpRequest) -> User:
    user = _user(request)
    if not user.has_perm("stats.view_statistics"):
        raise PermissionDenied
    return user


def _filters(user: User, query: QueryDict) -> tuple[Period, Entity | None]:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in query.get("month", "").split("-"))
        period = Period.month(year, month)
    except ValueError:
        period = Period.month(today.year, today.month)
    entity_pk = query.get("entity", "")
    entity = (
        selectors.entity_choices(user).filter(pk=entity_pk).first() if entity_pk.isdigit() else None
    )
    return period, entity


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _allowed(request)
    period, entity = _filters(user, request.GET)
    mails = selectors.scope(user, entity)
    now, before = indicators.figures(mails, period), indicators.figures(mails, period.previous())
    months = indicators.per_month(mails, indicators.last_months(period.end, 12))
    query = {"month": f"{period.start:%Y-%m}", "entity": entity.pk if entity else ""}
    context: dict[str, Any] = {
        "period": period,
        "entity": entity,
        "entities": selectors.entity_choices(user),
        "month_value": f"{period.start:%Y-%m}",
        "counts": [
            (code, now.counts[code], None if code in STATES else before.counts[code])
            for code in COUNTS
        ],
        "now": now,
        "before": before,
        "months": [(charts.month_label(m), i, c) for m, i, c in months],
        "chart": mark_safe(charts.volumes_chart(months)),  # noqa: S308 - pygal's own SVG
        "drill": selectors.may_open_mail(user),
        "query": "&".join(f"{k}={v}" for k, v in query.items()),
    }
    return render(request, "stats/dashboard.html", context)


@login_required
def figure_mails(request: HttpRequest, code: str) -> HttpResponse:
    """The list of the mail counted by one figure, inside the user's perimeter."""
    user = _allowed(request)
    if code not in COUNTS or not selectors.may_open_mail(user):
        raise PermissionDenied
    period, entity = _filters(user, request.GET)
    mails = indicators.mails_behind(code, selectors.drill_down(user, entity), period)
    page = Paginator(
        mails.select_related("destination_entity", "document_type").order_by("due_date", "pk"),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "stats/mails.html",
        {"code": code, "page": page, "period": period, "entity": entity, "today": _today()},
    )


def _today() -> datetime.date:
    return timezone.localdate()


@login_required
def statistics_tables(request: HttpRequest) -> HttpResponse:
    """The breakdowns of the period, each with its CSV and XLSX export."""
    user = _allowed(request)
    period, entity = _filters(user, request.GET)
    mails = selectors.scope(user, entity)
    return render(
        request,
        "stats/tables.html",
        {
            "period": period,
            "entity": entity,
            "entities": selectors.entity_choices(user),
            "month_value": f"{period.start:%Y-%m}",
            "tables": [build(mails, period) for build in TABLES.values()],
            "query": request.GET.urlencode(),
        },
    )


@login_required
def table_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    user = _allowed(request)
    if code not in TABLES or fmt not in ("csv", "xlsx"):
        raise PermissionDenied
    period, entity = _filters(user, request.GET)
    table = TABLES[code](selectors.scope(user, entity), period)
    if fmt == "csv":
        response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(table.xlsx(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="statistiques-{code}-{period.start:%Y-%m}.{fmt}"'
    )
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
