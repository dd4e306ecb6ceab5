"""Webhooks are set up, and their delivery log read and resent, in the technical administration."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from api import outbound, webhooks
from api.models import ApiToken, WebhookDelivery, WebhookSubscription
from courrier.admin_journal import JournaledAdminMixin


class SubscriptionForm(forms.ModelForm[WebhookSubscription]):
    url = forms.URLField(label=_("address"), assume_scheme="https", max_length=500)
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(code, label) for code, label in webhooks.EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "entity", "secret", "active"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        outbound.check_url(url)  # never this machine or its network (api.outbound)
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(JournaledAdminMixin, admin.ModelAdmin[WebhookSubscription]):
    form = SubscriptionForm
    list_display = ("name", "url", "entity", "active")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(JournaledAdminMixin, admin.ModelAdmin[WebhookDelivery]):
    list_display = ("created_at", "subscription", "event", "state", "attempts", "response_code")
    list_filter = ("state", "event", "subscription")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["resend"]

    @admin.action(description=_("Resend the chosen deliveries now"))
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        delivered = webhooks.resend(list(queryset))
        messages.info(request, _("%(n)s delivered.") % {"n": delivered})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(JournaledAdminMixin, admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "prefix", "scope", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "last_used_at")
    fields = ("user", "name", "prefix", "scope", "expires_at", "revoked_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token is issued with its secret shown once (ApiToken.issue)
