"""Soft locks: who is processing a mail of a shared basket, shown to the others."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courrier.models import Mail, MailLock, User


def current_lock(mail: Mail) -> MailLock | None:
    return (
        MailLock.objects.filter(mail=mail, expires_at__gt=timezone.now())
        .select_related("user")
        .first()
    )


def check_not_locked(actor: User, mail: Mail) -> None:
    """Workflow moves wait while a colleague holds the mail's processing lock."""
    lock = current_lock(mail)
    if lock is not None and lock.user_id != actor.pk:
        raise PermissionDenied(
            _("%(user)s is processing this mail since %(time)s.")
            % {"user": lock.user, "time": date_format(timezone.localtime(lock.acquired_at), "H:i")}
        )


def release_lock(mail: Mail) -> None:
    """The mail changes hands (redirected, qualified, closed): whoever held it lets go."""
    MailLock.objects.filter(mail=mail).delete()


def take_lock(*, user: User, mail: Mail) -> MailLock:
    """Hold the mail for `user` (or renew their hold); a colleague's unexpired lock wins."""
    now = timezone.now()
    expires = now + datetime.timedelta(minutes=settings.BANNETTE_LOCK_MINUTES)
    with transaction.atomic():
        lock = MailLock.objects.select_for_update().filter(mail=mail).first()
        if lock is None:
            try:
                with transaction.atomic():
                    return MailLock.objects.create(
                        mail=mail, user=user, acquired_at=now, expires_at=expires
                    )
            except IntegrityError:  # a colleague took it between our read and our insert
                lock = MailLock.objects.select_for_update().get(mail=mail)
        if lock.user_id == user.pk:
            lock.expires_at = expires
            lock.save(update_fields=["expires_at"])
        elif lock.expires_at <= now:
            lock.user, lock.acquired_at, lock.expires_at = user, now, expires
            lock.save(update_fields=["user", "acquired_at", "expires_at"])
        return lock


def release_lock_of(*, user: User, mail: Mail, held_until: datetime.datetime | None = None) -> bool:
    """Give the mail back when its holder leaves it; others' locks are left alone. With
    `held_until`, only that hold: a page left after the same user reopened the mail (a reload,
    a form sent back to it) must not release the hold the new page took."""
    held = MailLock.objects.filter(mail=mail, user=user)
    if held_until is not None:
        held = held.filter(expires_at=held_until)
    return held.delete()[0] > 0
