"""Chrono numbers: allocated once per mail, unique and gap-free per year and category."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection
from django.db.models import F

from courrier.models import Category, ChronoCounter

CATEGORY_LETTERS = {Category.INCOMING: "A", Category.OUTGOING: "D", Category.INTERNAL: "I"}


def format_chrono(*, year: int, category: str, counter: int) -> str:
    return settings.BANNETTE_CHRONO_PATTERN.format(
        prefix=settings.BANNETTE_CHRONO_PREFIX,
        year=year,
        category=CATEGORY_LETTERS[Category(category)],
        counter=counter,
    )


def next_counter(*, year: int, category: str) -> int:
    """Increment the counter row; the UPDATE's row lock is held until the caller commits."""
    if not connection.in_atomic_block:
        raise RuntimeError("a chrono number must be allocated inside the registering transaction")
    ChronoCounter.objects.bulk_create(
        [ChronoCounter(year=year, category=category, value=0)], ignore_conflicts=True
    )
    counters = ChronoCounter.objects.filter(year=year, category=category)
    counters.update(value=F("value") + 1)
    return counters.values_list("value", flat=True).get()


def allocate_chrono_number(*, category: str, on: datetime.date) -> str:
    return format_chrono(
        year=on.year, category=category, counter=next_counter(year=on.year, category=category)
    )
