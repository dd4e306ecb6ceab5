"""What templates_office adds to the mail core: its journal events and administrators' rights."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from courrier.extensions import (
    InfoPanel,
    JournalAction,
    NavLink,
    register_info_panel,
    register_journal_actions,
    register_nav_link,
    register_role_permissions,
)
from courrier.models import (
    PRINTED_ACKNOWLEDGMENT_CHANNELS,
    Mail,
    NoticeKind,
    ProcessingMode,
    Role,
    User,
)
from templates_office.models import OfficeTemplate, TemplateKind

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
    JournalAction(
        "attestation.issued",
        _("Attestation of implicit acceptance issued"),
        workflow=True,
        sentences=(_("Attestation of the implicit acceptance born on %(born_on)s issued"),),
    ),
]


def letters_panel(mail: Mail, reader: User) -> dict[str, Any]:
    """Which letters to the requester the mail page offers to print."""
    acknowledge = (
        mail.channel in PRINTED_ACKNOWLEDGMENT_CHANNELS
        and mail.category == "incoming"
        and mail.status != "to_qualify"
        and not mail.notices.filter(kind=NoticeKind.RECEIPT, sent_at__isnull=False).exists()
        and _has_template(TemplateKind.ACKNOWLEDGMENT)
    )
    attest = (
        mail.implicit_decision_born_on is not None
        and mail.document_type is not None
        and mail.document_type.processing_mode == ProcessingMode.SVA
        and _has_template(TemplateKind.ATTESTATION)
    )
    return {"acknowledge": acknowledge, "attest": attest}


def _has_template(kind: str) -> bool:
    return OfficeTemplate.objects.filter(kind=kind, active=True).exists()


def register() -> None:
    register_journal_actions(JOURNAL_ACTIONS)
    register_info_panel(InfoPanel("letters", "templates_office/_letters_panel.html", letters_panel))
    register_nav_link(
        NavLink(
            code="acknowledgment_batch",
            label=_("Acknowledgments"),
            url_name="acknowledgment_batch",
            position=125,
            permission="courrier.qualify_mail",
            group="mail_room",
            icon="send",
        )
    )
    register_role_permissions(
        Role.ADMINISTRATOR,
        [f"templates_office.{verb}_officetemplate" for verb in ("view", "add", "change")],
    )
