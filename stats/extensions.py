"""What statistics add: the menu link and who may see them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import (
    HomePanel,
    NavLink,
    register_home_panel,
    register_nav_link,
    register_role_permissions,
)
from courrier.models import Role
from stats.home import elected_home


def register() -> None:
    register_nav_link(
        NavLink(
            code="statistics",
            label=_("Statistics"),
            url_name="statistics",
            position=60,
            permission="stats.view_statistics",
            icon="chart",
        )
    )
    register_home_panel(
        HomePanel(code="statistics", template="stats/_home.html", position=10, context=elected_home)
    )
    register_role_permissions(Role.MANAGER, ["stats.view_statistics"])
    organisation = ["stats.view_statistics", "stats.view_organisation_statistics"]
    register_role_permissions(Role.ADMINISTRATOR, organisation)
    register_role_permissions(Role.ELECTED, organisation)
