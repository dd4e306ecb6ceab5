"""Notification e-mails and the daily digest, in text and HTML, in each reader's language."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courrier.selectors import can_see_mail, visible_mail_ids
from notifications.catalogue import sentence
from notifications.models import Notification


def day_label(value: datetime.date | str | None) -> str:
    """A date as notifications write it (journal details hold it as ISO text)."""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    return date_format(value, "DATE_FORMAT") if value else ""


def absolute(path: str) -> str:
    return f"{settings.BANNETTE_PUBLIC_URL.rstrip('/')}{path}"


def readers(notification: Notification) -> list[Any]:
    """Whose perimeter opens the notification's mail: its reader, or the absent colleague the
    reader stands in for."""
    return [u for u in (notification.user, notification.for_user) if u is not None]


def may_read(notification: Notification) -> bool:
    """Whether the reader may open the notification's mail now (it may have been redirected
    out of their reach or made confidential since): else its number and subject are not shown."""
    known = getattr(notification, "_mail_readable", None)
    if known is None:
        mail = notification.mail
        known = mail is None or any(can_see_mail(user, mail) for user in readers(notification))
        notification._mail_readable = known  # type: ignore[attr-defined]
    return bool(known)


def mark_readable(notifications: list[Notification]) -> None:
    """Work out `may_read` for a page of one reader's notifications in one query."""
    plain = [n for n in notifications if n.mail_id is not None and n.for_user_id is None]
    if not plain:
        return
    visible = visible_mail_ids(plain[0].user, (n.mail_id for n in plain))
    for notification in plain:
        notification._mail_readable = notification.mail_id in visible  # type: ignore[attr-defined]


def notification_text(notification: Notification) -> str:
    """The sentence, with the mail's number and subject as they are now."""
    params: dict[str, Any] = dict(notification.params)
    if not may_read(notification):
        text = _("About a mail you may no longer open (redirected elsewhere or made confidential).")
    else:
        if notification.mail is not None:
            params |= {
                "chrono": notification.mail.chrono_number or "",
                "subject": notification.mail.subject,
            }
        text = sentence(notification.kind, params)
    if notification.for_user is not None:
        text += " " + _("(standing in for %(name)s)") % {"name": notification.for_user}
    return text


def notification_link(notification: Notification) -> str:
    if notification.mail_id is not None and not may_read(notification):
        return reverse("notifications")
    if notification.mail_id is not None:
        return reverse("mail_detail", args=[notification.mail_id])
    if notification.params.get("link"):  # a page of its own (a report), kept as a path
        return str(notification.params["link"])
    if notification.kind == "capture_error":
        return reverse("capture_errors")
    if notification.kind == "journal_failure":
        return reverse("system_status")
    return reverse("notifications")


def notification_email(notification: Notification) -> tuple[str, str, str]:
    with translation.override(notification.user.language or settings.LANGUAGE_CODE):
        text = notification_text(notification)
        context = {
            "user": notification.user,
            "sentence": text,
            "link": absolute(notification_link(notification)),
            "preferences": absolute(reverse("notification_preferences")),
            "organisation": settings.BANNETTE_ORGANISATION_NAME,
        }
        return (
            f"[Bannette] {text}"[:300],
            render_to_string("notifications/email/notification.txt", context),
            render_to_string("notifications/email/notification.html", context),
        )


def digest_email(user: Any, context: dict[str, Any]) -> tuple[str, str, str]:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = context | {
            "user": user,
            "home": absolute(reverse("home")),
            "preferences": absolute(reverse("notification_preferences")),
            "organisation": settings.BANNETTE_ORGANISATION_NAME,
        }
        subject = _("[Bannette] Your mail on %(day)s") % {"day": context["day_label"]}
        return (
            subject,
            render_to_string("notifications/email/digest.txt", context),
            render_to_string("notifications/email/digest.html", context),
        )
