"""Watched folders: where scanners (or a parapheur) drop files."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from courrier.models import Channel


class HotFolder(models.Model):
    name = models.SlugField(_("name"), max_length=60, unique=True)
    path = models.CharField(
        _("folder"), max_length=500, help_text=_("Absolute path, local or a mounted network share.")
    )
    entity = models.ForeignKey(
        "courrier.Entity",
        verbose_name=_("default entity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    document_type = models.ForeignKey(
        "courrier.DocumentType",
        verbose_name=_("default document type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.PAPER
    )
    split_on_separators = models.BooleanField(_("split on separator sheets"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("hot folder")
        verbose_name_plural = _("hot folders")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
