"""Administration of capture: mailboxes and their rules, web form topics, classification rules,
and a read-only view of capture inputs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from capture import models
from courrier.admin_journal import JournaledAdminMixin


class ImapRuleInline(admin.TabularInline[models.ImapRule, models.ImapAccount]):
    model = models.ImapRule
    extra = 1
    autocomplete_fields = ("entity", "document_type")


@admin.register(models.ImapAccount)
class ImapAccountAdmin(JournaledAdminMixin, admin.ModelAdmin[models.ImapAccount]):
    list_display = ("name", "host", "username", "folder", "mode", "post_action", "active")
    list_filter = ("active", "mode")
    inlines = [ImapRuleInline]
    readonly_fields = ("uidvalidity",)


@admin.register(models.WebFormTopic)
class WebFormTopicAdmin(JournaledAdminMixin, admin.ModelAdmin[models.WebFormTopic]):
    list_display = ("label", "document_type", "entity", "position", "active")
    list_editable = ("position", "active")


@admin.register(models.ClassificationRule)
class ClassificationRuleAdmin(JournaledAdminMixin, admin.ModelAdmin[models.ClassificationRule]):
    list_display = ("label", "pattern", "document_type", "entity", "position", "active")
    list_editable = ("position", "active")


@admin.register(models.CaptureInput)
class CaptureInputAdmin(JournaledAdminMixin, admin.ModelAdmin[models.CaptureInput]):
    """Inputs are evidence of what was received: they are never edited by hand."""

    list_display = ("received_at", "source_kind", "source_name", "file_name", "status", "attempts")
    list_filter = ("status", "source_kind")
    search_fields = ("file_name", "sha256", "source_ref")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
