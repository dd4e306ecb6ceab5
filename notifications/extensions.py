"""What notifications add to every page: the bell, the preferences link, their words."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from courrier.extensions import HeaderWidget, NavLink, register_header_widget, register_nav_link
from courrier.models import User
from notifications.services import unread_count


def bell(user: User) -> dict[str, Any]:
    return {"unread": unread_count(user), "poll": settings.BANNETTE_BELL_POLL_SECONDS}


def register() -> None:
    register_header_widget(HeaderWidget("bell", "notifications/_bell.html", bell))
    register_nav_link(
        NavLink(
            code="notification_preferences",
            label=_("My notifications"),
            url_name="notification_preferences",
            position=905,
            group="me",
            icon="bell",
        )
    )
