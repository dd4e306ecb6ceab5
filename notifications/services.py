"""Telling people: who gets a notification, in the app and by e-mail, never twice, never outside
their perimeter, and to their substitutes while they are away."""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from courrier.baskets import basket_mails, current_delegations
from courrier.models import Mail, User
from courrier.selectors import visible_mails
from notifications.catalogue import CATALOGUE
from notifications.models import DeliveryStatus, EmailDelivery, Mode, Notification, Preference

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 10
_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Tell nobody of what happens inside (a demo replaying a past year, a bulk import)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    return _muted.get()


def mode_for(user: User, kind: str) -> str:
    chosen = Preference.objects.filter(user=user, kind=kind).values_list("mode", flat=True).first()
    return chosen or CATALOGUE[kind].default


def set_preference(*, user: User, kind: str, mode: str) -> None:
    if kind not in CATALOGUE or mode not in Mode.values:
        raise ValueError(f"unknown kind or mode: {kind} {mode}")
    Preference.objects.update_or_create(user=user, kind=kind, defaults={"mode": mode})


def _substitutes(user: User, mail: Mail | None) -> list[User]:
    """Who reads the user's baskets now: the substitutes of the baskets holding this mail."""
    found: dict[int, User] = {}
    for delegation in current_delegations().filter(absence__user=user):
        if mail is None or basket_mails(delegation.basket, user).filter(pk=mail.pk).exists():
            found[delegation.substitute.pk] = delegation.substitute
    return list(found.values())


def _routed(users: Iterable[User], mail: Mail | None) -> list[tuple[User, User | None]]:
    """(recipient, absent colleague it stands in for), each recipient once."""
    routed: dict[int, tuple[User, User | None]] = {}
    for user in users:
        if not user.is_active:
            continue
        substitutes = _substitutes(user, mail)
        if not substitutes:
            routed.setdefault(user.pk, (user, None))
        for substitute in substitutes:
            if substitute.is_active:
                routed.setdefault(substitute.pk, (substitute, user))
    return list(routed.values())


def notify(
    kind: str,
    users: Iterable[User],
    *,
    mail: Mail | None = None,
    params: dict[str, Any] | None = None,
    key: str = "",
    actor: User | None = None,
    attachment: Attachment | None = None,
) -> list[Notification]:
    """Notify each user (or their substitutes) who may open the mail, by their preference;
    with a key, a user is told once whatever how often this runs. The actor is not told."""
    made: list[Notification] = []
    if _muted.get():
        return made
    for user, for_user in _routed(users, mail):
        if actor is not None and user.pk == actor.pk:
            continue
        if mail is not None and not visible_mails(for_user or user).filter(pk=mail.pk).exists():
            continue  # never a word about mail outside the perimeter
        mode = mode_for(user, kind)
        if mode == Mode.OFF:
            continue
        notification = _create(
            user=user,
            kind=kind,
            mail=mail,
            params=params or {},
            for_user=for_user,
            key=f"{key}:{user.pk}" if key else None,
            mode=mode,
        )
        if notification is None:
            continue
        made.append(notification)
        if mode == Mode.IMMEDIATE and user.email:
            from notifications.emails import notification_email  # the e-mails read the catalogue

            queue_email(
                user,
                f"notification:{notification.pk}",
                *notification_email(notification),
                attachment=attachment,
            )
    return made


def _create(**fields: Any) -> Notification | None:
    if fields["key"] and Notification.objects.filter(key=fields["key"]).exists():
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(**fields)
    except IntegrityError:  # the same key made at the same time by another worker
        return None


@dataclass(frozen=True)
class Attachment:
    """A document sent with an e-mail."""

    name: str
    content: bytes
    mime: str


def queue_email(
    user: User,
    key: str,
    subject: str,
    text: str,
    html: str,
    *,
    attachment: Attachment | None = None,
) -> EmailDelivery | None:
    """Keep the e-mail to send (once per key); it leaves after commit, without holding anyone."""
    if EmailDelivery.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            delivery = EmailDelivery.objects.create(
                user=user,
                key=key,
                to_address=user.email,
                subject=subject,
                text=text,
                html=html,
                attachment_name=attachment.name if attachment else "",
                attachment_type=attachment.mime if attachment else "",
                attachment_content=attachment.content if attachment else None,
            )
    except IntegrityError:
        return None
    transaction.on_commit(send_soon)
    return delivery


@lru_cache(maxsize=1)
def _sender() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="bannette-notify")


def run_soon(job: Callable[[], object], task: Any, waiting: str) -> None:
    """Have a send run without holding anyone: with a broker `task` goes to a worker; embedded,
    `job` runs in this process's sender thread (or at once when nothing is sent in the
    background: the tests). Notification e-mails and webhooks both leave this way."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            task.delay()
        except Exception:
            logger.warning("broker unreachable: %s wait for the periodic job", waiting)
        return
    if settings.BANNETTE_NOTIFY_IN_BACKGROUND:
        _sender().submit(_in_thread, job)
    else:
        job()


def _in_thread(job: Callable[[], object]) -> None:
    from django.db import close_old_connections

    try:
        job()
    finally:
        close_old_connections()


def send_soon() -> None:
    """With a broker a worker sends; embedded, this process's sender thread does."""
    from notifications.tasks import send_emails

    run_soon(send_pending_emails, send_emails, "notification e-mails")


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4... minutes between attempts, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def send_pending_emails(limit: int = 500) -> int:
    """Send the e-mails due now, each on its own; a refusal only delays that one."""
    now = timezone.now()
    due = list(
        EmailDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(_send_one(pk) for pk in due)


# How long a sender holds an e-mail it claimed: past that, another sender may try it again (the
# first one stopped mid-way). Longer than the SMTP timeout.
SENDING_LEASE = datetime.timedelta(minutes=10)


def _send_one(pk: int) -> bool:
    """Claim one due e-mail in a short write, send it with no transaction open (a slow or absent
    SMTP server never holds the database: SQLite has one writer), then record how it went."""
    now = timezone.now()
    claimed = EmailDelivery.objects.filter(
        pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + SENDING_LEASE, attempts=F("attempts") + 1)
    if not claimed:  # another sender has it, or it left already
        return False
    delivery = EmailDelivery.objects.get(pk=pk)
    message = EmailMultiAlternatives(
        subject=delivery.subject, body=delivery.text, to=[delivery.to_address]
    )
    message.attach_alternative(delivery.html, "text/html")
    if delivery.attachment_name and delivery.attachment_content is not None:
        message.attach(
            delivery.attachment_name,
            bytes(delivery.attachment_content),
            delivery.attachment_type or "application/octet-stream",
        )
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as exc:
        delivery.error = str(exc)[:1000]
        delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        delivery.save(update_fields=["error", "next_attempt_at", "status"])
        logger.warning("notification e-mail %s not sent: %s", delivery.key, exc)
        return False
    delivery.status, delivery.sent_at, delivery.error = DeliveryStatus.SENT, timezone.now(), ""
    delivery.save(update_fields=["status", "sent_at", "error"])
    return True


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: User, pks: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them without pks); returns how many."""
    mine = Notification.objects.filter(user=user, read_at__isnull=True)
    if pks is not None:
        mine = mine.filter(pk__in=list(pks))
    return mine.update(read_at=timezone.now())


def permission_holders(permission: str) -> QuerySet[User]:
    """Active users who hold a permission through their role, and superusers."""
    app_label, codename = permission.split(".", 1)
    granted = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    )
    return User.objects.filter(Q(is_superuser=True) | granted, is_active=True).distinct()


def users_with(permission: str) -> list[User]:
    return list(permission_holders(permission))
