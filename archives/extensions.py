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
        )
    )
    register_journal_actions(
        [
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
