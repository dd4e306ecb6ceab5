"""Charts drawn on the server as SVG (pygal), each shown beside its data table."""

from __future__ import annotations

import math

import pygal
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pygal.style import Style

from stats.indicators import Period

_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1d2733",
    foreground_strong="#1d2733",
    foreground_subtle="#5b6b7b",
    colors=("#124e8c", "#2e8540"),
    font_family="sans-serif",
)


def month_label(month: Period) -> str:
    return month.start.strftime("%m/%Y")


def volumes_chart(rows: list[tuple[Period, int, int]]) -> str:
    """Incoming and closed mail per month, as an inline SVG document."""
    chart = pygal.Bar(
        style=_STYLE,
        height=320,
        width=900,
        legend_at_bottom=True,
        show_y_guides=True,
        x_label_rotation=0,
        disable_xml_declaration=True,
        js=[],  # no script from a CDN: the SVG stands alone
    )
    top = max([1, *(max(incoming, closed) for _m, incoming, closed in rows)])
    step = max(1, math.ceil(top / 8))
    chart.y_labels = list(range(0, top + step, step))  # whole mails, never 0.2 of one
    chart.title = _("Incoming and closed mail per month")
    chart.x_labels = [month_label(month) for month, _i, _c in rows]
    chart.add(pgettext("statistics", "Incoming"), [incoming for _m, incoming, _c in rows])
    chart.add(pgettext("statistics", "Closed"), [closed for _m, _i, closed in rows])
    rendered: str = chart.render(is_unicode=True)
    return rendered
