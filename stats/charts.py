"""Charts drawn on the server as SVG (pygal), each shown beside its data table."""

from __future__ import annotations

import math
import re

import pygal
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pygal.style import Style

from stats.indicators import Series

_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1d2733",
    foreground_strong="#1d2733",
    foreground_subtle="#5b6b7b",
    colors=("#124e8c", "#2e8540"),
    font_family="sans-serif",
)


def _within_policy(svg: str, nonce: str) -> str:
    """pygal's SVG as the page's Content-Security-Policy lets it run: its stylesheet carries
    the page's nonce, its inline script (tooltips' configuration, unused without pygal's
    scripts) goes, and its one style attribute becomes the presentation attribute it means."""
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)
    svg = svg.replace(' style="opacity: 0"', ' opacity="0"')
    return svg.replace('<style type="text/css">', f'<style type="text/css" nonce="{nonce}">')


def _chart(kind: type[pygal.Bar] | type[pygal.Line], title: str, series: Series, nonce: str) -> str:
    chart = kind(
        style=_STYLE,
        height=320,
        width=900,
        legend_at_bottom=True,
        show_y_guides=True,
        x_label_rotation=0,
        disable_xml_declaration=True,
        js=[],  # no script from a CDN: the SVG stands alone
    )
    top = max([1, *series.incoming, *series.closed])
    step = max(1, math.ceil(top / 8))
    chart.y_labels = list(range(0, top + step, step))  # whole mails, never 0.2 of one
    chart.title = title
    chart.x_labels = series.labels
    chart.add(pgettext("statistics", "Incoming"), series.incoming)
    chart.add(pgettext("statistics", "Closed"), series.closed)
    rendered: str = chart.render(is_unicode=True)
    return _within_policy(rendered, nonce)


def volumes_chart(series: Series, nonce: str) -> str:
    """Incoming and closed mail per month, as bars in an inline SVG document."""
    return _chart(pygal.Bar, _("Incoming and closed mail per month"), series, nonce)


def weekly_chart(series: Series, nonce: str) -> str:
    """Incoming and closed mail per week of the period, as lines."""
    return _chart(pygal.Line, _("Incoming and closed mail per week"), series, nonce)
