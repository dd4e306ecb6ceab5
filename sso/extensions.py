"""What single sign-on adds to the journal."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import JournalAction, register_journal_actions


def register() -> None:
    register_journal_actions(
        [
            JournalAction(
                "auth.account_created",
                _("Account created from the directory"),
                sentences=(
                    _("Account %(username)s created from its directory or identity provider"),
                ),
            ),
            JournalAction(
                "auth.account_updated",
                _("Account updated from the directory"),
                sentences=(
                    _("Account %(username)s updated from its directory or identity provider"),
                ),
            ),
            JournalAction(
                "auth.account_deactivated",
                _("Account deactivated (left the directory)"),
                sentences=(_("Account %(username)s deactivated: no longer in the directory"),),
            ),
            JournalAction(
                "directory.synchronised",
                _("Directory synchronised"),
                sentences=(
                    _(
                        "Directory synchronised: %(created)s created, %(updated)s updated, "
                        "%(deactivated)s deactivated"
                    ),
                ),
            ),
        ]
    )
