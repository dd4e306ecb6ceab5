"""The arrivals and departures registers of a period (a day by default), for the reader's
perimeter and optionally one entity and those below."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courrier.registers import (
    FILE_NAMES,
    KINDS,
    columns,
    register_entities,
    register_lines,
    register_pdf,
    register_title,
)
from courrier.spreadsheets import csv_writer
from courrier.views.common import _user, as_id
from courrier.views.outgoing import _day


@login_required
def register(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "arrivees")
    if kind not in KINDS:
        raise Http404("No such register")
    user = _user(request)
    today = timezone.localdate()
    start = _day(request.GET.get("from"), today)
    end = max(_day(request.GET.get("to"), start), start)
    entities = register_entities(user)
    entity = entities.filter(pk=as_id(request.GET.get("entity"))).first()
    lines = register_lines(user, kind, start, end, entity)
    if start == end:
        period = date_format(start, "DATE_FORMAT")
    else:
        period = _("from %(start)s to %(end)s") % {
            "start": date_format(start, "DATE_FORMAT"),
            "end": date_format(end, "DATE_FORMAT"),
        }
    name = f"registre-{FILE_NAMES[kind]}-{start}"
    name += f"-{end}" if end != start else ""
    fmt = request.GET.get("format")
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv_writer(response)
        writer.writerow(columns(kind))
        for line in lines:
            writer.writerow(
                [
                    line.day.isoformat(),
                    line.chrono,
                    line.channel,
                    line.correspondent,
                    line.subject,
                    line.entity,
                ]
            )
        return response
    if fmt == "pdf":
        response = HttpResponse(register_pdf(kind, lines, period, entity), "application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response
    return render(
        request,
        "courrier/register_book.html",
        {
            "kind": kind,
            "title": register_title(kind),
            "columns": columns(kind),
            "lines": lines,
            "start": start,
            "end": end,
            "period": period,
            "entities": entities,
            "entity": entity,
            "query": request.GET.urlencode(),
        },
    )
