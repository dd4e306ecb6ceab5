"""Signs of life of the long-running parts (watchers, pollers, scheduled checks)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a watcher, poller or scheduled job reported, and what it said."""

    name = models.CharField(_("name"), max_length=120, primary_key=True)
    beat_at = models.DateTimeField(_("last sign of life"))
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    healthy = models.BooleanField(_("healthy"), default=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["name"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M}"
