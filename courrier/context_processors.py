"""What every page's header needs: the organisation, the menu and who is signed in."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import Promise

from courrier.branding import logo_path
from courrier.extensions import NavLink, header_widgets, nav_links_for, quick_search_url_name
from courrier.models import Role
from courrier.navigation import NAV_GROUPS

# With more links than this, each section but the mail one (used all day) folds into one menu,
# so that the bar keeps to one line at 1366 px (an administrator's bar wrapped to four).
FOLD_BEYOND = 10


def _menu(links: list[NavLink]) -> list[tuple[str, str | Promise, list[NavLink]]]:
    sections = [
        (code, label, [link for link in links if link.group == code])
        for code, label in NAV_GROUPS.items()
    ]
    return [(code, label, section) for code, label, section in sections if section]


def bannette(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {
        "organisation_name": settings.BANNETTE_ORGANISATION_NAME,
        "brand_colour": settings.BANNETTE_BRAND_COLOUR,
        "has_logo": logo_path() is not None,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        links = nav_links_for(user)
        menu = _menu(links)
        context["menu"] = menu
        crowded = sum(len(section) for _code, _label, section in menu) > FOLD_BEYOND
        folded = [
            code
            for code, _label, section in menu
            if crowded and code != "mail" and len(section) > 1
        ]
        context["folded"] = folded
        context["admin_folded"] = "admin" in folded
        context["my_links"] = [link for link in links if link.group == "me"]
        context["my_roles"] = [
            Role.LABELS[name]
            for name in user.groups.values_list("name", flat=True)
            if name in Role.LABELS
        ]
        context["quick_search_url_name"] = quick_search_url_name()
        context["header_widgets"] = [(w.template, w.context(user)) for w in header_widgets()]
    return context
