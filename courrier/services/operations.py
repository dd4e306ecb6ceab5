"""Heartbeats of the long-running parts, and the event when the journal check fails."""

from __future__ import annotations

import logging
import signal
import sys

from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.events import JournalCheckFailed, publish
from courrier.models import Heartbeat

logger = logging.getLogger(__name__)


def exit_cleanly_on_sigterm() -> None:
    """A long-running command stopped with SIGTERM (./dev run's Ctrl+C, systemd, a container)
    leaves as on Ctrl+C: through SystemExit, so that what it started at exit is stopped too
    (LibreOffice's unoserver, which runs in its own session)."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def beat(name: str, detail: str = "", *, healthy: bool = True) -> None:
    """Record a sign of life; never raises (a watcher must not die of its own heartbeat)."""
    try:
        Heartbeat.objects.update_or_create(
            name=name[:120],
            defaults={"beat_at": timezone.now(), "detail": detail[:500], "healthy": healthy},
        )
    except DatabaseError:
        logger.warning("heartbeat %s not recorded: database unreachable", name)


def journal_checked(checked: int, seals: int, problems: list[str]) -> None:
    """The nightly check's result on the system page; administrators are alerted on failure."""
    if not problems:
        beat("journal-check", _("intact: %(n)s events, %(s)s seals") % {"n": checked, "s": seals})
        return
    beat(
        "journal-check",
        _("%(n)s problem(s): %(first)s") % {"n": len(problems), "first": problems[0]},
        healthy=False,
    )
    publish(JournalCheckFailed(problems=tuple(problems)))  # administrators are notified
