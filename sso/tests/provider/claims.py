"""The claims the test provider gives: the standard ones, and an "organisation" scope with the
person's entity and groups (as Keycloak's mappers or ProConnect's organisation claims would)."""

from __future__ import annotations

from typing import Any

from oidc_provider.lib.claims import ScopeClaims

# username -> (entity, groups)
ORGANISATION = {"cmartin": ("VOIR", ["courrier-agents"]), "inconnu": ("", [])}
# The provider has checked these people's addresses (the standard email_verified claim).
VERIFIED = {"cmartin"}


def userinfo(claims: dict[str, Any], user: Any) -> dict[str, Any]:
    claims.update(
        given_name=user.first_name,
        family_name=user.last_name,
        email=user.email,
        preferred_username=user.username,
        email_verified=user.username in VERIFIED,
    )
    return claims


class OrganisationClaims(ScopeClaims):  # type: ignore[misc]
    info_organisation = ("Organisation", "Service et groupes")

    def scope_organisation(self) -> dict[str, Any]:
        entity, groups = ORGANISATION.get(self.user.username, ("", []))
        return {"entity": entity, "groups": groups}
