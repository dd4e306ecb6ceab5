"""What every page's header needs: the organisation, and the links the apps add."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from courrier.extensions import nav_links_for, quick_search_url_name


def bannette(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {"organisation_name": settings.BANNETTE_ORGANISATION_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        links = nav_links_for(user)
        context["nav_links"] = [link for link in links if link.group == "main"]
        context["nav_tools"] = [link for link in links if link.group == "tools"]
        context["quick_search_url_name"] = quick_search_url_name()
    return context
