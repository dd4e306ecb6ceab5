"""OpenID Connect (ProConnect, Keycloak, any certified provider) through mozilla-django-oidc:
the person found by the provider's subject, created or updated from its claims by the
configured rules (username, names, e-mail, entity, roles).

Settings (environment): BANNETTE_OIDC_CLIENT_ID, BANNETTE_OIDC_CLIENT_SECRET, the provider's
BANNETTE_OIDC_AUTHORIZATION_ENDPOINT, _TOKEN_ENDPOINT, _USERINFO_ENDPOINT, _JWKS_ENDPOINT
(and _LOGOUT_ENDPOINT), BANNETTE_OIDC_SCOPES, the claims read (BANNETTE_OIDC_USERNAME_CLAIM,
_FIRST_NAME_CLAIM, _LAST_NAME_CLAIM, _ENTITY_CLAIM, _ROLES_CLAIM), the rules
(BANNETTE_OIDC_ENTITY_MAP, BANNETTE_OIDC_ROLE_MAP, BANNETTE_OIDC_DEFAULT_ROLE) and the button's
BANNETTE_OIDC_LABEL (see the README)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from courrier.models import User
from sso.mapping import IdentityRefused, Profile, Rules, apply_profile, refuse
from sso.models import Source


def rules() -> Rules:
    return Rules(
        entity_map=settings.BANNETTE_OIDC_ENTITY_MAP,
        role_map=settings.BANNETTE_OIDC_ROLE_MAP,
        default_role=settings.BANNETTE_OIDC_DEFAULT_ROLE,
    )


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def profile_of(claims: dict[str, Any]) -> Profile:
    groups = claims.get(settings.BANNETTE_OIDC_ROLES_CLAIM) or []
    if isinstance(groups, str):
        groups = groups.split()
    username = _text(claims.get(settings.BANNETTE_OIDC_USERNAME_CLAIM)) or _text(
        claims.get("email")
    )
    return Profile(
        source=Source.OIDC,
        external_id=_text(claims.get("sub")),
        username=username,
        first_name=_text(claims.get(settings.BANNETTE_OIDC_FIRST_NAME_CLAIM)),
        last_name=_text(claims.get(settings.BANNETTE_OIDC_LAST_NAME_CLAIM)),
        email=_text(claims.get("email")),
        email_verified=claims.get("email_verified") in (True, "true"),
        entity_value=_text(claims.get(settings.BANNETTE_OIDC_ENTITY_CLAIM))
        if settings.BANNETTE_OIDC_ENTITY_CLAIM
        else "",
        groups=frozenset(str(g) for g in groups),
    )


class BannetteOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        profile = profile_of(claims)
        if not profile.external_id or not profile.username:
            raise SuspiciousOperation("the provider gave no subject or no username")
        try:
            return apply_profile(profile, rules())
        except IdentityRefused as refused:
            request = getattr(self, "request", None)
            refuse(profile, refused, request)
            if request is not None:
                messages.error(request, str(refused))
            return None
