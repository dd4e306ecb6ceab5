"""The daily work of notifications: reminders, late mail, escalation, late opinions, and the
digest. Each run may be repeated: a key per mail, due date and person (or per person and day)
makes sure nobody is told twice."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courrier.baskets import basket_mails, baskets_for, deadline_q
from courrier.deadlines import escalation_date, second_reminder_date
from courrier.models import OPEN_STATUSES, JournalEvent, Mail, User
from notifications.emails import (
    absolute,
    day_label,
    digest_email,
    notification_link,
    notification_text,
)
from notifications.models import EmailDelivery, Mode, Notification
from notifications.recipients import managers_of, processors_of, workers_of
from notifications.services import notify, queue_email
from visa.models import AskState, OpinionAsk


@dataclass
class Watch:
    reminder1: int = 0
    late: int = 0
    reminder2: int = 0
    escalation: int = 0
    opinion_late: int = 0

    def __str__(self) -> str:
        return ", ".join(f"{name} {value}" for name, value in vars(self).items())


def watch_deadlines(today: datetime.date | None = None) -> Watch:
    """Tell the people concerned of reminders, late mail, escalations and late opinions due
    today or before (a missed day is caught up; a key keeps each to once)."""
    today = today or timezone.localdate()
    watch = Watch()
    open_mail = Mail.objects.filter(
        status__in=OPEN_STATUSES, due_date__isnull=False, suspended_since__isnull=True
    ).select_related("document_type", "assignee", "destination_entity")
    for mail in _in_batches(open_mail):
        assert mail.due_date is not None
        due, params = mail.due_date, {"due": day_label(mail.due_date)}
        stem = f"{mail.pk}:{due:%Y%m%d}"
        if mail.reminder_date and mail.reminder_date <= today <= due:
            watch.reminder1 += _tell("reminder1", workers_of(mail), mail, params, stem)
        if due < today:
            watch.late += _tell("late", workers_of(mail), mail, params, stem)
        second = second_reminder_date(mail.document_type, due)
        if second is not None and second <= today and due < today:
            watch.reminder2 += _tell("reminder2", workers_of(mail), mail, params, stem)
        start = mail.clock_start or mail.arrival_date
        alert = escalation_date(mail.document_type, start, due)
        if alert is not None and alert <= today:
            percent = mail.document_type.escalation_percent if mail.document_type else 0
            watch.escalation += _tell(
                "escalation",
                managers_of(mail.destination_entity),
                mail,
                params | {"entity": str(mail.destination_entity or ""), "percent": percent},
                stem,
            )
    for ask in OpinionAsk.objects.filter(
        state=AskState.WAITING, request__deadline__lt=today, request__recalled_at__isnull=True
    ).select_related("request__mail", "user"):
        users = [ask.user] if ask.user else processors_of(ask.entity_id)
        watch.opinion_late += bool(
            notify(
                "opinion_late",
                users,
                mail=ask.request.mail,
                params={"deadline": day_label(ask.request.deadline)},
                key=f"opinion_late:{ask.pk}",
            )
        )
    return watch


def _in_batches(mails: QuerySet[Mail], size: int = 500) -> Iterator[Mail]:
    """The mails a batch at a time, with no cursor left open while the loop writes: on SQLite
    an open read beside the writes of notify() once failed with « database table is locked »."""
    last = 0
    while True:
        batch = list(mails.filter(pk__gt=last).order_by("pk")[:size])
        yield from batch
        if len(batch) < size:
            return
        last = batch[-1].pk


def _tell(kind: str, users: list[User], mail: Mail, params: dict[str, Any], stem: str) -> int:
    return 1 if notify(kind, users, mail=mail, params=params, key=f"{kind}:{stem}") else 0


# A mail "arrives" in a basket through these workflow moves.
ARRIVALS = [
    "mail.registered",
    "mail.qualified",
    "mail.redirected",
    "mail.assigned",
    "diffusion.copy_sent",
    "diffusion.added",
    "opinion.requested",
    "visa.circuit_started",
    "visa.approved",
    "visa.rejected",
]
LINES_PER_SECTION = 10


@dataclass
class DigestRun:
    sent: int = 0
    silent: int = 0  # people with nothing to be told
    already: int = 0  # digest of the day queued by an earlier run

    def __str__(self) -> str:
        return f"sent {self.sent}, nothing to say {self.silent}, already sent {self.already}"


def digest_is_due(now: datetime.datetime | None = None) -> bool:
    local = timezone.localtime(now or timezone.now())
    return local.hour >= settings.BANNETTE_DIGEST_HOUR


def send_digests(today: datetime.date | None = None) -> DigestRun:
    """One e-mail per person listing each basket's new, due-soon and late mail (once a day)."""
    today = today or timezone.localdate()
    run = DigestRun()
    people = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    for user in people:
        key = f"digest:{user.pk}:{today:%Y-%m-%d}"
        if EmailDelivery.objects.filter(key=key).exists():
            run.already += 1
            continue
        context = digest_for(user, today)
        if not context["baskets"] and not context["notifications"]:
            run.silent += 1
            continue
        if queue_email(user, key, *digest_email(user, context)):
            run.sent += 1
    return run


