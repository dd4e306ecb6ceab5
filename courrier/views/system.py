"""The administrators' system status page: signs of life, queues, seals, checks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courrier.extensions import status_sections
from courrier.models import Heartbeat, JournalEvent, JournalPending, JournalSeal

DAILY = datetime.timedelta(hours=26)
FREQUENT = datetime.timedelta(minutes=15)
# Events are linked a moment after their change commits, or by the job of every minute.
LINKING_LATE = datetime.timedelta(minutes=5)


PARTS = {
    "capture-sweeper": gettext_lazy("Capture sweeper"),
    "journal-check": gettext_lazy("Journal check (nightly)"),
    "journal-seal": gettext_lazy("Journal seal (daily)"),
    "scheduler": gettext_lazy("Periodic jobs (embedded)"),
    "hot-folder watcher": gettext_lazy("Hot-folder watcher"),
}


@dataclass
class Pulse:
    heartbeat: Heartbeat
    late: bool

    @property
    def label(self) -> str:
        name = self.heartbeat.name
        if name.startswith("imap:"):
            return _("Mailbox %(name)s") % {"name": name.removeprefix("imap:")}
        return str(PARTS.get(name, name))


def _pulses() -> list[Pulse]:
    now = timezone.now()
    pulses = []
    for heartbeat in Heartbeat.objects.order_by("name"):
        allowed = DAILY if heartbeat.name.startswith("journal-") else FREQUENT
        pulses.append(Pulse(heartbeat, late=now - heartbeat.beat_at > allowed))
    return pulses


@dataclass
class Linking:
    """Journal events committed and still waiting for their link in the chain."""

    waiting: int
    oldest: datetime.datetime | None

    @property
    def late(self) -> bool:
        return self.oldest is not None and timezone.now() - self.oldest > LINKING_LATE


def _linking() -> Linking:
    queue = JournalPending.objects.aggregate(first=Min("id"), waiting=Count("id"))
    if not queue["waiting"]:
        return Linking(waiting=0, oldest=None)
    oldest = JournalEvent.objects.filter(seq=queue["first"]).values_list("timestamp", flat=True)
    return Linking(waiting=queue["waiting"], oldest=oldest.first())


@login_required
@permission_required("courrier.view_heartbeat", raise_exception=True)
def system_status(request: HttpRequest) -> HttpResponse:
    context = {
        "pulses": _pulses(),
        "last_seal": JournalSeal.objects.order_by("-number").first(),
        "linking": _linking(),
        "sections": [(section.template, section.context()) for section in status_sections()],
    }
    return render(request, "courrier/system.html", context)
