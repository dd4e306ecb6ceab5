"""Embedded mode runs the beat's jobs in a process of its own: seals happen on a laptop too."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command

from courrier.models import JournalSeal
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


def test_every_periodic_job_runs_from_the_embedded_scheduler(clerk, capsys):
    make_mail(actor=clerk, subject="Courrier")
    call_command("run_periodic_jobs", "--once")
    out = capsys.readouterr()
    for name in settings.CELERY_BEAT_SCHEDULE:
        assert f"{name}: " in out.out, out.err
    assert out.err == ""
    assert JournalSeal.objects.count() == 1
