"""Heartbeats of the long-running parts, and the alert when the journal check fails."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.models import Heartbeat, Role, User

logger = logging.getLogger(__name__)


def beat(name: str, detail: str = "", *, healthy: bool = True) -> None:
    """Record a sign of life; never raises (a watcher must not die of its own heartbeat)."""
    try:
        Heartbeat.objects.update_or_create(
            name=name[:120],
            defaults={"beat_at": timezone.now(), "detail": detail[:500], "healthy": healthy},
        )
    except DatabaseError:
        logger.warning("heartbeat %s not recorded: database unreachable", name)


def alert_administrators(subject: str, body: str) -> int:
    """E-mail every administrator with an address; returns how many were written to."""
    recipients = sorted(
        User.objects.filter(Q(is_superuser=True) | Q(groups__name=Role.ADMINISTRATOR))
        .filter(is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if recipients:
        send_mail(f"[Bannette] {subject}", body, None, recipients)
    return len(recipients)


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
    alert_administrators(
        _("The journal check found %(n)s problem(s)") % {"n": len(problems)},
        _("The probative journal may have been tampered with:")
        + "\n\n"
        + "\n".join(f"- {p}" for p in problems),
    )
