"""What the API adds to the menus, the roles and the journal."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import (
    JournalAction,
    NavLink,
    register_journal_actions,
    register_nav_link,
    register_role_permissions,
)
from courrier.models import Role


def register() -> None:
    register_nav_link(
        NavLink(
            code="api_tokens",
            label=_("My API tokens"),
            url_name="api_tokens",
            position=910,
            group="me",
            icon="key",
        )
    )
    register_nav_link(
        NavLink(
            code="api_service_accounts",
            label=_("Service accounts"),
            url_name="api_service_accounts",
            position=960,
            permission="api.manage_serviceaccount",
            group="admin",
            icon="key",
        )
    )
    register_role_permissions(Role.ADMINISTRATOR, ["api.manage_serviceaccount"])
    register_journal_actions(
        [
            JournalAction(
                "api.token_issued",
                _("API token created"),
                sentences=(_("API token “%(name)s” created (%(prefix)s…)"),),
            ),
            JournalAction(
                "api.token_revoked",
                _("API token revoked"),
                sentences=(_("API token “%(name)s” revoked"),),
            ),
            JournalAction(
                "api.service_account_created",
                _("Service account created"),
                sentences=(_("Service account “%(name)s” created for %(entity)s"),),
            ),
            JournalAction(
                "api.service_account_deactivated",
                _("Service account deactivated"),
                sentences=(
                    _("Service account “%(name)s” deactivated, %(revoked)s token(s) revoked"),
                ),
            ),
        ]
    )
