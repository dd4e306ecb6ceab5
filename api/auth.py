"""Authentication by personal token (`Authorization: Bearer bnt_…`) and its scope."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from api.models import PREFIX, ApiToken, TokenScope, token_hash

LAST_USE_PRECISION = datetime.timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword or not parts[1].startswith(PREFIX):
            return None
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=token_hash(parts[1])).first()
        )
        if token is None or not token.usable or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Unknown, expired or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USE_PRECISION:
            # "last used" to the minute: not one write per call of a busy integration
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TokenScopeAllows(permissions.BasePermission):
    """A read token reads; only a read-write token (or the session) changes anything."""

    message = _("This token may only read.")

    def has_permission(self, request: Request, view: object) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or request.method in permissions.SAFE_METHODS:
            return True
        return token.scope == TokenScope.WRITE


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """BANNETTE_API_RATE per token (each integration its own budget), per user for sessions."""

    scope = "api"

    def get_rate(self) -> str:
        return str(settings.BANNETTE_API_RATE)

    def get_cache_key(self, request: Request, view: object) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anonymous-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
