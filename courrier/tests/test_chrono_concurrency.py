from __future__ import annotations

import datetime

import pytest
from django.db import connection

from courrier.models import Mail
from courrier.services.mail import Registration, register_mail
from courrier.tests.concurrency import at_once

THREADS = 8
PER_THREAD = 15


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a server database; CI runs on PostgreSQL"
)
def test_chrono_numbers_stay_unique_and_gapless_under_concurrent_registration():
    def register_many(_index: int) -> None:
        for i in range(PER_THREAD):
            register_mail(
                actor=None,
                registration=Registration(
                    subject=f"concurrent {i}", arrival_date=datetime.date(2026, 5, 4)
                ),
            )

    errors = [e for e in at_once(THREADS, register_many) if e is not None]
    assert errors == []
    numbers = list(Mail.objects.values_list("chrono_number", flat=True))
    assert len(numbers) == len(set(numbers)) == THREADS * PER_THREAD
    counters = sorted(int(str(n).rsplit("/", 1)[1]) for n in numbers)
    assert counters == list(range(1, THREADS * PER_THREAD + 1))