def digest_for(user: User, today: datetime.date) -> dict[str, Any]:
    """What the digest tells this person: per basket (each mail once), then the notifications
    chosen for the digest since the day before."""
    since = timezone.now() - datetime.timedelta(days=1)
    arrived = JournalEvent.objects.filter(
        mail=OuterRef("pk"), action__in=ARRIVALS, timestamp__gte=since
    )
    shown: set[int] = set()
    baskets = []
    for basket in baskets_for(user):
        mails = basket_mails(basket, user).filter(status__in=OPEN_STATUSES).exclude(pk__in=shown)
        sections = [
            _section(code, title, mails.filter(condition), today, shown)
            for code, title, condition in (
                ("late", _("Late"), deadline_q("late", today)),
                ("due_soon", _("Due soon"), deadline_q("due_soon", today)),
                ("new", _("New since yesterday"), Q(Exists(arrived))),
            )
        ]
        sections = [s for s in sections if s.total]
        if sections:
            url = absolute(reverse("basket", args=[basket.code]))
            baskets.append({"label": _(basket.label), "url": url, "sections": sections})
    notifications = Notification.objects.filter(
        user=user, mode=Mode.DIGEST, created_at__gte=since
    ).select_related("mail", "for_user", "user")
    return {
        "day_label": day_label(today),
        "baskets": baskets,
        "notifications": [
            {"text": notification_text(n), "url": absolute(notification_link(n))}
            for n in notifications
        ],
    }


@dataclass
class _Section:
    code: str
    title: str
    total: int
    lines: list[dict[str, str]] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


def _section(code: str, title: str, mails: Any, today: datetime.date, shown: set[int]) -> _Section:
    found = list(mails.exclude(pk__in=shown).order_by("due_date", "pk"))
    shown.update(m.pk for m in found)
    return _Section(
        code,
        title,
        len(found),
        [
            {
                "chrono": m.chrono_number or "",
                "subject": m.subject,
                "delay": remaining(m.due_date, today),
                "url": absolute(reverse("mail_detail", args=[m.pk])),
            }
            for m in found[:LINES_PER_SECTION]
        ],
    )


def remaining(due: datetime.date | None, today: datetime.date) -> str:
    """The remaining delay as people say it: due in 3 days, due today, 2 days late."""
    if due is None:
        return ""
    days = (due - today).days
    if days > 0:
        return ngettext("due in %(n)d day", "due in %(n)d days", days) % {"n": days}
    if days == 0:
        return _("due today")
    return ngettext("%(n)d day late", "%(n)d days late", -days) % {"n": -days}
