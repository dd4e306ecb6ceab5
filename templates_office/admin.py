"""Administrators upload .docx templates; a template that would not merge is refused with why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from courrier.admin_journal import JournaledAdminMixin
from templates_office.merge import TemplateProblem, check_template
from templates_office.models import OfficeTemplate


class OfficeTemplateForm(forms.ModelForm[OfficeTemplate]):
    class Meta:
        model = OfficeTemplate
        fields = ("label", "kind", "entity", "document_type", "file", "active")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload and hasattr(upload, "read"):
            content = upload.read()
            upload.seek(0)
            try:
                check_template(content, kind=cleaned.get("kind", ""))
            except TemplateProblem as exc:
                self.add_error("file", str(exc))
        return cleaned


@admin.register(OfficeTemplate)
class OfficeTemplateAdmin(JournaledAdminMixin, admin.ModelAdmin[OfficeTemplate]):
    form = OfficeTemplateForm
    list_display = ("label", "kind", "entity", "document_type", "active", "preview")
    list_filter = ("kind", "entity", "document_type", "active")
    search_fields = ("label",)
    autocomplete_fields = ("entity", "document_type")

    @admin.display(description=_("preview"))
    def preview(self, template: OfficeTemplate) -> str:
        return format_html(
            '<a href="{}">.docx</a> · <a href="{}">PDF</a>',
            reverse("template_preview", args=[template.pk, "docx"]),
            reverse("template_preview", args=[template.pk, "pdf"]),
        )
