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

from notifications.catalogue import sentence
from notifications.models import Notification


def day_label(value: datetime.date | str | None) -> str:
    """A date as notifications write it (journal details hold it as ISO text)."""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    return date_format(value, "DATE_FORMAT") if value else ""


def absolute(path: str) -> str:
    return f"{settings.BANNETTE_PUBLIC_URL.rstrip('/')}{path}"


def notification_text(notification: Notification) -> str:
    """The sentence, with the mail's number and subject as they are now."""
    params: dict[str, Any] = dict(notification.params)
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
