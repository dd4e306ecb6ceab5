"""What the settings screens add to the core: their entry in the menu."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import NavLink, register_nav_link

SETTINGS = NavLink(
    code="administration",
    label=_("Settings"),
    url_name="administration",
    position=150,
    permission="courrier.change_entity",
    group="admin",
    icon="gear",
)


def register() -> None:
    register_nav_link(SETTINGS)
