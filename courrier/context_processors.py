from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def bannette(request: HttpRequest) -> dict[str, object]:
    return {"organisation_name": settings.BANNETTE_ORGANISATION_NAME}
