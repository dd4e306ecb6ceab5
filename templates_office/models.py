"""Office templates: .docx files with merge fields, per entity and document type."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    REPLY = "reply", _("Reply letter")
    ACKNOWLEDGMENT = "acknowledgment", _("Acknowledgment")
    TRANSMISSION = "transmission", _("Transmission")
    NOTE = "note", _("Note")
    ATTESTATION = "attestation", _("Attestation of implicit acceptance")
    MISSING_PIECES = "missing_pieces", _("Request for missing pieces (letter)")


def template_file_path(instance: OfficeTemplate, filename: str) -> str:
    return f"templates_office/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class OfficeTemplate(models.Model):
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=TemplateKind.choices, default=TemplateKind.REPLY
    )
    entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("entity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: offered to every entity."),
    )
    document_type = models.ForeignKey(
        "courrier.DocumentType",
        verbose_name=_("document type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: offered for every document type."),
    )
    file = models.FileField(_(".docx file"), upload_to=template_file_path)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("office template")
        verbose_name_plural = _("office templates")
        ordering = ["kind", "label"]

    def __str__(self) -> str:
        return self.label
