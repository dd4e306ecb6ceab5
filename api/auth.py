"""Authentication by personal token (`Authorization: Bearer bnt_…`) and its scope."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from api.models import PREFIX, ApiToken, TokenScope, token_hash


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
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
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
