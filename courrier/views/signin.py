"""The sign-in page: the password form when local accounts or a directory check passwords,
and the identity provider's button when OpenID Connect is set up (see sso/)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from courrier import signin_budget
from courrier.views.password import locked_out


class SignInView(auth_views.LoginView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if signin_budget.spent(request):  # too many failures from this address, any account
            return locked_out(request)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_form"] = settings.BANNETTE_LOCAL_LOGIN or bool(settings.BANNETTE_LDAP_URI)
        context["provider_label"] = (
            settings.BANNETTE_OIDC_LABEL if settings.BANNETTE_OIDC_CLIENT_ID else ""
        )
        context["provider_failed"] = self.request.GET.get("sso") == "echec"
        return context
