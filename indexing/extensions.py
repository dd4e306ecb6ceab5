"""What search adds to the page header: the quick search box and the advanced search page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import (
    NavLink,
    register_health_check,
    register_nav_link,
    register_quick_search,
)
from indexing import services as search_index


def register() -> None:
    register_health_check("search_index", search_index.check)
    register_quick_search("quick_search")
    register_nav_link(
        NavLink(
            code="search",
            label=_("Advanced search"),
            url_name="search",
            position=10,
            icon="search",
        )
    )
