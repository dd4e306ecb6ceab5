"""Administration of circuit templates; signing keys are listed, never shown."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from courrier.admin_journal import JournaledAdminMixin
from visa.models import CircuitTemplate, SigningKey


@admin.register(CircuitTemplate)
class CircuitTemplateAdmin(JournaledAdminMixin, admin.ModelAdmin[CircuitTemplate]):
    list_display = ("label", "entity")
    list_filter = ("entity",)
    search_fields = ("label",)


@admin.register(SigningKey)
class SigningKeyAdmin(JournaledAdminMixin, admin.ModelAdmin[SigningKey]):
    list_display = ("user", "subject", "role", "uploaded_at")
    fields = ("user", "subject", "role", "uploaded_at")
    readonly_fields = ("user", "subject", "uploaded_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are added by their owner, who alone knows the password
