"""What templates_office adds to the mail core: its journal events and administrators' rights."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import JournalAction, register_journal_actions, register_role_permissions
from courrier.models import Role

JOURNAL_ACTIONS = [
    JournalAction(
        "reply.drafted",
        _("Reply drafted"),
        workflow=True,
        sentences=(_("Reply drafted from “%(template)s”"),),
    ),
    JournalAction("document.drafted", _("Document drafted"), workflow=True),
    JournalAction(
        "attachment.conversion_failed",
        _("PDF conversion failed"),
        sentences=(_("Version %(version)s could not be converted to PDF"),),
    ),
    JournalAction(
        "attachment.pdf_made", _("PDF made"), sentences=(_("PDF of version %(version)s made"),)
    ),
]


def register() -> None:
    register_journal_actions(JOURNAL_ACTIONS)
    register_role_permissions(
        Role.ADMINISTRATOR,
        [f"templates_office.{verb}_officetemplate" for verb in ("view", "add", "change")],
    )
