"""`/healthz`: is every part Bannette needs usable? For load balancers and monitoring.

No login, and nothing but each part's name and "ok" or "failing": the reasons go to the log.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

from courrier.extensions import health_checks

logger = logging.getLogger(__name__)


def database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def storage() -> None:
    folder = Path(settings.MEDIA_ROOT)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-"):
        pass


def broker() -> None:
    """Embedded mode has no broker (tasks run in the process): nothing to reach."""
    if settings.CELERY_BROKER_URL:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as link:
            link.ensure_connection(max_retries=1)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in health_checks().items():
        try:
            check()
            results[name] = "ok"
        except Exception:
            logger.exception("health check %s failed", name)
            results[name] = "failing"
    healthy = all(state == "ok" for state in results.values())
    body = {"status": "ok" if healthy else "failing", "checks": results}
    return JsonResponse(body, status=200 if healthy else 503)
