"""The administrators' system status page: signs of life, queues, seals, checks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required, permission_required
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courrier.extensions import status_sections
from courrier.models import Heartbeat, JournalEvent, JournalPending, JournalRefusal, JournalSeal

DAILY = datetime.timedelta(hours=26)
HOURLY = datetime.timedelta(hours=2)
FREQUENT = datetime.timedelta(minutes=15)
ALLOWED = {"journal-check": DAILY, "journal-seal": HOURLY}
# Events are linked a moment after their change commits, or by the job of every minute.
LINKING_LATE = datetime.timedelta(minutes=5)


PARTS = {
    "capture-sweeper": gettext_lazy("Capture sweeper"),
    "journal-check": gettext_lazy("Journal check (nightly)"),
    "journal-seal": gettext_lazy("Journal seal (hourly, when events were written)"),
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
        allowed = ALLOWED.get(heartbeat.name, FREQUENT)
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


JOURNAL_TABLES = (
    "courrier_journalevent",
    "courrier_journallink",
    "courrier_journalseal",
    "courrier_journalhead",
)


def database_role_risks() -> list[str]:
    """What lets Bannette's own database role rewrite the journal below the application: being a
    superuser, or owning (or acting as the owner of) the journal's tables, which can disable
    their triggers. Empty when the role is as the README's production layout says."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        role, superuser = cursor.fetchone()
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'"
            " AND pg_has_role(current_user, relowner, 'USAGE') ORDER BY relname",
            [list(JOURNAL_TABLES)],
        )
        owned = [name for (name,) in cursor.fetchall()]
    risks = []
    if superuser:
        risks.append(
            _("Bannette connects as %(role)s, a superuser: it could disable the journal's guards.")
            % {"role": role}
        )
    if owned:
        risks.append(
            _(
                "Bannette connects as %(role)s, which owns %(tables)s: it could disable their"
                " triggers and rewrite the journal."
            )
            % {"role": role, "tables": ", ".join(owned)}
        )
    return risks


@dataclass
class Refusals:
    """Events the chainer refused: written into the database without Bannette's mark."""

    count: int
    first: int | None


def _refusals() -> Refusals:
    found = JournalRefusal.objects.aggregate(count=Count("id"), first=Min("event_seq"))
    return Refusals(count=found["count"], first=found["first"])


@login_required
@permission_required("courrier.view_heartbeat", raise_exception=True)
def system_status(request: HttpRequest) -> HttpResponse:
    context = {
        "pulses": _pulses(),
        "last_seal": JournalSeal.objects.order_by("-number").first(),
        "linking": _linking(),
        "refusals": _refusals(),
        "role_risks": database_role_risks(),
        "sections": [(section.template, section.context()) for section in status_sections()],
    }
    return render(request, "courrier/system.html", context)
