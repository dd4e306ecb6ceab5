"""API access screens: my tokens, and the integrations' service accounts with theirs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api import services
from api.models import ApiToken, ServiceAccount, TokenScope
from courrier.models import Entity, Role, User
from courrier.services.actions import refusal_text
from courrier.views.common import _user


def _issue_from(request: HttpRequest, owner: User) -> str | None:
    """The posted token form; its secret, shown once on the page that answers."""
    days_text = request.POST.get("days", "")
    days = (
        int(days_text) if days_text.isdigit() and int(days_text) in services.EXPIRY_DAYS else None
    )
    try:
        _token, secret = services.issue_token(
            actor=_user(request),
            owner=owner,
            name=request.POST.get("name", ""),
            scope=request.POST.get("scope", TokenScope.READ),
            days=days,
        )
    except (PermissionDenied, ValidationError) as refused:
        messages.error(request, refusal_text(refused))
        return None
    return secret


def _page(request: HttpRequest, owner: User, secret: str | None, template: str) -> HttpResponse:
    context = {
        "owner": owner,
        "tokens": owner.api_tokens.order_by("-created_at"),
        "secret": secret,
        "scopes": TokenScope.choices,
        "durations": services.EXPIRY_DAYS,
        "personal": owner.pk == _user(request).pk,
        "api_docs": reverse("api_docs"),
    }
    if hasattr(owner, "service_account"):
        context["account"] = owner.service_account
    return render(request, template, context)


@login_required
def my_tokens(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if hasattr(user, "service_account"):
        raise PermissionDenied
    secret = _issue_from(request, user) if request.method == "POST" else None
    return _page(request, user, secret, "api/tokens.html")


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    try:
        services.revoke_token(actor=_user(request), token=token)
    except PermissionDenied as refused:
        raise PermissionDenied from refused  # another person's token: not even its name
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    if hasattr(token.user, "service_account"):
        return redirect("api_service_account", pk=token.user.service_account.pk)
    return redirect("api_tokens")


@login_required
@permission_required("api.manage_serviceaccount", raise_exception=True)
def service_accounts(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        entity = Entity.objects.filter(
            pk=request.POST.get("entity", "0") if request.POST.get("entity", "").isdigit() else 0,
            active=True,
        ).first()
        try:
            if entity is None:
                raise ValidationError(_("Choose the entity whose mail it works on."))
            account = services.create_service_account(
                actor=_user(request),
                name=request.POST.get("name", ""),
                entity=entity,
                role=request.POST.get("role", ""),
                description=request.POST.get("description", ""),
            )
        except (PermissionDenied, ValidationError) as refused:
            messages.error(request, refusal_text(refused))
        else:
            messages.success(request, _("Service account created: now give it a token."))
            return redirect("api_service_account", pk=account.pk)
    accounts = ServiceAccount.objects.select_related("user__primary_entity").prefetch_related(
        "user__groups"
    )
    return render(
        request,
        "api/service_accounts.html",
        {
            "accounts": accounts,
            "entities": Entity.objects.filter(active=True).order_by("label"),
            "roles": [(role, Role.LABELS[role]) for role in services.SERVICE_ROLES],
        },
    )


@login_required
@permission_required("api.manage_serviceaccount", raise_exception=True)
def service_account(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ServiceAccount.objects.select_related("user"), pk=pk)
    secret = None
    if request.method == "POST" and request.POST.get("deactivate"):
        revoked = services.deactivate_service_account(actor=_user(request), account=account)
        messages.success(
            request, _("Account deactivated; %(count)s token(s) revoked.") % {"count": revoked}
        )
        return redirect("api_service_account", pk=pk)
    if request.method == "POST":
        secret = _issue_from(request, account.user)
    return _page(request, account.user, secret, "api/service_account.html")
