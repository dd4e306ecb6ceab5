"""The menu: the core's links and sections; other apps add links (courrier.extensions.NavLink)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import NavLink

# Sections of the menu bar, in order; "me" links go in the user's own menu.
NAV_GROUPS = {
    "mail": _("Mail"),
    "signature": _("Signature"),
    "mail_room": _("Mail room"),
    "archives": _("Archives"),
    "admin": _("Administration"),
}

CORE_NAV_LINKS = [
    NavLink(code="folders", label=_("Folders"), url_name="folders", position=20, icon="folder"),
    NavLink(
        code="contacts",
        label=_("Contacts"),
        url_name="contacts",
        position=25,
        permission="courrier.view_contact",
        icon="users",
    ),
    NavLink(
        code="registers",
        label=_("Registers"),
        url_name="registers",
        position=30,
        icon="book",
    ),
    NavLink(
        code="register_without_file",
        label=_("Call or visit"),
        url_name="register_without_file",
        position=105,
        permission="courrier.qualify_mail",
        group="mail_room",
        icon="inbox",
    ),
    NavLink(
        code="absences",
        label=_("My absences"),
        url_name="absences",
        position=100,
        group="me",
        icon="calendar",
    ),
    NavLink(
        code="password_change",
        label=_("My password"),
        url_name="password_change",
        position=130,
        group="me",
        icon="lock",
    ),
    NavLink(
        code="system_status",
        label=_("System status"),
        url_name="system_status",
        position=140,
        permission="courrier.view_heartbeat",
        group="admin",
        icon="pulse",
    ),
]
