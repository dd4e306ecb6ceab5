from __future__ import annotations

from django.contrib import admin

from courrier.admin_journal import JournaledAdminMixin
from scanner_hotfolders.models import HotFolder


@admin.register(HotFolder)
class HotFolderAdmin(JournaledAdminMixin, admin.ModelAdmin[HotFolder]):
    list_display = (
        "name",
        "path",
        "entity",
        "document_type",
        "channel",
        "split_on_separators",
        "active",
    )
    list_filter = ("active", "channel")
