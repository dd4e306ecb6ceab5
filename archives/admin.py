"""Archive agreements are set up in the technical administration (changes journaled)."""

from __future__ import annotations

from django.contrib import admin

from archives.models import ArchiveAgreement
from courrier.admin_journal import JournaledAdminMixin


@admin.register(ArchiveAgreement)
class ArchiveAgreementAdmin(JournaledAdminMixin, admin.ModelAdmin[ArchiveAgreement]):
    list_display = ("label", "identifier", "archival_agency", "seda_version", "active")
    list_filter = ("active", "seda_version")
