"""What the archives add: the menu link, their journal actions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import (
    JournalAction,
    NavLink,
    register_journal_actions,
    register_nav_link,
)


def register() -> None:
    register_nav_link(
        NavLink(
            code="journal",
            label=_("Journal"),
            url_name="archives_journal",
            position=70,
            permission="courrier.export_journal",
            icon="archive",
            group="archives",
        )
    )
    register_nav_link(
        NavLink(
            code="eliminations",
            label=_("Eliminations"),
            url_name="archives_eliminations",
            position=71,
            permission="courrier.export_journal",
            icon="archive",
            group="archives",
        )
    )
    register_nav_link(
        NavLink(
            code="transfers",
            label=_("Transfers"),
            url_name="archives_transfers",
            position=72,
            permission="courrier.export_journal",
            icon="send",
            group="archives",
        )
    )
    register_nav_link(
        NavLink(
            code="personal_data",
            label=_("Personal data"),
            url_name="archives_personal_data",
            position=73,
            permission="courrier.export_journal",
            icon="user",
            group="archives",
        )
    )
    register_journal_actions(
        [
            JournalAction(
                "retention.elimination_approved",
                _("Elimination approved"),
                sentences=(_("Elimination approved (retention ended on %(retention_end)s)"),),
            ),
            JournalAction(
                "retention.elimination_postponed",
                _("Elimination postponed"),
                sentences=(_("Elimination postponed until %(until)s"),),
            ),
            JournalAction(
                "retention.hold_placed",
                _("Legal hold placed"),
                sentences=(_("Legal hold placed: %(reason)s"),),
            ),
            JournalAction(
                "retention.hold_lifted",
                _("Legal hold lifted"),
                sentences=(_("Legal hold lifted (%(reason)s)"),),
            ),
            JournalAction(
                "mail.eliminated",
                _("Mail eliminated"),
                workflow=True,
                sentences=(_("Eliminated at the end of its retention period"),),
            ),
            JournalAction(
                "archives.transfer_sent",
                _("Sent to the archives"),
                workflow=True,
                sentences=(_("Sent to the archives (transfer %(transfer)s)"),),
            ),
            JournalAction(
                "archives.transfer_accepted",
                _("Accepted by the archives"),
                workflow=True,
                sentences=(_("Accepted by the archives (transfer %(transfer)s)"),),
            ),
            JournalAction(
                "archives.transfer_rejected",
                _("Rejected by the archives"),
                workflow=True,
                sentences=(
                    _("Rejected by the archives (transfer %(transfer)s): %(comment)s"),
                    _("Rejected by the archives (transfer %(transfer)s)"),
                ),
            ),
            JournalAction(
                "mail.anonymised",
                _("Personal data anonymised"),
                workflow=True,
                sentences=(_("Personal data of its senders anonymised (storage limit reached)"),),
            ),
            JournalAction(
                "contact.subject_access",
                _("Right of access exported"),
                sentences=(_("Right of access exported (%(mails)s mails)"),),
            ),
            JournalAction(
                "retention.certificate",
                _("Elimination certificate made"),
                sentences=(_("Elimination certificate made for %(mails)s mail(s)"),),
            ),
            JournalAction(
                "journal.exported",
                _("Journal exported"),
                sentences=(
                    _("Journal exported from %(since)s to %(until)s (%(events)s events)"),
                    _("Journal exported (%(events)s events)"),
                ),
            ),
            JournalAction(
                "journal.evidence",
                _("Integrity evidence produced"),
                sentences=(_("Integrity evidence produced (%(events)s events)"),),
            ),
        ]
    )
