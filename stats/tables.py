"""The statistics tables: breakdowns of a period per entity, document type and channel, and the
yearly table of web-form requests per topic; each exported as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from capture.models import WebFormRequest
from courrier.models import Channel, Mail
from stats.indicators import Period, mails_behind


@dataclass
class Table:
    code: str
    title: str
    columns: list[str]
    rows: list[list[str | int]]

    def csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")  # what French spreadsheets open as columns
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8

    def xlsx(self) -> bytes:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = self.title[:31]
        sheet.append(self.columns)
        for row in self.rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def _breakdown(
    code: str, title: str, heading: str, field: str, mails: QuerySet[Mail], period: Period
) -> Table:
    """Incoming, closed (in the period) and late (today) mail per value of a field."""
    counts: dict[str, Counter[str]] = {}
    for figure in ("incoming", "closed", "late"):
        grouped = mails_behind(figure, mails, period).values(field).annotate(n=Count("pk"))
        for row in grouped:
            counts.setdefault(str(row[field] or "—"), Counter())[figure] = row["n"]
    rows: list[list[str | int]] = [
        [name, c["incoming"], c["closed"], c["late"]] for name, c in sorted(counts.items())
    ]
    total: list[str | int] = [_("Total"), *(sum(int(r[i]) for r in rows) for i in (1, 2, 3))]
    return Table(
        code,
        title,
        [
            heading,
            pgettext("statistics", "Incoming"),
            pgettext("statistics", "Closed"),
            pgettext("statistics", "Late"),
        ],
        [*rows, total],
    )


def per_entity(mails: QuerySet[Mail], period: Period) -> Table:
    return _breakdown(
        "entities", _("Per entity"), _("Entity"), "destination_entity__label", mails, period
    )


def per_type(mails: QuerySet[Mail], period: Period) -> Table:
    return _breakdown(
        "types", _("Per document type"), _("Document type"), "document_type__label", mails, period
    )


def per_channel(mails: QuerySet[Mail], period: Period) -> Table:
    table = _breakdown("channels", _("Per channel"), _("Channel"), "channel", mails, period)
    labels = dict(Channel.choices)
    for row in table.rows[:-1]:
        row[0] = str(labels.get(str(row[0]), row[0]))
    return table


def webform_topics(mails: QuerySet[Mail]) -> Table:
    """Citizens' requests per topic, one column per year, with totals."""
    grouped = (
        WebFormRequest.objects.filter(mail__in=mails)
        .annotate(year=ExtractYear("created_at"))
        .values("topic__label", "year")
        .annotate(n=Count("pk"))
    )
    years = sorted({row["year"] for row in grouped})
    cells: dict[str, dict[int, int]] = {}
    for row in grouped:
        cells.setdefault(row["topic__label"], {})[row["year"]] = row["n"]
    rows: list[list[str | int]] = [
        [topic, *(by_year.get(y, 0) for y in years), sum(by_year.values())]
        for topic, by_year in sorted(cells.items())
    ]
    total: list[str | int] = [
        _("Total"),
        *(sum(int(r[i + 1]) for r in rows) for i in range(len(years) + 1)),
    ]
    return Table(
        "webform",
        _("Citizens' requests per topic and year"),
        [_("Topic"), *(str(y) for y in years), _("Total")],
        [*rows, total] if rows else [],
    )


TABLES: dict[str, Callable[[QuerySet[Mail], Period], Table]] = {
    "entities": per_entity,
    "types": per_type,
    "channels": per_channel,
    "webform": lambda mails, _period: webform_topics(mails),
}
