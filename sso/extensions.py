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
                "auth.identity_linked",
                _("Outside identity linked to an account by an administrator"),
                sentences=(
                    _(
                        "Identity %(subject)s (%(source)s) linked to the account %(username)s"
                        " by an administrator"
                    ),
                ),
            ),
            JournalAction(
                "auth.identity_linked_by_email",
                _("Outside identity linked to an account by its verified e-mail address"),
                sentences=(
                    _(
                        "Identity %(subject)s (%(source)s) linked to the account %(username)s"
                        " by its verified e-mail address"
                    ),
                ),
            ),
            JournalAction(
                "auth.identity_refused",
                _("Outside identity refused"),
                sentences=(_("Sign-in of %(username)s from %(source)s refused: %(reason)s"),),
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
