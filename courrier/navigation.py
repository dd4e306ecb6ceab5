"""The core's links in the page header; other apps add theirs (courrier.extensions.NavLink)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import NavLink

CORE_NAV_LINKS = [
    NavLink(code="folders", label=_("Folders"), url_name="folders", position=20),
    NavLink(code="post_register", label=_("Outgoing post"), url_name="post_register", position=30),
    NavLink(code="absences", label=_("Absences"), url_name="absences", position=40),
    NavLink(
        code="password_change",
        label=_("My password"),
        url_name="password_change",
        position=130,
        group="tools",
    ),
    NavLink(
        code="system_status",
        label=_("System status"),
        url_name="system_status",
        position=140,
        permission="courrier.view_heartbeat",
        group="tools",
    ),
]
