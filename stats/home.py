"""An elected official's home: she opens no mail, so no basket; her figures of the month and
the late mail of each service instead (counts only, as on the statistics screen)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils import timezone

from courrier.models import Category, User
from stats import indicators, selectors
from stats.indicators import Filters, Period


def elected_home(user: User) -> dict[str, Any] | None:
    if not user.has_perm("stats.view_statistics") or selectors.may_open_mail(user):
        return None  # those who open mail have their baskets (and the statistics screen)
    today = timezone.localdate()
    filters = Filters(period=Period.of("month", today), category=Category.INCOMING)
    mails = selectors.scope(user, filters)
    figures = indicators.figures(mails, filters)
    late = (
        indicators.mails_behind("late", mails, filters)
        .values("destination_entity__label")
        .annotate(count=Count("pk"))
        .order_by("-count", "destination_entity__label")
    )
    return {
        "month": filters.period.start,
        "today": today,
        "counts": figures.counts,
        "in_time_percent": figures.in_time_percent,
        "median_days": figures.median_days,
        "late_by_service": [(row["destination_entity__label"], row["count"]) for row in late],
    }
