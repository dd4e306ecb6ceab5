"""The mail page's own tabs; other apps add theirs (courrier.extensions.MailTab)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from courrier.extensions import MailTab, info_panels
from courrier.models import Mail
from courrier.services.actions import Acting


def _info_panels(acting: Acting, mail: Mail) -> dict[str, Any]:
    """The information tab, with the sections other apps add (e.g. where capture found it)."""
    reader = acting.principal
    return {"info_panels": [(panel, panel.context(mail, reader)) for panel in info_panels()]}


CORE_TABS = [
    MailTab(
        code="document", label=_("Document"), position=10, template="courrier/tabs/document.html"
    ),
    MailTab(
        code="info",
        label=_("Information"),
        position=20,
        template="courrier/tabs/info.html",
        context=_info_panels,
    ),
    MailTab(
        code="diffusion", label=_("Diffusion"), position=30, template="courrier/tabs/diffusion.html"
    ),
    MailTab(
        code="notes",
        label=_("Notes"),
        position=40,
        template="courrier/tabs/notes.html",
        count="notes",
    ),
    MailTab(
        code="attachments",
        label=_("Attachments"),
        position=50,
        template="courrier/tabs/attachments.html",
        count="attachments",
    ),
    MailTab(
        code="links",
        label=_("Linked mail"),
        position=80,
        template="courrier/tabs/links.html",
        count="linked",
    ),
    MailTab(code="history", label=_("History"), position=90, template="courrier/tabs/history.html"),
]
