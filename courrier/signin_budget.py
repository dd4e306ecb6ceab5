"""Password spraying: one address trying a few passwords on many accounts stays under each
account's lockout (django-axes counts per account and address). Each address also has a
budget of failed sign-ins across all accounts (BANNETTE_LOGIN_ADDRESS_FAILURES per
BANNETTE_LOGIN_LOCK_MINUTES); once spent, sign-in from there is refused without checking the
password. Counted in the cache (BANNETTE_CACHE_URL: shared by every web process)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.http import HttpRequest

from courrier.cache_counters import bump
from courrier.client_address import client_address


def _key(request: HttpRequest) -> str:
    return f"signin-failures:{client_address(request)}"


def spent(request: HttpRequest) -> bool:
    return int(cache.get(_key(request), 0)) >= settings.BANNETTE_LOGIN_ADDRESS_FAILURES


def _charge(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    if request is None:
        return
    bump(_key(request), int(settings.AXES_COOLOFF_TIME.total_seconds()))


def connect() -> None:
    user_login_failed.connect(_charge, dispatch_uid="bannette_signin_budget")
