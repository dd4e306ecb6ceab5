"""The monthly report: on the first days of a month, each manager receives, for each of their
entities, the PDF of the month before (through the notification machinery: in the bell, and by
e-mail with the PDF attached unless they turned it off)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from courrier.models import Entity, Role, User
from notifications.models import Mode, Notification
from notifications.services import Attachment, mode_for, notify
from stats import report
from stats.indicators import Filters, Period


@dataclass
class ReportRun:
    sent: int = 0
    already: int = 0

    def __str__(self) -> str:
        return f"reports sent {self.sent}, already sent {self.already}"


def previous_month(today: datetime.date) -> Period:
    return Period.of("month", today.replace(day=1) - datetime.timedelta(days=1))


def report_key(entity: Entity, month: Period) -> str:
    return f"monthly-report:{entity.pk}:{month.start:%Y-%m}"


def send_monthly_reports(month: Period | None = None) -> ReportRun:
    """One report per manager and entity they belong to (that entity and below, inside their
    perimeter); a rerun sends nothing twice."""
    month = month or previous_month(timezone.localdate())
    run = ReportRun()
    managers = User.objects.filter(groups__name=Role.MANAGER, is_active=True).distinct()
    for user in managers.order_by("pk"):
        entities = Entity.objects.filter(
            Q(pk=user.primary_entity_id) | Q(members=user), active=True
        ).distinct()
        for entity in entities.order_by("label"):
            if mode_for(user, "monthly_report") == Mode.OFF:
                continue
            if Notification.objects.filter(key=f"{report_key(entity, month)}:{user.pk}").exists():
                run.already += 1
                continue
            run.sent += _send(user, entity, month)
    return run


def _send(user: User, entity: Entity, month: Period) -> int:
    filters = Filters(period=month, entity=entity)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        pdf = report.monthly_report(user, filters)
        month_name = report.month_title(filters)
    link = f"{reverse('statistics_report')}?month={month.start:%Y-%m}&entity={entity.pk}"
    made = notify(
        "monthly_report",
        [user],
        params={"entity": str(entity), "month": month_name, "link": link},
        key=report_key(entity, month),
        attachment=Attachment(
            name=f"statistiques-{entity.code}-{month.start:%Y-%m}.pdf",
            content=pdf,
            mime="application/pdf",
        ),
    )
    return len(made)
