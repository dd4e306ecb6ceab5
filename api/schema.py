"""The OpenAPI schema as the API answers: every operation also documents the refusals every
call may meet (bad request, no or bad token, not allowed, not found, too many calls), and the
personal token is a bearer security scheme."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

REFUSALS = {
    "400": "Requête invalide",
    "401": "Ni session ni jeton valide",
    "403": "Action non permise (rôle, périmètre ou portée du jeton)",
    "404": "Introuvable dans votre périmètre",
    "405": "Méthode non permise",
    "429": "Trop d'appels : réessayez plus tard",
}


class BannetteAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, text in REFUSALS.items():
            responses.setdefault(code, {"description": text})
        return responses


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "api.auth.TokenAuthentication"
    name = "jetonPersonnel"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "Jeton personnel bnt_…"}
