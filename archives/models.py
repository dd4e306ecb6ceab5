"""What archivists ask of Bannette and keep: journal export packages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    WAITING = "waiting", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class JournalExport(models.Model):
    """A journal export package asked for on the screen, built in the background."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    since = models.DateField(_("from"), null=True, blank=True)
    until = models.DateField(_("to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.WAITING
    )
    file = models.FileField(_("package"), upload_to="journal-exports/", blank=True)
    first_seq = models.PositiveBigIntegerField(_("first event"), null=True, blank=True)
    last_seq = models.PositiveBigIntegerField(_("last event"), null=True, blank=True)
    events = models.PositiveBigIntegerField(_("events"), default=0)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("journal export")
        verbose_name_plural = _("journal exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.since or '…'} → {self.until or '…'}"
